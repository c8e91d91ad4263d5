"""UsageAccumulator against the SDK's own ``accumulate_event`` on generated streams."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from _tt_strategies import payloads
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tokentrail.types as tt
from tokentrail.errors import UsageError

ga_stream = pytest.importorskip("anthropic.lib.streaming._messages")
beta_stream = pytest.importorskip("anthropic.lib.streaming._beta_messages")
from anthropic._models import construct_type  # noqa: E402
from anthropic.types import RawMessageStreamEvent  # noqa: E402
from anthropic.types.beta import BetaRawMessageStreamEvent  # noqa: E402

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
STOP = st.sampled_from([None, "end_turn", "tool_use", "max_tokens", "pause_turn"])


def sdk_usage(events: list[dict[str, Any]], beta: bool) -> dict[str, Any]:
    snap = None
    for e in events:
        if beta:
            snap = beta_stream.accumulate_event(
                event=e, current_snapshot=snap, json_bufs={}, request_headers=None
            )
        else:
            snap = ga_stream.accumulate_event(event=e, current_snapshot=snap, json_bufs={})
    assert snap is not None
    return {
        "to_dict": snap.usage.to_dict(),
        "to_json": snap.usage.to_json(),
        "dump": snap.usage.model_dump(),
        "stop_reason": snap.stop_reason,
        "id": snap.id,
        "model": snap.model,
    }


def our_usage(events: list[Any], beta: bool | None) -> dict[str, Any]:
    acc = tt.UsageAccumulator(beta=beta).feed_all(events)
    assert acc.usage is not None
    return {
        "to_dict": acc.usage.to_dict(),
        "to_json": acc.usage.to_json(),
        "dump": acc.usage.model_dump(),
        "stop_reason": acc.stop_reason,
        "id": acc.message_id,
        "model": acc.model,
    }


@st.composite
def streams(draw: st.DrawFn, beta: bool) -> list[dict[str, Any]]:
    usage_cls = tt.BetaUsage if beta else tt.Usage
    delta_cls = tt.BetaMessageDeltaUsage if beta else tt.MessageDeltaUsage
    start = {
        "type": "message_start",
        "message": {
            "id": draw(st.sampled_from(["msg_01", "msg_02"])),
            "type": "message",
            "role": "assistant",
            "content": [],
            "model": draw(st.sampled_from(["claude-opus-4-8", "claude-new-model"])),
            "stop_reason": None,
            "stop_sequence": None,
            "usage": draw(payloads(usage_cls)),
        },
    }
    events: list[dict[str, Any]] = [start]
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["message_delta", "message_delta", "message_stop", "start2"]))
        if kind == "message_stop":
            events.append({"type": "message_stop"})
        elif kind == "start2":  # a second message_start is ignored
            events.append({**start, "message": {**start["message"], "id": "msg_other"}})
        else:
            events.append(
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": draw(STOP), "stop_sequence": None},
                    "usage": draw(payloads(delta_cls)),
                }
            )
    return events


@pytest.mark.parametrize("beta", [True, False], ids=["beta", "ga"])
@SETTINGS
@given(data=st.data())
def test_dict_events_match_sdk(beta: bool, data: st.DataObject) -> None:
    events = data.draw(streams(beta))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert our_usage(events, beta) == sdk_usage(events, beta)


@pytest.mark.parametrize("beta", [True, False], ids=["beta", "ga"])
@SETTINGS
@given(data=st.data())
def test_sdk_event_objects_match_sdk(beta: bool, data: st.DataObject) -> None:
    events = data.draw(streams(beta))
    union = BetaRawMessageStreamEvent if beta else RawMessageStreamEvent
    objects = [construct_type(type_=union, value=e) for e in events]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # flavour detected from the SDK class names (Beta* or not)
        assert our_usage(objects, None) == sdk_usage(events, beta)


def test_overwrite_not_add_and_untouched_fields() -> None:
    start = {
        "type": "message_start",
        "message": {
            "id": "msg_1",
            "model": "claude-opus-4-8",
            "usage": {
                "input_tokens": 10,
                "output_tokens": 1,
                "cache_creation_input_tokens": 5,
                "cache_creation": {"ephemeral_5m_input_tokens": 5, "ephemeral_1h_input_tokens": 0},
                "service_tier": "standard",
            },
        },
    }
    acc = tt.UsageAccumulator()
    acc.feed({"type": "ping"})  # ignored, even before message_start
    acc.feed(start)
    acc.feed({"type": "content_block_start", "index": 0, "content_block": {"type": "text"}})
    acc.feed(
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use"},
            "usage": {"output_tokens": 7},
        }
    )
    acc.feed(
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {"output_tokens": 9, "input_tokens": 12, "cache_read_input_tokens": None},
        }
    )
    u = acc.usage
    assert u is not None
    assert (u.input_tokens, u.output_tokens) == (12, 9)  # overwritten, never added
    assert u.cache_read_input_tokens is None  # null in a delta never overwrites
    assert u.service_tier == "standard"
    assert u.cache_creation is not None
    assert (acc.message_id, acc.model, acc.stop_reason) == ("msg_1", "claude-opus-4-8", "end_turn")
    assert isinstance(u, tt.BetaUsage)


def test_ga_flavour_ignores_beta_only_delta_fields() -> None:
    start = {"type": "message_start", "message": {"usage": {"input_tokens": 1, "output_tokens": 0}}}
    delta = {
        "type": "message_delta",
        "delta": {},
        "usage": {"output_tokens": 3, "iterations": [], "fallback_credit": None},
    }
    ga = tt.UsageAccumulator(beta=False).feed_all([start, delta])
    assert isinstance(ga.usage, tt.Usage)
    assert ga.usage.to_dict() == {"input_tokens": 1, "output_tokens": 3}
    b = tt.UsageAccumulator(beta=True).feed_all([start, delta])
    assert b.usage is not None
    assert b.usage.to_dict() == {"input_tokens": 1, "iterations": [], "output_tokens": 3}


def test_errors() -> None:
    acc = tt.UsageAccumulator()
    assert acc.usage is None
    assert not acc.started
    with pytest.raises(UsageError, match="before"):
        acc.feed({"type": "message_delta", "usage": {"output_tokens": 1}})
    with pytest.raises(UsageError, match=r"message\.usage"):
        acc.feed({"type": "message_start", "message": {"id": "x"}})
    with pytest.raises(UsageError, match="message object"):
        acc.feed({"type": "message_start"})
    with pytest.raises(UsageError, match="stream event"):
        acc.feed(42)
