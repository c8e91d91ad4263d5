"""Context of one request: hand-built iterations with hand-computed figures."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from _analysis_records import MTOK, S_IN, S_OUT, it, rec, usage

from tokentrail.analysis.context import record_context

OPUS = "claude-opus-4-8"


def _four_kinds() -> dict[str, object]:
    return usage(
        9000,
        700,
        iterations=[
            it("message", 5000, 800, read=150000, w5=1000),  # ctx 156,000
            it("message", 50000, 500, read=151000, w1=2000),  # ctx 203,000: crosses 200k
            it("advisor_message", 30000, 400, model=OPUS),  # advisor prompt, off the track
            it("compaction", 210000, 3000),  # closes a 210,000-token context
            it("message", 4000, 600, w5=3000),  # ctx 7,000 after the compaction
            it("fallback_message", 9000, 700, model=OPUS),  # ctx 9,000: the final window
        ],
    )


def test_iterations_of_every_kind() -> None:
    rc = record_context(rec(_four_kinds()))
    ctx = [s.context_tokens for s in rc.steps]
    assert ctx == [156000, 203000, 30000, 210000, 7000, 9000]
    assert [s.kind for s in rc.steps] == [
        "message",
        "message",
        "advisor_message",
        "compaction",
        "message",
        "fallback_message",
    ]
    assert [s.conversation for s in rc.steps] == [True, True, False, False, True, True]
    assert [s.growth for s in rc.steps] == [None, 47000, None, None, 7000 - 203000, 2000]
    assert [s.after_compaction for s in rc.steps] == [False] * 4 + [True, False]
    # the advisor and fallback steps ran on their own model
    assert rc.steps[2].model == OPUS
    assert rc.steps[5].model == OPUS
    assert rc.final_window == 9000
    assert rc.window == 1_000_000
    assert rc.headroom == 1_000_000 - 9000
    assert rc.peak == 203000
    # tool-loop growth: +47,000 (iteration 1) and +2,000 (iteration 5); the compaction drop
    # is not growth
    assert rc.loop_growth == 47000 + 2000
    # 200k crossed once on the track; the compaction step is above 200k but not a crossing
    assert [(c.threshold, c.index, c.from_tokens, c.to_tokens) for c in rc.crossings] == [
        ("200k", 1, 156000, 203000)
    ]
    assert rc.steps[3].above == ("200k",)
    assert rc.steps[1].above == ("200k",)
    assert rc.steps[1].headroom == 1_000_000 - 203000
    # compaction: before = its own prompt, after = next message's context
    (comp,) = rc.compactions
    assert comp.index == 3
    assert comp.context_before == 210000
    assert comp.context_after == 7000
    assert comp.removed == 203000
    assert comp.cost_usd == Decimal(210000) * S_IN / MTOK + Decimal(3000) * S_OUT / MTOK
    assert rc.notes == ()


def test_price_tier_threshold_on_a_legacy_long_context_day() -> None:
    # 2026-03-01: claude-sonnet-4-6 still had the >200K legacy premium ($6 in / $22.50 out)
    rc = record_context(rec(_four_kinds(), start=datetime(2026, 3, 1, tzinfo=timezone.utc)))
    names = {t.name: t.tokens for t in rc.thresholds}
    assert names == {"200k": 200000, "context_window": 1_000_000, "price_tier": 200000}
    assert [c.threshold for c in rc.crossings] == ["200k", "price_tier"]
    (comp,) = rc.compactions
    assert (
        comp.cost_usd
        == Decimal(210000) * Decimal(6) / MTOK + Decimal(3000) * Decimal("22.50") / MTOK
    )


def test_haiku_prompt_tier_and_small_window() -> None:
    # claude-haiku-5-5: price tier above 100,000 prompt tokens
    u = usage(
        0,
        0,
        iterations=[it("message", 90000, 10), it("message", 1000, 10, read=100001)],
    )
    rc = record_context(rec(u, model="claude-haiku-5-5"))
    assert [(c.threshold, c.tokens) for c in rc.crossings] == [("price_tier", 100000)]
    assert rc.final_window == 101001
    assert rc.loop_growth == 101001 - 90000

    # claude-sonnet-4-5 (200,000 window): over the window gives negative headroom
    big = usage(201000, 10)
    rc = record_context(rec(big, model="claude-sonnet-4-5"))
    assert rc.window == 200000
    assert rc.headroom == -1000
    assert {c.threshold for c in rc.crossings} >= {"200k", "context_window"}


def test_without_iterations_is_one_request_step() -> None:
    rc = record_context(rec(usage(12, 300, read=4000, w5=96)))
    (step,) = rc.steps
    assert step.kind == "request"
    assert step.index is None
    assert step.context_tokens == 12 + 96 + 4000
    assert rc.final_window == 4108
    assert rc.loop_growth == 0
    assert rc.compactions == ()


def test_compaction_only_and_unknown_model() -> None:
    u = usage(0, 0, iterations=[it("compaction", 180000, 3500)])
    rc = record_context(rec(u, model="claude-nonexistent-9"))
    assert rc.final_window is None
    assert rc.window is None
    assert rc.headroom is None
    (comp,) = rc.compactions
    assert comp.context_before == 180000
    assert comp.context_after is None
    assert comp.removed is None
    assert comp.cost_usd is None
    assert any("final window unknown" in n for n in rc.notes)
    assert any("not in the catalog" in n for n in rc.notes)


def test_to_dict_money_as_strings() -> None:
    d = record_context(rec(_four_kinds())).to_dict()
    assert d["compactions"][0]["cost_usd"] == "0.675"
    assert d["final_window"] == 9000
    assert d["steps"][5]["kind"] == "fallback_message"
