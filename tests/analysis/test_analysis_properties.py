"""Invariants of the analyses on generated records (hypothesis)."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise
from typing import Any

from _analysis_records import MTOK, S_IN, S_OUT, it, rec, usage
from hypothesis import given, settings
from hypothesis import strategies as st

from tokentrail.analysis.cache import cache_report
from tokentrail.analysis.context import record_context, session_context

KINDS = ["message", "compaction", "advisor_message", "fallback_message"]
counts = st.integers(min_value=0, max_value=300_000)


@st.composite
def iteration(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(KINDS))
    model = "claude-opus-4-8" if kind in ("advisor_message", "fallback_message") else None
    return it(
        kind,
        draw(counts),
        draw(st.integers(0, 50_000)),
        read=draw(counts),
        w5=draw(st.integers(0, 100_000)),
        w1=draw(st.integers(0, 100_000)),
        model=model,
    )


@st.composite
def usage_dict(draw: st.DrawFn) -> dict[str, Any]:
    its = draw(st.one_of(st.none(), st.lists(iteration(), min_size=1, max_size=6)))
    return usage(
        draw(counts),
        draw(st.integers(0, 50_000)),
        read=draw(counts),
        w5=draw(st.integers(0, 50_000)),
        w1=draw(st.integers(0, 50_000)),
        iterations=its,
    )


@st.composite
def session(draw: st.DrawFn) -> list[Any]:
    gaps = draw(st.lists(st.integers(0, 5000), min_size=1, max_size=8))
    out, t = [], 0
    for g in gaps:
        t += g
        out.append(rec(draw(usage_dict()), at=t))
    return out


@settings(max_examples=60, deadline=None)
@given(usage_dict())
def test_context_is_non_negative_and_the_sum_of_its_parts(u: dict[str, Any]) -> None:
    rc = record_context(rec(u))
    source = u.get("iterations") or [u]
    assert len(rc.steps) == len(source)
    for step, raw in zip(rc.steps, source, strict=True):
        parts = raw["input_tokens"] + raw["cache_creation_input_tokens"]
        parts += raw["cache_read_input_tokens"]
        assert step.context_tokens == parts >= 0
        assert step.context_tokens == (
            step.input_tokens + step.cache_write_tokens + step.cache_read_tokens
        )
    conv = [s for s in rc.steps if s.conversation]
    assert rc.final_window == (conv[-1].context_tokens if conv else None)
    assert rc.peak >= (rc.final_window or 0) >= 0
    # a compaction's "before" is the last conversation call ahead of it, never its own counts
    for c in rc.compactions:
        earlier = [s.context_tokens for s in rc.steps[: c.index] if s.conversation]
        assert c.context_before == (earlier[-1] if earlier else None)
        if c.context_before is None or c.context_after is None:
            assert c.removed is None
        else:
            assert c.removed == max(0, c.context_before - c.context_after) >= 0


@settings(max_examples=40, deadline=None)
@given(session())
def test_session_curve_follows_the_requests(recs: list[Any]) -> None:
    sc = session_context(recs)
    assert all(p.context_tokens >= 0 for p in sc.curve)
    ctx = [p.context_tokens for p in sc.curve]
    assert [p.growth for p in sc.curve][1:] == [b - a for a, b in pairwise(ctx)]
    if sc.curve:
        assert sc.peak is not None
        assert sc.peak.context_tokens == max(ctx)


@settings(max_examples=40, deadline=None)
@given(session())
def test_savings_is_counterfactual_minus_actual(recs: list[Any]) -> None:
    t = cache_report(recs).total
    assert t.savings_usd == t.no_cache_usd - t.actual_usd
    # independent oracle: on this day claude-sonnet-4-6 and claude-opus-4-8 have no tiers, so
    # no caching = every prompt token at the input rate, output at the output rate
    rates = {None: (S_IN, S_OUT), "claude-opus-4-8": (Decimal(5), Decimal(25))}
    expected = Decimal(0)
    for r in recs:
        u = r.usage
        its = u.iterations or []
        calls = [(getattr(i, "model", None), i) for i in its] if its else [(None, u)]
        for model, c in calls:
            rin, rout = rates[model]
            prompt = c.input_tokens + c.cache_creation_input_tokens + c.cache_read_input_tokens
            expected += Decimal(prompt) * rin / MTOK + Decimal(c.output_tokens) * rout / MTOK
    assert t.no_cache_usd == expected
    h = t.hit_ratio
    assert h is None or 0.0 <= h <= 1.0  # float ok
    assert t.unread_5m_tokens <= t.cache_write_5m_tokens
    assert t.unread_1h_tokens <= t.cache_write_1h_tokens
