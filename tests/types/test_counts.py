"""Token arithmetic: hand-checked cases and hypothesis invariants."""

from __future__ import annotations

from typing import Any

import pytest
from _tt_strategies import payloads
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tokentrail.types as tt
from tokentrail.errors import TokenCountError

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

usages = st.one_of(
    payloads(tt.Usage).map(tt.Usage.model_validate),
    payloads(tt.BetaUsage).map(tt.BetaUsage.model_validate),
)


def counts_of(u: tt.Usage | tt.BetaUsage) -> tuple[Any, ...]:
    """Everything summing must preserve (not iteration order, not extras)."""
    d = u.to_dict(exclude_unset=False)
    its = d.get("iterations")
    return (
        tt.token_counts(u),
        d["server_tool_use"],
        d["output_tokens_details"],
        None if its is None else sorted(map(repr, its)),
    )


def test_hand_checked() -> None:
    u = tt.BetaUsage.model_validate(
        {
            "input_tokens": 100,
            "output_tokens": 50,
            "cache_creation_input_tokens": 300,
            "cache_read_input_tokens": 1000,
            "cache_creation": {"ephemeral_5m_input_tokens": 100, "ephemeral_1h_input_tokens": 200},
        }
    )
    assert tt.total_input_tokens(u) == 1400
    assert tt.cache_writes_by_ttl(u) == (100, 200)
    assert tt.token_counts(u) == tt.TokenCounts(100, 100, 200, 1000, 50)
    assert tt.context_sizes(u) == [1400]
    assert tt.last_context_window(u) == 1400


@pytest.mark.parametrize(
    ("flat", "split", "expected"),
    [
        (500, None, (500, 0)),  # no split: all 5-minute
        (None, (7, 3), (7, 3)),  # split only
        (None, None, (0, 0)),
        (100, (10, 20), (80, 20)),  # flat authoritative for the total, split for 1h
        (10, (0, 50), (0, 10)),  # 1h capped at the total
    ],
)
def test_cache_writes_by_ttl(
    flat: int | None, split: tuple[int, int] | None, expected: tuple[int, int]
) -> None:
    d: dict[str, Any] = {"input_tokens": 0, "output_tokens": 0}
    if flat is not None:
        d["cache_creation_input_tokens"] = flat
    if split is not None:
        d["cache_creation"] = {
            "ephemeral_5m_input_tokens": split[0],
            "ephemeral_1h_input_tokens": split[1],
        }
    assert tt.cache_writes_by_ttl(tt.Usage.model_validate(d)) == expected


def _it(kind: str, inp: int, **kw: Any) -> dict[str, Any]:
    d = {
        "type": kind,
        "input_tokens": inp,
        "output_tokens": 1,
        "cache_read_input_tokens": 0,
        "cache_creation_input_tokens": 0,
    }
    d.update(kw)
    return d


def test_context_window_skips_compaction_and_unknown_kinds() -> None:
    u = tt.BetaUsage.loose(
        {
            "input_tokens": 1,
            "output_tokens": 1,
            "iterations": [
                _it("message", 100, cache_read_input_tokens=50),
                _it("compaction", 3000),
                _it("message", 20),
                _it("compaction", 10),
                _it("future_kind", 999),
            ],
        }
    )
    assert tt.context_sizes(u) == [150, 3000, 20, 10, 999]
    assert tt.last_context_window(u) == 20
    only_compaction = tt.BetaUsage.loose(
        {"input_tokens": 1, "output_tokens": 1, "iterations": [_it("compaction", 5)]}
    )
    assert tt.last_context_window(only_compaction) is None


def _window(*entries: dict[str, Any]) -> int | None:
    return tt.last_context_window(
        tt.BetaUsage.loose({"input_tokens": 1, "output_tokens": 1, "iterations": list(entries)})
    )


def _fallback(input_tokens: int, **kw: Any) -> dict[str, Any]:
    return _it("fallback_message", input_tokens, model="claude-opus-4-8", **kw)


def test_context_window_reads_fallback_message_entries() -> None:
    # a fallback_message entry is the terminal entry of a fallback-served turn, sent in place
    # of "message": it is the conversation's window
    assert _window(_it("message", 100), _fallback(5000)) == 5000
    assert _window(_fallback(5000)) == 5000
    assert _window(_fallback(5000, cache_read_input_tokens=7, cache_creation_input_tokens=3)) == (
        5000 + 7 + 3
    )
    assert _window(_fallback(5000), _it("message", 100)) == 100  # the later one wins
    assert _window(_it("message", 100), _fallback(5000), _it("compaction", 9)) == 5000
    advisor = _it("advisor_message", 777, model="claude-opus-4-8")
    assert _window(_it("message", 100), advisor) == 100  # a side inference, not the window
    assert _window(advisor) is None
    assert _window({"type": ["not", "hashable"], "input_tokens": 5}) is None  # loose junk


