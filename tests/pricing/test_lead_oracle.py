"""An independent oracle for the pricing engine, written by hand from the published prices.

Every expected amount is a formula over the rates (USD per MTok) published on
https://platform.claude.com/docs/en/about-claude/pricing (as collected in
tests/data/pricing/claude_pricing.json), typed in by a person: nothing here is
computed by tokentrail. Amounts must match with Decimal equality (no rounding).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest

import tokentrail
from tokentrail.errors import UnknownModelError

M = 10**6


def u(
    inp: int,
    out: int,
    *,
    w5: int | None = None,
    w1: int | None = None,
    flat_writes: int | None = None,
    reads: int = 0,
    **extra: Any,
) -> dict[str, Any]:
    """A usage dict; w5/w1 give the TTL split, flat_writes a write total without split."""
    d: dict[str, Any] = {"input_tokens": inp, "output_tokens": out}
    d["cache_read_input_tokens"] = reads
    if flat_writes is not None:
        d["cache_creation_input_tokens"] = flat_writes
    else:
        a, b = w5 or 0, w1 or 0
        d["cache_creation_input_tokens"] = a + b
        d["cache_creation"] = {"ephemeral_5m_input_tokens": a, "ephemeral_1h_input_tokens": b}
    d.update(extra)
    return d


def codes(bd: Any) -> set[str]:
    return {getattr(f, "code", f) for f in bd.flags}


CASES: list[tuple[str, str, date, dict[str, Any], D, set[str]]] = [
    (
        "sonnet-4.5 standard, all five components",
        "claude-sonnet-4-5-20250929",
        date(2025, 10, 15),
        u(1000, 500, w5=2000, w1=3000, reads=10000),
        (1000 * D("3") + 500 * D("15") + 2000 * D("3.75") + 3000 * D("6") + 10000 * D("0.30")) / M,
        set(),
    ),
    (
        "sonnet-4.5 prompt 200,001 > 200K: premium row for every token",
        "claude-sonnet-4-5",
        date(2026, 1, 10),
        u(150000, 1000, w5=30000, w1=20000, reads=1),
        (150000 * D("6") + 1000 * D("22.50") + 30000 * D("7.50") + 20000 * D("12") + 1 * D("0.60"))
        / M,
        set(),
    ),
    (
        "sonnet-4.5 prompt exactly 200,000: standard row",
        "claude-sonnet-4-5-20250929",
        date(2026, 1, 10),
        u(150000, 1000, w5=30000, w1=20000, reads=0),
        (150000 * D("3") + 1000 * D("15") + 30000 * D("3.75") + 20000 * D("6")) / M,
        set(),
    ),
    (
        "sonnet-4.5 premium on its last day 2026-04-30",
        "claude-sonnet-4-5-20250929",
        date(2026, 4, 30),
        u(250000, 100),
        (250000 * D("6") + 100 * D("22.50")) / M,
        set(),
    ),
    (
        "sonnet-4 premium before its window: standard + flag",
        "claude-sonnet-4-20250514",
        date(2025, 8, 11),
        u(250000, 100),
        (250000 * D("3") + 100 * D("15")) / M,
        {"prompt_exceeds_context_window"},
    ),
    (
        "sonnet-4 premium on its first day 2025-08-12",
        "claude-sonnet-4-20250514",
        date(2025, 8, 12),
        u(250000, 100),
        (250000 * D("6") + 100 * D("22.50")) / M,
        set(),
    ),
    (
        "opus-4.6 legacy premium on 2026-03-12",
        "claude-opus-4-6",
        date(2026, 3, 12),
        u(300000, 2000, reads=5000),
        (300000 * D("10") + 2000 * D("37.50") + 5000 * D("1")) / M,
        set(),
    ),
    (
        "opus-4.6 1M GA at standard price from 2026-03-13",
        "claude-opus-4-6",
        date(2026, 3, 13),
        u(300000, 2000, reads=5000),
        (300000 * D("5") + 2000 * D("25") + 5000 * D("0.50")) / M,
        set(),
    ),
    (
        "haiku-5.5 prompt 100,000: low row",
        "claude-haiku-5-5",
        date(2026, 10, 20),
        u(100000, 2000),
        (100000 * D("0.10") + 2000 * D("0.50")) / M,
        set(),
    ),
    (
        "haiku-5.5 prompt 100,001 (via a cache read): high row incl. output",
        "claude-haiku-5-5",
        date(2026, 10, 20),
        u(100000, 2000, reads=1),
        (100000 * D("0.50") + 2000 * D("2.50") + 1 * D("0.05")) / M,
        set(),
    ),
    (
        "opus-4.5 batch halves every token line",
        "claude-opus-4-5-20251101",
        date(2026, 1, 5),
        u(10000, 5000, w5=1000, reads=20000, service_tier="batch"),
        (10000 * D("5") + 5000 * D("25") + 1000 * D("6.25") + 20000 * D("0.50")) * D("0.5") / M,
        set(),
    ),
    (
        "opus-4.6 US inference x1.1",
        "claude-opus-4-6",
        date(2026, 4, 1),
        u(1000, 1000, inference_geo="us"),
        (1000 * D("5") + 1000 * D("25")) * D("1.1") / M,
        set(),
    ),
    (
        "opus-4.6 batch + US: 0.55 and flagged",
        "claude-opus-4-6",
        date(2026, 4, 1),
        u(1000, 1000, inference_geo="us", service_tier="batch"),
        (1000 * D("5") + 1000 * D("25")) * D("0.55") / M,
        {"combination_not_documented"},
    ),
    (
        "opus-4.5 US inference: not a residency model, x1.0 and flagged",
        "claude-opus-4-5",
        date(2026, 4, 1),
        u(1000, 1000, inference_geo="us"),
        (1000 * D("5") + 1000 * D("25")) / M,
        {"inference_geo_unsupported_model"},
    ),
    (
        "opus-4.6 fast <=200K at launch",
        "claude-opus-4-6",
        date(2026, 2, 18),
        u(1000, 1000, w1=1000, speed="fast"),
        (1000 * D("30") + 1000 * D("150") + 1000 * D("60")) / M,
        set(),
    ),
    (
        "opus-4.6 fast >200K early tier",
        "claude-opus-4-6",
        date(2026, 2, 10),
        u(250000, 1000, speed="fast"),
        (250000 * D("60") + 1000 * D("225")) / M,
        {"fast_launch_promo_unclear"},
    ),
    (
        "opus-4.6 fast flat from 2026-02-21",
        "claude-opus-4-6",
        date(2026, 3, 20),
        u(250000, 1000, speed="fast"),
        (250000 * D("30") + 1000 * D("150")) / M,
        set(),
    ),
    (
        "opus-4.8 fast is 2x",
        "claude-opus-4-8",
        date(2026, 6, 1),
        u(4000, 1000, reads=8000, speed="fast"),
        (4000 * D("10") + 1000 * D("50") + 8000 * D("1")) / M,
        set(),
    ),
    (
        "opus-4.6 fast after removal: last fast row, flagged",
        "claude-opus-4-6",
        date(2026, 7, 10),
        u(1000, 1000, speed="fast"),
        (1000 * D("30") + 1000 * D("150")) / M,
        {"fast_mode_after_removal"},
    ),
    (
        "web search fee, untouched by tokens",
        "claude-sonnet-4-5-20250929",
        date(2025, 11, 1),
        u(100, 100, server_tool_use={"web_search_requests": 3, "web_fetch_requests": 2}),
        (100 * D("3") + 100 * D("15")) / M + 3 * D("0.01"),
        set(),
    ),
    (
        "web search fee under batch stays $0.01",
        "claude-sonnet-4-5-20250929",
        date(2025, 11, 1),
        u(100, 100, service_tier="batch", server_tool_use={"web_search_requests": 3}),
        (100 * D("3") + 100 * D("15")) * D("0.5") / M + 3 * D("0.01"),
        {"combination_not_documented"},
    ),
    (
        "claude 3.5 haiku launch price",
        "claude-3-5-haiku-20241022",
        date(2024, 11, 6),
        u(1000, 1000),
        (1000 * D("1") + 1000 * D("5")) / M,
        set(),
    ),
    (
        "claude 3.5 haiku after the cut",
        "claude-3-5-haiku-latest",
        date(2024, 12, 10),
        u(1000, 1000, w5=1000, reads=1000),
        (1000 * D("0.80") + 1000 * D("4") + 1000 * D("1") + 1000 * D("0.08")) / M,
        set(),
    ),
    (
        "sonnet-5.5 cache read 0.20 on 2026-10-06",
        "claude-sonnet-5-5",
        date(2026, 10, 6),
        u(0, 0, reads=1000000),
        1000000 * D("0.20") / M,
        set(),
    ),
    (
        "sonnet-5.5 cache read 0.10 from 2026-10-08",
        "claude-sonnet-5-5",
        date(2026, 10, 8),
        u(0, 0, reads=1000000),
        1000000 * D("0.10") / M,
        set(),
    ),
    (
        "claude 3 opus 1h writes at 2x",
        "claude-3-opus-20240229",
        date(2025, 1, 1),
        u(10, 20, w1=1000),
        (10 * D("15") + 20 * D("75") + 1000 * D("30")) / M,
        set(),
    ),
    (
        "retired model: last rates, flagged",
        "claude-3-haiku-20240307",
        date(2026, 5, 1),
        u(1000, 1000, reads=1000),
        (1000 * D("0.25") + 1000 * D("1.25") + 1000 * D("0.03")) / M,
        {"model_retired"},
    ),
    (
        "priority tier at list price, flagged",
        "claude-opus-5",
        date(2026, 8, 1),
        u(1000, 1000, service_tier="priority"),
        (1000 * D("5") + 1000 * D("25")) / M,
        {"priority_tier_contract_price"},
    ),
    (
        "writes without a TTL split count as 5-minute, flagged",
        "claude-sonnet-4-5-20250929",
        date(2025, 12, 1),
        u(10, 10, flat_writes=1000),
        (10 * D("3") + 10 * D("15") + 1000 * D("3.75")) / M,
        {"cache_ttl_split_missing"},
    ),
    (
        "fable-5.1 cache read exception",
        "claude-fable-5-1",
        date(2026, 9, 15),
        u(1000, 1000, reads=4000, w1=100),
        (1000 * D("10") + 1000 * D("50") + 4000 * D("0.25") + 100 * D("20")) / M,
        set(),
    ),
    (
        "bedrock regional id",
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        date(2025, 10, 15),
        u(1000, 1000),
        (1000 * D("3") + 1000 * D("15")) / M,
        set(),
    ),
    (
        "vertex id",
        "claude-sonnet-4-5@20250929",
        date(2025, 10, 15),
        u(1000, 1000),
        (1000 * D("3") + 1000 * D("15")) / M,
        set(),
    ),
    (
        "claude code [1m] suffix",
        "claude-opus-4-6[1m]",
        date(2026, 4, 1),
        u(1000, 1000),
        (1000 * D("5") + 1000 * D("25")) / M,
        set(),
    ),
]


@pytest.mark.parametrize(
    ("name", "model", "at", "usage", "expected", "must_flag"), CASES, ids=[c[0] for c in CASES]
)
def test_hand_computed(
    name: str, model: str, at: date, usage: dict[str, Any], expected: D, must_flag: set[str]
) -> None:
    bd = tokentrail.price(usage, model=model, at=at)
    assert bd.total == expected, bd.explain()
    assert must_flag <= codes(bd), (codes(bd), bd.explain())


def test_iterations_priced_one_by_one_including_compaction() -> None:
    usage = {
        "input_tokens": 6000,
        "output_tokens": 600,
        "cache_read_input_tokens": 10000,
        "cache_creation_input_tokens": 0,
        "iterations": [
            {
                "type": "message",
                "input_tokens": 1000,
                "output_tokens": 200,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            },
            {
                "type": "compaction",
                "input_tokens": 180000,
                "output_tokens": 3000,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            },
            {
                "type": "message",
                "input_tokens": 5000,
                "output_tokens": 400,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 10000,
            },
        ],
    }
    bd = tokentrail.price(usage, model="claude-opus-4-6", at=date(2026, 4, 1))
    expected = (
        1000 * D("5")
        + 200 * D("25")
        + 180000 * D("5")
        + 3000 * D("25")
        + 5000 * D("5")
        + 10000 * D("0.50")
        + 400 * D("25")
    ) / M
    assert bd.total == expected, bd.explain()


def test_advisor_iteration_priced_under_its_own_model() -> None:
    usage = {
        "input_tokens": 3000,
        "output_tokens": 300,
        "iterations": [
            {
                "type": "message",
                "input_tokens": 1000,
                "output_tokens": 100,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            },
            {
                "type": "advisor_message",
                "model": "claude-opus-5-5",
                "input_tokens": 2000,
                "output_tokens": 200,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            },
        ],
    }
    bd = tokentrail.price(usage, model="claude-sonnet-5-5", at=date(2026, 10, 20))
    expected = (1000 * D("2") + 100 * D("10") + 2000 * D("4") + 200 * D("20")) / M
    assert bd.total == expected, bd.explain()


def test_unknown_model_names_close_ids() -> None:
    with pytest.raises(UnknownModelError) as err:
        tokentrail.price(u(1, 1), model="claude-sonet-4-5", at=date(2026, 1, 1))
    assert err.value.suggestions
    assert any("sonnet-4-5" in s for s in err.value.suggestions)


def test_unpriced_fast_mode_is_a_lower_bound_not_zero() -> None:
    usage = u(1000, 1000, speed="fast")
    bd = tokentrail.price(usage, model="claude-fable-5-2", at=date(2026, 11, 20))
    assert bd.total == (1000 * D("8") + 1000 * D("40")) / M
    assert not bd.complete
    assert "unpriced_fast_mode" in codes(bd)


def test_money_is_decimal_everywhere() -> None:
    bd = tokentrail.price(u(7, 11, w5=13, w1=17, reads=19), model="claude-opus-5-5", at=None)
    assert isinstance(bd.total, D)
    for line in bd.lines:
        assert isinstance(line.usd, D)
