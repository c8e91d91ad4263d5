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
            it("compaction", 210000, 3000),  # the summarising call's own usage
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
    # compaction: before = the previous conversation call (iteration 1; the advisor step in
    # between is off the track), after = the next message's context; its own counts only
    # price it
    (comp,) = rc.compactions
    assert comp.index == 3
    assert comp.call_tokens == 210000
    assert comp.context_before == 203000
    assert comp.context_after == 7000
    assert comp.removed == 203000 - 7000
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
    # no conversation call before it in one record: the closed context is unknown (its own
    # 180,000 input is the summarising call, not the context size)
    assert comp.context_before is None
    assert comp.call_tokens == 180000
    assert comp.context_after is None
    assert comp.removed is None
    assert comp.cost_usd is None
    assert any("context before unknown" in n for n in rc.notes)
    assert any("final window unknown" in n for n in rc.notes)
    assert any("not in the catalog" in n for n in rc.notes)


def test_to_dict_money_as_strings() -> None:
    d = record_context(rec(_four_kinds())).to_dict()
    assert d["compactions"][0]["cost_usd"] == "0.675"
    assert d["final_window"] == 9000
    assert d["steps"][5]["kind"] == "fallback_message"


def test_compaction_before_is_the_previous_conversation_call() -> None:
    # SDK: a compaction entry reports the summarising call (3,500 in / 2,500 out here), not the
    # ~200k context it closed
    u = usage(
        5200,
        812,
        w5=4100,
        iterations=[
            it("message", 3000, 600, read=180000, w5=2000),  # 185,000
            it("message", 6000, 450, read=185000, w5=12000),  # 203,000
            it("compaction", 3500, 2500),
            it("message", 5200, 812, w5=4100),  # 9,300
        ],
    )
    rc = record_context(rec(u))
    (comp,) = rc.compactions
    assert comp.context_before == 6000 + 12000 + 185000
    assert comp.context_after == 5200 + 4100
    assert comp.removed == (6000 + 12000 + 185000) - (5200 + 4100)
    assert comp.cost_usd == Decimal(3500) * S_IN / MTOK + Decimal(2500) * S_OUT / MTOK
    assert rc.steps[3].after_compaction
    assert rc.steps[3].growth == (5200 + 4100) - (6000 + 12000 + 185000)
    assert rc.loop_growth == (6000 + 12000 + 185000) - (3000 + 2000 + 180000)
    assert rc.to_dict()["compactions"][0]["removed"] == 193700


def test_compaction_never_removes_a_negative_amount() -> None:
    # the call after the compaction is larger than the one before it: removed clamps to 0
    u = usage(
        0,
        0,
        iterations=[
            it("message", 5000, 10),
            it("compaction", 900, 100),
            it("message", 8000, 10),
        ],
    )
    (comp,) = record_context(rec(u)).compactions
    assert (comp.context_before, comp.context_after) == (5000, 8000)
    assert comp.removed == 0


def test_sonnet_4_5_had_a_1m_window_while_the_legacy_beta_ran() -> None:
    big = usage(5000, 100, read=250000)
    # 2026-01-10: the 1M beta (and its >200K premium row) was in force for claude-sonnet-4-5
    rc = record_context(
        rec(big, model="claude-sonnet-4-5", start=datetime(2026, 1, 10, tzinfo=timezone.utc))
    )
    assert rc.window == 1_000_000
    assert rc.headroom == 1_000_000 - (5000 + 250000)
    assert {t.name: t.tokens for t in rc.thresholds} == {
        "200k": 200000,
        "context_window": 1_000_000,
        "price_tier": 200000,
    }
    assert [c.threshold for c in rc.crossings] == ["200k", "price_tier"]
    # 2026-05-01: the beta was retired on 2026-04-30, the catalog's 200,000 window applies
    rc = record_context(
        rec(big, model="claude-sonnet-4-5", start=datetime(2026, 5, 1, tzinfo=timezone.utc))
    )
    assert rc.window == 200000
    assert rc.headroom == 200000 - (5000 + 250000)


def test_a_fallback_onto_a_smaller_window_already_above_it_is_a_crossing() -> None:
    u = usage(
        0,
        0,
        iterations=[
            it("message", 10000, 10, read=240000),  # 250,000 on claude-sonnet-4-6 (1M)
            # served by claude-sonnet-4-5 (200,000 window on this day): already over it
            it("fallback_message", 11000, 10, read=240000, model="claude-sonnet-4-5"),
        ],
    )
    rc = record_context(rec(u))
    assert [(c.threshold, c.tokens, c.index, c.from_tokens, c.to_tokens) for c in rc.crossings] == [
        ("200k", 200000, 0, None, 250000),
        ("context_window", 200000, 1, 250000, 251000),
    ]
    assert rc.headroom == 1_000_000 - 251000  # the request's own model's window
    assert rc.steps[1].headroom == 200000 - 251000
