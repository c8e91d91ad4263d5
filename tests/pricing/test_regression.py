"""Regression table: expected USD written as hand formulas from the facts file's rates.

Never computed by the library: every expectation is ``usd(tokens, "rate")`` terms (see
``pricing_oracle``), multiplied by hand for batch (0.5), US inference (1.1) or both (0.55).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pricing_oracle import STANDARD, D, usd

from tokentrail.pricing import packaged_catalog, price

CAT = packaged_catalog()


def u(
    i: int = 0,
    w5: int = 0,
    w1: int = 0,
    r: int = 0,
    o: int = 0,
    *,
    split: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """A usage dict: i uncached input, w5/w1 cache writes, r cache reads, o output (tokens)."""
    d: dict[str, Any] = {
        "input_tokens": i,
        "output_tokens": o,
        "cache_creation_input_tokens": w5 + w1,
        "cache_read_input_tokens": r,
    }
    if split:
        d["cache_creation"] = {"ephemeral_5m_input_tokens": w5, "ephemeral_1h_input_tokens": w1}
    d.update(extra)
    return d


def it(kind: str, i: int = 0, w5: int = 0, w1: int = 0, r: int = 0, o: int = 0, **kw: Any) -> dict:
    d = u(i, w5, w1, r, o)
    d["type"] = kind
    d.update(kw)
    return d


@dataclass
class Case:
    id: str
    model: str
    at: str
    usage: dict[str, Any]
    expected: Decimal
    flags: set[str] = field(default_factory=set)
    complete: bool = True
    no_flags: set[str] = field(default_factory=set)
    kwargs: dict[str, Any] = field(default_factory=dict)


P = {"i": 1000, "w5": 200, "w1": 100, "r": 5000, "o": 300}  # per-model case profile


def _standard_cases() -> list[Case]:
    out = []
    for model, (day, (ri, r5, r1, rr, ro)) in STANDARD.items():
        terms = [(P["i"], ri), (P["w5"], r5), (P["w1"], r1), (P["r"], rr), (P["o"], ro)]
        expected = sum((usd(n, rate) for n, rate in terms if rate is not None), D(0))
        complete = all(rate is not None for _, rate in terms)
        out.append(
            Case(
                f"standard-{model}",
                model,
                day,
                u(**P),
                expected,
                set() if complete else {"component_unpriced"},
                complete,
            )
        )
    return out


CASES: list[Case] = [
    *_standard_cases(),
    # --- long_context_legacy: strict > 200,000, dated windows --------------------------------
    Case(
        "sonnet45-exactly-200k",
        "claude-sonnet-4-5-20250929",
        "2025-10-01",
        u(i=150_000, r=50_000, o=1000),
        usd(150_000, "3") + usd(50_000, "0.30") + usd(1000, "15"),
        no_flags={"prompt_exceeds_context_window"},
    ),
    Case(
        "sonnet45-200001",
        "claude-sonnet-4-5-20250929",
        "2025-10-01",
        u(i=150_001, r=50_000, o=1000),
        usd(150_001, "6") + usd(50_000, "0.60") + usd(1000, "22.50"),
    ),
    Case(
        "sonnet45-200001-writes-count",
        "claude-sonnet-4-5-20250929",
        "2025-10-01",
        u(i=100_000, w5=50_000, w1=1, r=50_000, o=10),
        usd(100_000, "6")
        + usd(50_000, "7.50")
        + usd(1, "12")
        + usd(50_000, "0.60")
        + usd(10, "22.50"),
    ),
    Case(
        "sonnet45-lc-last-day",
        "claude-sonnet-4-5-20250929",
        "2026-04-30",
        u(i=300_000, o=100),
        usd(300_000, "6") + usd(100, "22.50"),
    ),
    Case(
        "sonnet45-lc-after-end",
        "claude-sonnet-4-5-20250929",
        "2026-05-01",
        u(i=300_000, o=100),
        usd(300_000, "3") + usd(100, "15"),
        {"prompt_exceeds_context_window"},
    ),
    Case(
        "sonnet4-lc-first-day",
        "claude-sonnet-4-20250514",
        "2025-08-12",
        u(i=250_000, o=100),
        usd(250_000, "6") + usd(100, "22.50"),
    ),
    Case(
        "sonnet4-lc-day-before",
        "claude-sonnet-4-20250514",
        "2025-08-11",
        u(i=250_000, o=100),
        usd(250_000, "3") + usd(100, "15"),
        {"prompt_exceeds_context_window"},
    ),
    Case(
        "opus46-lc-last-day",
        "claude-opus-4-6",
        "2026-03-12",
        u(i=200_001, w1=10, r=5, o=100),
        usd(200_001, "10") + usd(10, "20") + usd(5, "1") + usd(100, "37.50"),
    ),
    Case(
        "opus46-lc-ended-ga",
        "claude-opus-4-6",
        "2026-03-13",
        u(i=200_001, o=100),
        usd(200_001, "5") + usd(100, "25"),
        no_flags={"prompt_exceeds_context_window"},
    ),
    Case(
        "sonnet46-lc",
        "claude-sonnet-4-6",
        "2026-02-17",
        u(i=500_000, w5=1000, o=100),
        usd(500_000, "6") + usd(1000, "7.50") + usd(100, "22.50"),
    ),
    Case(
        "opus45-no-lc-ever",
        "claude-opus-4-5-20251101",
        "2026-01-01",
        u(i=250_000, o=100),
        usd(250_000, "5") + usd(100, "25"),
        {"prompt_exceeds_context_window"},
    ),
    # --- price history -----------------------------------------------------------------------
    Case(
        "haiku35-launch-price",
        "claude-3-5-haiku-20241022",
        "2024-11-04",
        u(**P),
        usd(1000, "1") + usd(200, "1.25") + usd(100, "2") + usd(5000, "0.10") + usd(300, "5"),
        {"price_secondary_source"},
        no_flags={"price_change_date_uncertain"},
    ),
    Case(
        "haiku35-day-before-cut",
        "claude-3-5-haiku-20241022",
        "2024-12-03",
        u(i=1000, o=1000),
        usd(1000, "1") + usd(1000, "5"),
        {"price_change_date_uncertain"},
    ),
    Case(
        "haiku35-cut-day",
        "claude-3-5-haiku-20241022",
        "2024-12-04",
        u(i=1000, o=1000),
        usd(1000, "0.80") + usd(1000, "4"),
        {"price_change_date_uncertain"},
    ),
    Case(
        "haiku35-after-uncertain-span",
        "claude-3-5-haiku-20241022",
        "2024-12-05",
        u(i=1000, o=1000),
        usd(1000, "0.80") + usd(1000, "4"),
        no_flags={"price_change_date_uncertain"},
    ),
    Case(
        "sonnet55-launch-cache-read",
        "claude-sonnet-5-5",
        "2026-10-06",
        u(i=10, r=1_000_000, o=10),
        usd(10, "2") + usd(1_000_000, "0.20") + usd(10, "10"),
        no_flags={"price_change_day"},
    ),
    Case(
        "sonnet55-cut-day",
        "claude-sonnet-5-5",
        "2026-10-07",
        u(i=10, r=1_000_000, o=10),
        usd(10, "2") + usd(1_000_000, "0.10") + usd(10, "10"),
        {"price_change_day"},
    ),
    Case(
        "sonnet55-cut-day-no-reads",
        "claude-sonnet-5-5",
        "2026-10-07",
        u(i=10, o=10),
        usd(10, "2") + usd(10, "10"),
        no_flags={"price_change_day"},
    ),
    Case(
        "sonnet5-cancelled-rise",
        "claude-sonnet-5",
        "2026-09-15",
        u(i=1000, o=1000),
        usd(1000, "2") + usd(1000, "10"),
    ),
    # --- batch, data residency ---------------------------------------------------------------
    Case(
        "opus45-batch",
        "claude-opus-4-5-20251101",
        "2026-01-10",
        u(**P, service_tier="batch"),
        (usd(1000, "5") + usd(200, "6.25") + usd(100, "10") + usd(5000, "0.50") + usd(300, "25"))
        * D("0.5"),
    ),
    Case(
        "sonnet45-batch-lc",
        "claude-sonnet-4-5-20250929",
        "2025-11-01",
        u(i=300_000, o=1000, service_tier="batch"),
        (usd(300_000, "6") + usd(1000, "22.50")) * D("0.5"),
    ),
    Case(
        "opus46-geo-us",
        "claude-opus-4-6",
        "2026-04-01",
        u(**P, inference_geo="us"),
        (usd(1000, "5") + usd(200, "6.25") + usd(100, "10") + usd(5000, "0.50") + usd(300, "25"))
        * D("1.1"),
    ),
    Case(
        "opus46-geo-global",
        "claude-opus-4-6",
        "2026-04-01",
        u(i=1000, o=100, inference_geo="global"),
        usd(1000, "5") + usd(100, "25"),
    ),
    Case(
        "sonnet45-geo-unsupported",
        "claude-sonnet-4-5-20250929",
        "2026-03-01",
        u(i=1000, o=100, inference_geo="us"),
        usd(1000, "3") + usd(100, "15"),
        {"inference_geo_unsupported_model"},
    ),
    Case(
        "sonnet46-batch-geo",
        "claude-sonnet-4-6",
        "2026-05-01",
        u(i=1000, w1=100, o=100, service_tier="batch", inference_geo="us"),
        (usd(1000, "3") + usd(100, "6") + usd(100, "15")) * D("0.55"),
        {"combination_not_documented"},
    ),
    Case(
        "opus46-lc-geo",
        "claude-opus-4-6",
        "2026-03-01",
        u(i=300_000, o=100, inference_geo="us"),
        (usd(300_000, "10") + usd(100, "37.50")) * D("1.1"),
    ),
    Case(
        "priority-list-price",
        "claude-opus-4-7",
        "2026-05-01",
        u(i=1000, o=100, service_tier="priority"),
        usd(1000, "5") + usd(100, "25"),
        {"priority_tier_contract_price"},
    ),
    # --- Haiku 5.5 prompt tier ---------------------------------------------------------------
    Case(
        "haiku55-100000-low",
        "claude-haiku-5-5",
        "2026-10-10",
        u(i=60_000, w5=20_000, w1=10_000, r=10_000, o=5000),
        usd(60_000, "0.10")
        + usd(20_000, "0.125")
        + usd(10_000, "0.20")
        + usd(10_000, "0.01")
        + usd(5000, "0.50"),
    ),
    Case(
        "haiku55-100001-high",
        "claude-haiku-5-5",
        "2026-10-10",
        u(i=60_001, w5=20_000, w1=10_000, r=10_000, o=5000),
        usd(60_001, "0.50")
        + usd(20_000, "0.625")
        + usd(10_000, "1")
        + usd(10_000, "0.05")
        + usd(5000, "2.50"),
    ),
    Case(
        "haiku55-high-batch-geo",
        "claude-haiku-5-5",
        "2026-10-10",
        u(i=200_000, o=10, service_tier="batch", inference_geo="us"),
        (usd(200_000, "0.50") + usd(10, "2.50")) * D("0.55"),
        {"combination_not_documented"},
    ),
    # --- fast mode ---------------------------------------------------------------------------
    Case(
        "opus46-fast-low",
        "claude-opus-4-6",
        "2026-02-10",
        u(i=1000, w5=100, r=1000, o=100, speed="fast"),
        usd(1000, "30") + usd(100, "37.50") + usd(1000, "3") + usd(100, "150"),
        {"fast_launch_promo_unclear"},
    ),
    Case(
        "opus46-fast-200000",
        "claude-opus-4-6",
        "2026-02-20",
        u(i=200_000, o=100, speed="fast"),
        usd(200_000, "30") + usd(100, "150"),
        no_flags={"fast_launch_promo_unclear", "fast_long_context_tier_date_uncertain"},
    ),
    Case(
        "opus46-fast-200001",
        "claude-opus-4-6",
        "2026-02-18",
        u(i=200_001, w1=10, r=10, o=100, speed="fast"),
        usd(200_001, "60") + usd(10, "120") + usd(10, "6") + usd(100, "225"),
        no_flags={"fast_launch_promo_unclear", "fast_long_context_tier_date_uncertain"},
    ),
    Case(
        "opus46-fast-tier-last-day",
        "claude-opus-4-6",
        "2026-02-20",
        u(i=300_000, o=100, speed="fast"),
        usd(300_000, "60") + usd(100, "225"),
        {"fast_long_context_tier_date_uncertain"},
    ),
    Case(
        "opus46-fast-flat-after-tier",
        "claude-opus-4-6",
        "2026-02-21",
        u(i=300_000, o=100, speed="fast"),
        usd(300_000, "30") + usd(100, "150"),
        {"fast_long_context_tier_date_uncertain"},
    ),
    Case(
        "opus46-fast-no-lc-premium",
        "claude-opus-4-6",
        "2026-03-01",
        u(i=300_000, o=100, speed="fast"),
        usd(300_000, "30") + usd(100, "150"),
        no_flags={"fast_long_context_tier_date_uncertain"},
    ),
    Case(
        "opus46-fast-last-day",
        "claude-opus-4-6",
        "2026-06-27",
        u(i=1000, o=100, speed="fast"),
        usd(1000, "30") + usd(100, "150"),
        no_flags={"fast_mode_after_removal"},
    ),
    Case(
        "opus46-fast-after-removal",
        "claude-opus-4-6",
        "2026-06-28",
        u(i=1000, o=100, speed="fast"),
        usd(1000, "30") + usd(100, "150"),
        {"fast_mode_after_removal"},
    ),
    Case(
        "opus46-fast-before-launch",
        "claude-opus-4-6",
        "2026-02-06",
        u(i=300_000, o=100, speed="fast"),
        usd(300_000, "60") + usd(100, "225"),
        {"fast_mode_after_removal"},
    ),
    Case(
        "opus47-fast",
        "claude-opus-4-7",
        "2026-05-01",
        u(i=1000, w1=100, r=100, o=100, speed="fast"),
        usd(1000, "30") + usd(100, "60") + usd(100, "3") + usd(100, "150"),
    ),
    Case(
        "opus47-fast-removed",
        "claude-opus-4-7",
        "2026-07-24",
        u(i=1000, o=100, speed="fast"),
        usd(1000, "30") + usd(100, "150"),
        {"fast_mode_after_removal"},
    ),
    Case(
        "opus48-fast-geo",
        "claude-opus-4-8",
        "2026-06-01",
        u(i=1000, w5=100, r=100, o=100, speed="fast", inference_geo="us"),
        (usd(1000, "10") + usd(100, "12.50") + usd(100, "1") + usd(100, "50")) * D("1.1"),
    ),
    Case(
        "opus5-fast",
        "claude-opus-5",
        "2026-08-01",
        u(i=1000, o=100, speed="fast"),
        usd(1000, "10") + usd(100, "50"),
    ),
    Case(
        "opus55-fast",
        "claude-opus-5-5",
        "2026-10-01",
        u(i=1000, w5=10, w1=10, r=1000, o=100, speed="fast"),
        usd(1000, "8") + usd(10, "10") + usd(10, "16") + usd(1000, "0.40") + usd(100, "40"),
    ),
    Case(
        "fable52-fast-unpriced",
        "claude-fable-5-2",
        "2026-11-20",
        u(i=1000, o=100, speed="fast"),
        usd(1000, "8") + usd(100, "40"),
        {"unpriced_fast_mode", "price_secondary_source"},
        complete=False,
    ),
    Case(
        "sonnet45-fast-no-row",
        "claude-sonnet-4-5-20250929",
        "2026-01-01",
        u(i=300_000, o=100, speed="fast"),
        usd(300_000, "3") + usd(100, "15"),
        {"unpriced_fast_mode"},
        complete=False,
    ),
    Case(
        "opus47-fast-batch",
        "claude-opus-4-7",
        "2026-05-01",
        u(i=1000, o=100, speed="fast", service_tier="batch"),
        (usd(1000, "30") + usd(100, "150")) * D("0.5"),
        {"combination_not_offered"},
    ),
    # --- fees --------------------------------------------------------------------------------
    Case(
        "web-search-fee",
        "claude-sonnet-4-5-20250929",
        "2025-11-01",
        u(i=1000, o=100, server_tool_use={"web_search_requests": 3, "web_fetch_requests": 2}),
        usd(1000, "3") + usd(100, "15") + 3 * D("0.01"),
    ),
    Case(
        "web-search-fee-batch-not-halved",
        "claude-sonnet-4-5-20250929",
        "2025-11-01",
        u(
            i=1000,
            o=100,
            service_tier="batch",
            server_tool_use={"web_search_requests": 3, "web_fetch_requests": 0},
        ),
        (usd(1000, "3") + usd(100, "15")) * D("0.5") + 3 * D("0.01"),
        {"combination_not_documented"},
    ),
    # --- iterations --------------------------------------------------------------------------
    Case(
        "iterations-compaction-advisor",
        "claude-opus-4-7",
        "2026-05-01",
        u(
            i=99,
            o=99,
            iterations=[
                it("message", i=1000, r=2000, o=100),
                it("compaction", i=50_000, o=3000),
                it("advisor_message", i=500, w1=100, o=50, model="claude-haiku-4-5"),
            ],
            server_tool_use={"web_search_requests": 2, "web_fetch_requests": 0},
        ),
        usd(1000, "5")
        + usd(2000, "0.50")
        + usd(100, "25")
        + usd(50_000, "5")
        + usd(3000, "25")
        + usd(500, "1")
        + usd(100, "2")
        + usd(50, "5")
        + 2 * D("0.01"),
    ),
    Case(
        "iterations-haiku55-tier-per-iteration",
        "claude-haiku-5-5",
        "2026-10-10",
        u(
            i=0,
            o=0,
            iterations=[
                it("message", i=90_000, o=100),
                it("message", i=90_000, o=100),
            ],
        ),
        2 * (usd(90_000, "0.10") + usd(100, "0.50")),
        {"tier_basis_ambiguous"},
    ),
    Case(
        "iterations-fallback-model-batch",
        "claude-fable-5-1",
        "2026-09-10",
        u(
            i=0,
            o=0,
            service_tier="batch",
            iterations=[
                it("message", i=1000, o=10),
                it("fallback_message", i=1000, o=10, model="claude-opus-5"),
            ],
        ),
        (usd(1000, "10") + usd(10, "50") + usd(1000, "5") + usd(10, "25")) * D("0.5"),
    ),
    Case(
        "iterations-unknown-kind",
        "claude-opus-5",
        "2026-08-01",
        u(i=0, o=0, iterations=[it("future_kind", i=1000, o=10)]),
        usd(1000, "5") + usd(10, "25"),
        {"unknown_iteration_type"},
    ),
    # --- lifecycle and oddities --------------------------------------------------------------
    Case(
        "retired-opus3",
        "claude-3-opus-20240229",
        "2026-02-01",
        u(i=1000, o=100),
        usd(1000, "15") + usd(100, "75"),
        {"model_retired"},
    ),
    Case(
        "retired-day-before",
        "claude-3-opus-20240229",
        "2026-01-04",
        u(i=1000, o=100),
        usd(1000, "15") + usd(100, "75"),
        no_flags={"model_retired"},
    ),
    Case(
        "before-release",
        "claude-opus-5",
        "2026-07-01",
        u(i=1000, o=100),
        usd(1000, "5") + usd(100, "25"),
        {"record_before_release"},
    ),
    Case("synthetic", "<synthetic>", "2026-01-01", u(i=0, o=0), D(0), {"synthetic_model"}),
    Case(
        "split-missing-flagged",
        "claude-sonnet-4-20250514",
        "2025-06-01",
        u(i=10, w5=1000, o=10, split=False),
        usd(10, "3") + usd(1000, "3.75") + usd(10, "15"),
        {"cache_ttl_split_missing"},
    ),
    Case(
        "split-missing-before-1h",
        "claude-sonnet-4-20250514",
        "2025-05-31",
        u(i=10, w5=1000, o=10, split=False),
        usd(10, "3") + usd(1000, "3.75") + usd(10, "15"),
        no_flags={"cache_ttl_split_missing"},
    ),
    Case(
        "sonnet3-cache-unpriced",
        "claude-3-sonnet-20240229",
        "2024-06-01",
        u(i=1000, r=500, o=100),
        usd(1000, "3") + usd(100, "15"),
        {"component_unpriced", "price_secondary_source"},
        complete=False,
    ),
    Case(
        "refusal",
        "claude-fable-5-1",
        "2026-09-10",
        u(i=1000, o=10),
        usd(1000, "10") + usd(10, "50"),
        {"refusal"},
        kwargs={"stop_reason": "refusal"},
    ),
    Case(
        "code-execution",
        "claude-opus-5",
        "2026-08-01",
        u(i=1000, o=10),
        usd(1000, "5") + usd(10, "25"),
        {"not_derivable_from_usage"},
        kwargs={"code_execution": True},
    ),
    Case(
        "batch-after-price-change",
        "claude-sonnet-4-5-20250929",
        "2026-05-01",
        u(i=1000, o=10, service_tier="batch"),
        (usd(1000, "3") + usd(10, "15")) * D("0.5"),
        {"price_change_during_batch"},
    ),
    Case(
        "batch-far-from-change",
        "claude-sonnet-4-5-20250929",
        "2026-05-03",
        u(i=1000, o=10, service_tier="batch"),
        (usd(1000, "3") + usd(10, "15")) * D("0.5"),
        no_flags={"price_change_during_batch"},
    ),
    Case(
        "fable52-secondary",
        "claude-fable-5-2",
        "2026-11-20",
        u(i=1000, o=10),
        usd(1000, "8") + usd(10, "40"),
        {"price_secondary_source"},
    ),
    # --- id forms ----------------------------------------------------------------------------
    Case(
        "bedrock-v2",
        "anthropic.claude-3-5-sonnet-20241022-v2:0",
        "2025-01-01",
        u(i=1000, o=100),
        usd(1000, "3") + usd(100, "15"),
    ),
    Case(
        "bedrock-regional-arn",
        "arn:aws:bedrock:us-east-1:111122223333:inference-profile/"
        "us.anthropic.claude-opus-4-1-20250805-v1:0",
        "2025-09-01",
        u(i=1000, o=100),
        usd(1000, "15") + usd(100, "75"),
    ),
    Case(
        "bedrock-global",
        "global.anthropic.claude-haiku-4-5-20251001-v1:0",
        "2025-11-01",
        u(i=1000, o=100),
        usd(1000, "1") + usd(100, "5"),
    ),
    Case(
        "vertex-v2",
        "claude-3-5-sonnet-v2@20241022",
        "2025-01-01",
        u(i=1000, o=100),
        usd(1000, "3") + usd(100, "15"),
    ),
    Case(
        "vertex-dated",
        "claude-opus-4-1@20250805",
        "2025-09-01",
        u(i=1000, o=100),
        usd(1000, "15") + usd(100, "75"),
    ),
    Case(
        "vertex-default",
        "claude-opus-4-6@default",
        "2026-04-01",
        u(i=1000, o=100),
        usd(1000, "5") + usd(100, "25"),
    ),
    Case(
        "claude-code-1m",
        "claude-sonnet-4-5-20250929[1m]",
        "2025-10-01",
        u(i=250_000, o=100),
        usd(250_000, "6") + usd(100, "22.50"),
    ),
    Case(
        "alias-undated",
        "claude-haiku-4-5",
        "2025-11-01",
        u(i=1000, o=100),
        usd(1000, "1") + usd(100, "5"),
    ),
    Case(
        "case-space",
        "  CLAUDE-Opus-4-7  ",
        "2026-05-01",
        u(i=1000, o=100),
        usd(1000, "5") + usd(100, "25"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_regression(case: Case) -> None:
    b = price(
        case.usage, model=case.model, at=date.fromisoformat(case.at), catalog=CAT, **case.kwargs
    )
    assert b.total == case.expected, b.explain()
    codes = set(b.flag_codes)
    assert case.flags <= codes, (case.flags - codes, b.explain())
    assert not (case.no_flags & codes), b.explain()
    assert b.complete is case.complete


def test_every_model_has_a_case() -> None:
    covered = {c.model for c in CASES if c.id.startswith("standard-")}
    assert covered == set(CAT.models)