KINDS = st.sampled_from(["message", "fallback_message", "compaction", "advisor_message", "new"])


@SETTINGS
@given(st.lists(st.tuples(KINDS, st.integers(0, 10**6)), min_size=1, max_size=6))
def test_context_window_is_the_last_conversation_entry(entries: list[tuple[str, int]]) -> None:
    built = [_it(kind, n, model="claude-opus-4-8") for kind, n in entries]
    conversation = [n for kind, n in entries if kind in ("message", "fallback_message")]
    assert _window(*built) == (conversation[-1] if conversation else None)
    assert tt.context_sizes(
        tt.BetaUsage.loose({"input_tokens": 0, "output_tokens": 0, "iterations": built})
    ) == [n for _, n in entries]


def test_bad_counts_raise() -> None:
    bad = tt.Usage.construct(input_tokens=-1, output_tokens=True)
    with pytest.raises(TokenCountError, match="input_tokens"):
        tt.total_input_tokens(bad)
    with pytest.raises(TokenCountError, match="output_tokens"):
        tt.token_counts(tt.Usage.construct(input_tokens=1, output_tokens=True))


def test_add_usage_rules() -> None:
    a = tt.Usage.model_validate(
        {"input_tokens": 1, "output_tokens": 2, "service_tier": "standard", "inference_geo": "us"}
    )
    b = tt.Usage.model_validate(
        {"input_tokens": 3, "output_tokens": 4, "service_tier": "batch", "inference_geo": "us"}
    )
    s = tt.add_usage(a, b)
    assert type(s) is tt.Usage
    assert s.to_dict() == {"inference_geo": "us", "input_tokens": 4, "output_tokens": 6}
    c = tt.BetaUsage.model_validate(
        {
            "input_tokens": 0,
            "output_tokens": 0,
            "cache_creation_input_tokens": 5,
            "server_tool_use": {"web_search_requests": 1, "web_fetch_requests": 0},
            "iterations": [_it("message", 3)],
        }
    )
    t = tt.add_usage(s, c)
    assert type(t) is tt.BetaUsage
    assert t.cache_creation_input_tokens == 5
    assert t.cache_read_input_tokens is None  # None + None stays None
    assert t.server_tool_use is not None
    assert t.server_tool_use.web_search_requests == 1
    assert t.iterations is not None
    assert len(t.iterations) == 1
    assert tt.sum_usage([]) == tt.Usage(input_tokens=0, output_tokens=0)
    assert tt.sum_usage([a]) is a
    assert tt.token_counts(tt.sum_usage([a, b, c])) == (
        tt.token_counts(a) + tt.token_counts(b) + tt.token_counts(c)
    )


@SETTINGS
@given(usages)
def test_parts_sum_to_total(u: tt.Usage | tt.BetaUsage) -> None:
    tc = tt.token_counts(u)
    five, hour = tt.cache_writes_by_ttl(u)
    flat = u.cache_creation_input_tokens
    assert five >= 0
    assert hour >= 0
    if flat is not None:
        assert five + hour == flat
    assert tc.total_input_tokens == tt.total_input_tokens(u) == tt.context_size(u)
    assert tt.total_input_tokens(u) == (
        u.input_tokens + five + hour + (u.cache_read_input_tokens or 0)
    )
    sizes = tt.context_sizes(u)
    assert len(sizes) == max(1, len(getattr(u, "iterations", None) or []))


@SETTINGS
@given(usages, usages)
def test_sum_commutes_on_counts(a: tt.Usage | tt.BetaUsage, b: tt.Usage | tt.BetaUsage) -> None:
    assert counts_of(tt.add_usage(a, b)) == counts_of(tt.add_usage(b, a))
    assert tt.token_counts(tt.add_usage(a, b)) == tt.token_counts(a) + tt.token_counts(b)


@SETTINGS
@given(usages, usages, usages)
def test_sum_is_associative(
    a: tt.Usage | tt.BetaUsage, b: tt.Usage | tt.BetaUsage, c: tt.Usage | tt.BetaUsage
) -> None:
    left = tt.add_usage(tt.add_usage(a, b), c)
    right = tt.add_usage(a, tt.add_usage(b, c))
    assert left.to_dict() == right.to_dict()
    assert tt.sum_usage([a, b, c]).to_dict() == left.to_dict()


@SETTINGS
@given(usages)
def test_usage_from_round_trips(u: tt.Usage | tt.BetaUsage) -> None:
    again = tt.usage_from(u.to_json(), strict=True)
    assert again.to_dict() == tt.BetaUsage.model_validate(u.to_dict()).to_dict()
