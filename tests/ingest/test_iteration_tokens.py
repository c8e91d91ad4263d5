"""Token columns with ``usage.iterations`` are the billed tokens: what pricing prices."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tokentrail.ingest import decode_usage
from tokentrail.pricing.extract import read_request

_n = st.integers(0, 50_000)


@st.composite
def _counts(draw: st.DrawFn, kind: str | None) -> dict[str, Any]:
    d: dict[str, Any] = {
        "input_tokens": draw(_n),
        "cache_read_input_tokens": draw(_n),
        "output_tokens": draw(_n),
    }
    if kind is not None:
        d["type"] = kind
    flat = draw(st.none() | _n) if kind is None else draw(_n)
    if flat is not None:
        d["cache_creation_input_tokens"] = flat
    if draw(st.booleans()):
        five, hour = draw(_n), draw(_n)
        if flat is not None and draw(st.booleans()):  # a consistent split, mostly
            hour = min(hour, flat)
            five = flat - hour
        d["cache_creation"] = {"ephemeral_5m_input_tokens": five, "ephemeral_1h_input_tokens": hour}
    return d


@st.composite
def _usage(draw: st.DrawFn) -> dict[str, Any]:
    u = draw(_counts(None))
    if draw(st.booleans()):
        kinds = st.sampled_from(["message", "compaction", "advisor_message"])
        u["iterations"] = draw(st.lists(kinds.flatmap(_counts), max_size=4))
    return u


@settings(max_examples=300, deadline=None)
@given(_usage())
def test_columns_are_what_pricing_prices(u: dict[str, Any]) -> None:
    raw = json.dumps(u).encode()
    got = decode_usage(raw)
    calls = read_request(raw).calls
    priced = [sum(c.counts[k] for c in calls) for k in range(5)]
    assert [got.input_tokens, got.cache_5m, got.cache_1h, got.cache_read, got.output_tokens] == (
        priced
    )
    assert got.cache_creation == got.cache_5m + got.cache_1h
    assert got.has_iterations == bool(u.get("iterations"))
    split_missing = any(c.split_missing for c in calls)
    if split_missing:
        assert not got.ttl_known


def test_compaction_tokens_are_counted() -> None:
    # top level = the message iteration only; the compaction call is billed on top of it
    u = {
        "input_tokens": 10, "cache_read_input_tokens": 1000, "output_tokens": 20,
        "cache_creation_input_tokens": 0,
        "iterations": [
            {"type": "compaction", "input_tokens": 5000, "cache_read_input_tokens": 0,
             "cache_creation_input_tokens": 0, "output_tokens": 700},
            {"type": "message", "input_tokens": 10, "cache_read_input_tokens": 1000,
             "cache_creation_input_tokens": 0, "output_tokens": 20},
        ],
    }  # fmt: skip
    got = decode_usage(json.dumps(u).encode())
    assert (got.input_tokens, got.cache_read, got.output_tokens) == (10 + 5000, 1000, 20 + 700)


def test_empty_iterations_use_the_top_level() -> None:
    got = decode_usage(b'{"input_tokens": 3, "output_tokens": 4, "iterations": []}')
    assert (got.input_tokens, got.output_tokens, got.has_iterations) == (3, 4, False)
