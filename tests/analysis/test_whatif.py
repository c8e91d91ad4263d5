"""What-if repricing: hand formulas from published rates, and the zero-delta invariant."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from _analysis_records import MTOK, S_IN, S_OUT, S_RD, S_W1, S_W5, it, rec, usage
from hypothesis import given, settings
from hypothesis import strategies as st

from tokentrail.analysis.cache import cache_report
from tokentrail.analysis.whatif import ESTIMATE_NOTE, reprice
from tokentrail.errors import UnknownModelError, UserInputError

# claude-opus-4-8 list rates (USD / MTok)
O_IN, O_W5, O_W1, O_RD, O_OUT = (
    Decimal("5"),
    Decimal("6.25"),
    Decimal("10"),
    Decimal("0.50"),
    Decimal("25"),
)


def _usd(tokens: int, rate: Decimal) -> Decimal:
    return Decimal(tokens) * rate / MTOK


def _one() -> list[Any]:
    return [rec(usage(1000, 300, read=4000, w5=2000, w1=500))]


def test_other_model_delta_per_component() -> None:
    w = reprice(_one(), model="claude-opus-4-8")
    by = {c.component: c for c in w.components}
    expect = {
        "input": (1000, S_IN, O_IN),
        "cache_write_5m": (2000, S_W5, O_W5),
        "cache_write_1h": (500, S_W1, O_W1),
        "cache_read": (4000, S_RD, O_RD),
        "output": (300, S_OUT, O_OUT),
    }
    for comp, (tokens, before, after) in expect.items():
        c = by[comp]
        assert (c.actual_tokens, c.whatif_tokens) == (tokens, tokens)
        assert c.actual_usd == _usd(tokens, before)
        assert c.whatif_usd == _usd(tokens, after)
        assert c.delta_usd == _usd(tokens, after) - _usd(tokens, before)
    assert w.delta_usd == sum((_usd(t, a) - _usd(t, b) for t, b, a in expect.values()), Decimal(0))
    assert w.model == "claude-opus-4-8"
    assert w.estimate is True
    assert ESTIMATE_NOTE in w.notes
    d = w.to_dict()
    assert d["estimate"] is True
    assert d["components"][0]["delta_usd"] == str(_usd(1000, O_IN) - _usd(1000, S_IN))


def test_batch_halves_and_unbatch_doubles() -> None:
    w = reprice(_one(), batch=True)
    assert w.whatif_usd == w.actual_usd * Decimal("0.5")
    assert w.delta_usd == -w.actual_usd * Decimal("0.5")
    batched = [rec(usage(1000, 300, read=4000, w5=2000, service_tier="batch"))]
    w = reprice(batched, batch=False)
    actual = (_usd(1000, S_IN) + _usd(4000, S_RD) + _usd(2000, S_W5) + _usd(300, S_OUT)) * Decimal(
        "0.5"
    )
    assert w.actual_usd == actual
    assert w.whatif_usd == actual * 2


def test_ttl_policy_matches_the_cache_counterfactuals() -> None:
    five = [
        rec(usage(100, 50, w5=1000), at=0),
        rec(usage(50, 40, read=1000, w5=200), at=120),
        rec(usage(30, 20, w5=1200), at=720),
    ]
    w = reprice(five, ttl="1h")
    by = {c.component: c for c in w.components}
    # the 600-s gap no longer expires the prefix: the 1,200-token rewrite becomes a read
    assert (by["cache_write_5m"].whatif_tokens, by["cache_write_1h"].whatif_tokens) == (0, 1200)
    assert by["cache_read"].whatif_tokens == 1000 + 1200
    assert w.whatif_usd == (
        _usd(180, S_IN) + _usd(1200, S_W1) + _usd(2200, S_RD) + _usd(110, S_OUT)
    )
    assert w.whatif_usd == cache_report(five).total.all_1h_usd
    hour = [
        rec(usage(10, 5, w1=2000), at=0),
        rec(usage(10, 5, read=2000), at=1200),
    ]
    w = reprice(hour, ttl="5m")
    # the read after 20 minutes would have missed a 5-minute lot: it becomes a 5m write
    assert w.whatif_usd == _usd(20, S_IN) + _usd(4000, S_W5) + _usd(10, S_OUT)
    assert w.whatif_usd == cache_report(hour).total.all_5m_usd


def test_advisor_keeps_its_model() -> None:
    u = usage(
        0,
        0,
        iterations=[
            it("message", 2000, 300),
            it("advisor_message", 2500, 400, model="claude-opus-4-8"),
        ],
    )
    w = reprice([rec(u)], model="claude-opus-4-8")
    # only the message iteration changes model (sonnet -> opus); the advisor was opus already
    assert w.delta_usd == (_usd(2000, O_IN) + _usd(300, O_OUT)) - (
        _usd(2000, S_IN) + _usd(300, S_OUT)
    )


def test_target_released_after_the_records_is_noted() -> None:
    # claude-haiku-5-5 was released on 2026-10-07; the records are of 2026-11-02
    assert not any("predate" in n for n in reprice(_one(), model="claude-haiku-5-5").notes)
    from datetime import datetime, timezone

    old = [rec(usage(10, 1), start=datetime(2026, 3, 1, tzinfo=timezone.utc))]
    w = reprice(old, model="claude-haiku-5-5")
    assert any("1 requests predate claude-haiku-5-5" in n for n in w.notes)
    assert w.whatif_usd == (Decimal(10) * Decimal("0.10") + Decimal("0.50")) / MTOK


def test_errors_and_unpriced() -> None:
    with pytest.raises(UnknownModelError):
        reprice(_one(), model="claude-nonexistent-9")
    with pytest.raises(UserInputError):
        reprice(_one(), ttl="10m")  # type: ignore[arg-type]
    w = reprice([*_one(), rec(usage(5, 5), model="claude-nonexistent-9")], batch=True)
    assert (w.requests, w.unpriced_requests) == (1, 1)


counts = st.integers(0, 400_000)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(counts, counts, counts, counts, counts, st.integers(0, 4000), st.booleans()),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from(["claude-sonnet-4-5", "claude-sonnet-4-5-20250929"]),
)
def test_same_model_and_tier_is_a_zero_delta(rows: list[Any], spelling: str) -> None:
    from datetime import datetime, timezone

    start = datetime(2026, 3, 1, tzinfo=timezone.utc)  # the >200K tier was in force
    recs, t = [], 0
    for i, w5, w1, rd, o, gap, batch in rows:
        t += gap
        tier = "batch" if batch else None
        u = usage(i, o, read=rd, w5=w5, w1=w1, service_tier=tier)
        recs.append(rec(u, at=t, model="claude-sonnet-4-5-20250929", start=start))
    for w in (reprice(recs), reprice(recs, model=spelling)):
        assert w.delta_usd == 0
        assert all(c.delta_usd == 0 for c in w.components)
    if all(r[-1] for r in rows):
        assert reprice(recs, model=spelling, batch=True).delta_usd == 0
    if not any(r[-1] for r in rows):
        assert reprice(recs, model=spelling, batch=False).delta_usd == 0


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(counts, counts, counts, st.integers(0, 8000), st.booleans()),
        min_size=1,
        max_size=6,
    )
)
def test_the_ttl_already_used_is_a_zero_delta(rows: list[Any]) -> None:
    for hour in (False, True):
        recs, t = [], 0
        for written, read, inp, gap, agent in rows:
            t += gap
            u = (
                usage(inp, 1, read=read, w1=written)
                if hour
                else usage(inp, 1, read=read, w5=written)
            )
            recs.append(rec(u, at=t, agent="a" if agent else None))
        w = reprice(recs, ttl="1h" if hour else "5m")
        assert w.delta_usd == 0
        assert all(c.actual_tokens == c.whatif_tokens for c in w.components)


def test_a_target_without_prompt_caching_bills_cached_tokens_as_input() -> None:
    # claude-3-sonnet-20240229 ($3 in / $15 out) sold no prompt caching: the 2,000 + 500
    # writes and the 4,000 reads would have been plain input
    w = reprice(_one(), model="claude-3-sonnet-20240229")
    by = {c.component: c for c in w.components}
    assert by["input"].whatif_tokens == 1000 + 2000 + 500 + 4000
    assert by["input"].whatif_usd == _usd(1000 + 2000 + 500 + 4000, Decimal(3))
    for comp in ("cache_write_5m", "cache_write_1h", "cache_read"):
        assert (by[comp].whatif_tokens, by[comp].whatif_usd) == (0, Decimal(0))
    assert w.whatif_usd == _usd(7500, Decimal(3)) + _usd(300, Decimal(15))
    assert w.unpriced_tokens == 0
    assert any("no cache read price" in n and "4,000" in n for n in w.notes)
    assert any("no 1-hour cache write price" in n and "500" in n for n in w.notes)


def _advisor_on_the_same_model() -> list[Any]:
    return [
        rec(usage(10, 10, w1=50000), at=0),  # conversation prefix [0, 50000), 1h
        rec(
            usage(
                10,
                100,
                read=50000,
                iterations=[
                    # the advisor's own prompt on the same model: its own cache
                    it("advisor_message", 10, 300, w1=8000, model="claude-sonnet-4-6"),
                    it("message", 10, 100, read=50000),  # 400 s after the conversation write
                ],
            ),
            at=400,
        ),
    ]


def test_ttl_replay_keeps_the_advisor_off_the_conversation_cache() -> None:
    recs = _advisor_on_the_same_model()
    w = reprice(recs, ttl="5m")
    # all 5m: both 1h writes become 5m writes, and the conversation read 400 s after its
    # write would have missed (rewritten at 5m) — not hidden by the advisor's write at 0
    assert w.delta_usd == (
        _usd(50000 + 8000 + 50000, S_W5) - _usd(50000 + 8000, S_W1) - _usd(50000, S_RD)
    )
    assert w.whatif_usd == cache_report(recs).total.all_5m_usd
