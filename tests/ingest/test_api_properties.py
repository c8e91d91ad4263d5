"""Properties: a streamed capture and the JSON of the same response give the same record;
a batch result costs exactly half the same standard request; complete messages are final."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from tokentrail.ingest.batch import read_batch_results
from tokentrail.ingest.records import CCRecord, is_better, rank
from tokentrail.ingest.responses import read_responses
from tokentrail.ledger.costing import Coster

MODELS = ["claude-sonnet-4-6", "claude-haiku-4-5-20251001", "claude-opus-4-6"]
tokens = st.integers(min_value=0, max_value=150_000)


@st.composite
def usages(draw: st.DrawFn) -> dict[str, Any]:
    u: dict[str, Any] = {
        "input_tokens": draw(tokens),
        "output_tokens": draw(tokens),
        "cache_read_input_tokens": draw(tokens),
    }
    five, hour = draw(tokens), draw(tokens)
    u["cache_creation_input_tokens"] = five + hour
    if draw(st.booleans()):
        u["cache_creation"] = {"ephemeral_5m_input_tokens": five, "ephemeral_1h_input_tokens": hour}
    return u


def _msg(model: str, usage: dict[str, Any]) -> dict[str, Any]:
    return {"id": "msg_p", "type": "message", "model": model, "content": [],
            "stop_reason": "end_turn", "usage": usage}  # fmt: skip


def _sse(model: str, usage: dict[str, Any]) -> str:
    start_usage = {**usage, "output_tokens": 1}
    start = {**_msg(model, start_usage), "stop_reason": None}
    delta_usage = {k: usage[k] for k in usage if k != "cache_creation"}
    events = [
        {"type": "message_start", "message": start},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": delta_usage},
        {"type": "message_stop"},
    ]
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)


def _one(text: str, reader: Any) -> CCRecord:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "f"
        p.write_text(text)
        (rec,) = list(reader(str(p)))
    assert isinstance(rec, CCRecord)
    return rec


_COUNTS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_creation_tokens",
           "cache_5m_tokens", "cache_1h_tokens", "stop_reason", "message_id", "model")  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(model=st.sampled_from(MODELS), usage=usages())
def test_sse_and_json_agree(model: str, usage: dict[str, Any]) -> None:
    a = _one(json.dumps(_msg(model, usage)), read_responses)
    b = _one(_sse(model, usage), read_responses)
    assert [getattr(a, f) for f in _COUNTS] == [getattr(b, f) for f in _COUNTS]
    coster = Coster()
    assert coster.cost(a) == coster.cost(b)


@settings(max_examples=60, deadline=None)
@given(model=st.sampled_from(MODELS), usage=usages())
def test_batch_costs_half(model: str, usage: dict[str, Any]) -> None:
    std = _one(json.dumps(_msg(model, usage)), read_responses)
    line = {"custom_id": "c", "result": {"type": "succeeded", "message": _msg(model, usage)}}
    bat = _one(json.dumps(line) + "\n", read_batch_results)
    coster = Coster()
    (std_cost, _), (bat_cost, _) = coster.cost(std), coster.cost(bat)
    assert std_cost is not None
    assert bat_cost is not None
    assert bat_cost * 2 == std_cost


STOPS = st.sampled_from([None, "end_turn", "max_tokens", "tool_use", "pause_turn", "refusal"])


@settings(max_examples=40, deadline=None)
@given(model=st.sampled_from(MODELS), usage=usages(), stop=STOPS)
def test_complete_messages_are_final_whatever_their_stop_reason(
    model: str, usage: dict[str, Any], stop: str | None
) -> None:
    """A saved JSON response and a batch result are complete ``Message`` objects: finished
    even with ``stop_reason: null``. An SSE capture is finished iff a stop_reason arrived."""
    msg = {**_msg(model, usage), "stop_reason": stop}
    saved = _one(json.dumps(msg), read_responses)
    line = {"custom_id": "c", "result": {"type": "succeeded", "message": msg}}
    batch = _one(json.dumps(line) + "\n", read_batch_results)
    assert saved.stop_reason == batch.stop_reason == stop
    assert saved.is_final is True
    assert batch.is_final is True
    sse = _sse(model, usage).replace(
        '"stop_reason": "end_turn"', f'"stop_reason": {json.dumps(stop)}'
    )
    streamed = _one(sse, read_responses)
    assert streamed.stop_reason == stop
    assert streamed.is_final is (stop is not None)
    # A finished copy outranks an unfinished one of the same request, whatever the counts.
    cut = msgspec.structs.replace(streamed, stop_reason=None, final=None)
    assert rank(saved)[0] is True
    assert rank(cut)[0] is False
    assert is_better(saved, cut)
    assert not is_better(cut, saved)
