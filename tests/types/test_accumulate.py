"""UsageAccumulator against the SDK's own ``accumulate_event`` on generated streams."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from _tt_strategies import payloads, value_strategy
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


# keys a delta may carry but must never write into the snapshot (the SDK ignores them)
UNTOUCHABLE = ("cache_creation", "service_tier", "speed", "inference_geo")


@st.composite
def delta_usages(draw: st.DrawFn, beta: bool) -> dict[str, Any]:
    """A delta usage, sometimes with snapshot-only keys the accumulator must leave alone."""
    usage_cls = tt.BetaUsage if beta else tt.Usage
    delta: dict[str, Any] = draw(
        payloads(tt.BetaMessageDeltaUsage if beta else tt.MessageDeltaUsage)
    )
    for name in draw(st.lists(st.sampled_from(UNTOUCHABLE), unique=True)):
        delta[name] = draw(value_strategy(usage_cls.model_fields[name].annotation, junk=False))
    return delta


@st.composite
def streams(draw: st.DrawFn, beta: bool) -> list[dict[str, Any]]:
    usage_cls = tt.BetaUsage if beta else tt.Usage
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
                    "usage": draw(delta_usages(beta)),
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


@pytest.mark.parametrize("beta", [True, False], ids=["beta", "ga"])
def test_delta_never_writes_snapshot_only_fields(beta: bool) -> None:
    first: dict[str, Any] = {
        "input_tokens": 10,
        "output_tokens": 1,
        "cache_creation": {"ephemeral_5m_input_tokens": 4, "ephemeral_1h_input_tokens": 6},
        "service_tier": "standard",
        "speed": "standard",
        "inference_geo": "global",
    }
    start = {
        "type": "message_start",
        "message": {
            "id": "m",
            "type": "message",
            "role": "assistant",
            "content": [],
            "model": "claude-opus-4-8",
            "stop_reason": None,
            "stop_sequence": None,
            "usage": first,
        },
    }
    delta = {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn", "stop_sequence": None},
        "usage": {
            "output_tokens": 5,
            "cache_creation": {"ephemeral_5m_input_tokens": 99, "ephemeral_1h_input_tokens": 99},
            "service_tier": "priority",
            "speed": "fast",
            "inference_geo": "us",
        },
    }
    got = our_usage([start, delta], beta)
    assert got == sdk_usage([start, delta], beta)
    assert got["to_dict"] == {**first, "output_tokens": 5}


def _start_event(**usage: Any) -> dict[str, Any]:
    return {"type": "message_start", "message": {"usage": {"input_tokens": 1, **usage}}}


@pytest.mark.parametrize(
    ("usage", "message"),
    [(None, r'#2 "message_delta" has no usage'), (5, r"#2 .*not an object: 5"), ([1], r"\[1\]")],
)
def test_delta_without_a_usage_object_is_an_error(usage: object, message: str) -> None:
    acc = tt.UsageAccumulator()
    acc.feed(_start_event(output_tokens=3))
    event: dict[str, Any] = {"type": "message_delta", "delta": {"stop_reason": "end_turn"}}
    if usage is not None:
        event["usage"] = usage
    with pytest.raises(UsageError, match=message):
        acc.feed(event)
    assert acc.usage is not None
    assert acc.usage.output_tokens == 3  # the count is kept, not wiped


def test_sdk_object_delta_without_usage_is_an_error() -> None:
    events = [
        _start_event(output_tokens=3),
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}},
    ]
    objects = [construct_type(type_=RawMessageStreamEvent, value=e) for e in events]
    with pytest.raises(UsageError, match="has no usage"):
        tt.UsageAccumulator().feed_all(objects)


INVALID_ENVELOPES: list[list[dict[str, Any]]] = [
    # the usage validates but the event does not (unknown stop_reason): the SDK builds the
    # whole event loosely and keeps "5" / "7" as sent
    [
        {
            "type": "message_start",
            "message": {
                "id": "m",
                "type": "message",
                "role": "assistant",
                "content": [],
                "model": "x",
                "stop_reason": "brand_new",
                "stop_sequence": None,
                "usage": {"input_tokens": "5", "output_tokens": 1},
            },
        }
    ],
    [
        _start_event(output_tokens=1),
        {
            "type": "message_delta",
            "delta": {"stop_reason": "brand_new", "stop_sequence": None},
            "usage": {"output_tokens": "7", "input_tokens": 2},
        },
    ],
]


@pytest.mark.parametrize("beta", [True, False], ids=["beta", "ga"])
@pytest.mark.parametrize("events", INVALID_ENVELOPES, ids=["start", "delta"])
def test_invalid_envelope_sdk_objects_are_taken_as_built(
    beta: bool, events: list[dict[str, Any]]
) -> None:
    union = BetaRawMessageStreamEvent if beta else RawMessageStreamEvent
    objects = [construct_type(type_=union, value=e) for e in events]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = sdk_usage(events, beta)
        assert our_usage(objects, None) == expected
    assert "5" in expected["to_dict"].values() or "7" in expected["to_dict"].values()


@pytest.mark.parametrize("beta", [True, False], ids=["beta", "ga"])
def test_invalid_envelope_dict_events_coerce_the_usage_alone(beta: bool) -> None:
    # documented difference: a dict event's usage is validated on its own
    start, delta = INVALID_ENVELOPES
    acc = tt.UsageAccumulator(beta=beta).feed_all(start)
    assert acc.usage is not None
    assert acc.usage.to_dict() == {"input_tokens": 5, "output_tokens": 1}
    acc = tt.UsageAccumulator(beta=beta).feed_all(delta)
    assert acc.usage is not None
    assert acc.usage.to_dict() == {"input_tokens": 2, "output_tokens": 7}
    assert acc.stop_reason == "brand_new"


def test_sdk_objects_are_read_without_serializer_warnings() -> None:
    events = [
        _start_event(output_tokens=1, service_tier="tier_from_the_future"),
        {"type": "message_delta", "delta": {}, "usage": {"output_tokens": "9"}},
    ]
    objects = [construct_type(type_=BetaRawMessageStreamEvent, value=e) for e in events]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        acc = tt.UsageAccumulator().feed_all(objects)
    assert acc.usage is not None
    assert acc.usage.service_tier == "tier_from_the_future"
    assert acc.usage.output_tokens == 9  # the delta event validated, so the SDK coerced it


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
