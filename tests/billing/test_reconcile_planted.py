"""Random months with planted differences, several per day on different models: reconcile
finds exactly the planted ones (kind and token type), and their dollars match formulas on
the published rates written here (USD per MTok), not computed by the code under test."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal as D
from typing import Any

import pytest

from tokentrail.billing.report import reconcile
from tokentrail.ledger import Totals
from tokentrail.ledger.billing_store import CostBucket, UsageBucket
from tokentrail.ledger.totals import AggregateRow
from tokentrail.pricing import default_catalog

M = 10**6
TYPES = (
    "uncached_input_tokens",
    "cache_creation.ephemeral_5m_input_tokens",
    "cache_creation.ephemeral_1h_input_tokens",
    "cache_read_input_tokens",
    "output_tokens",
)
# Published standard rates (USD per MTok): input, 5m write, 1h write, cache read, output.
RATES = {
    "claude-sonnet-4-5-20250929": (D(3), D("3.75"), D(6), D("0.30"), D(15)),
    "claude-opus-4-6": (D(5), D("6.25"), D(10), D("0.50"), D(25)),
    "claude-haiku-4-5-20251001": (D(1), D("1.25"), D(2), D("0.10"), D(5)),
}
CASES = (
    "agree", "untracked", "batch", "priority", "catalog", "missing", "residency",
    "batch+untracked", "missing+catalog",
)  # fmt: skip
FIELDS = ("uncached_input_tokens", "cache_5m_tokens", "cache_1h_tokens", "cache_read_tokens",
          "output_tokens")  # fmt: skip


def _ms(d: date) -> int:
    return (d - date(1970, 1, 1)).days * 86_400_000


def _cost(tokens: tuple[int, ...], model: str, factor: D = D(1)) -> D:
    return sum((n * r for n, r in zip(tokens, RATES[model], strict=True)), D(0)) * factor / M


def _month(seed: int) -> tuple[list[AggregateRow], list[UsageBucket], list[CostBucket], set[Any]]:
    rnd = random.Random(seed)
    ledger: list[AggregateRow] = []
    usage: list[UsageBucket] = []
    cost: list[CostBucket] = []
    expected: set[Any] = set()
    day0 = date(2026, 11, 1)
    for i in range(8):
        day = day0 + timedelta(days=i)
        models: dict[str, Totals] = {}
        for model in RATES:
            case = rnd.choice(CASES)
            if case == "residency" and model != "claude-opus-4-6":
                case = "agree"
            toks = tuple(rnd.randint(1, 10**6) if rnd.random() < 0.8 else 0 for _ in TYPES)
            if not any(toks):
                toks = (1, 0, 0, 0, 1)
            tier = {"batch": "batch", "priority": "priority", "batch+untracked": "batch"}.get(
                case, "standard"
            )
            geo = "us" if case == "residency" else "global"
            lo, hi = _ms(day), _ms(day) + 86_400_000
            usage.append(UsageBucket("1d", lo, hi, model=model, api_key_id="apikey_A",
                                     service_tier=tier, inference_geo=geo,
                                     **dict(zip(FIELDS, toks, strict=True))))  # fmt: skip
            led = list(toks)
            if case in ("missing", "missing+catalog"):
                led[4] += 777
                expected.add(("missing_from_bill", day.isoformat(), model, TYPES[4], 777,
                              777 * RATES[model][4] / M))  # fmt: skip
            models[model] = Totals(
                requests=1, input_tokens=led[0], cache_creation_tokens=led[1] + led[2],
                cache_5m_tokens=led[1], cache_1h_tokens=led[2], cache_read_tokens=led[3],
                output_tokens=led[4], cost=_cost(tuple(led), model),
            )  # fmt: skip
            if case in ("untracked", "batch+untracked"):
                extra = (rnd.randint(1, 5000), 0, 0, 0, rnd.randint(1, 500))
                usage.append(UsageBucket("1d", lo, hi, model=model, api_key_id="apikey_X",
                                         uncached_input_tokens=extra[0],
                                         output_tokens=extra[4]))  # fmt: skip
                for j in (0, 4):
                    expected.add(("untracked_usage", day.isoformat(), model, TYPES[j], extra[j],
                                  extra[j] * RATES[model][j] / M))  # fmt: skip
                    amount = extra[j] * RATES[model][j] / M * 100
                    cost.append(CostBucket(lo, hi, str(amount), model=model,
                                           token_type=TYPES[j], description="x"))  # fmt: skip
            if case == "priority":
                expected.add(("price_rule", day.isoformat(), model, None, sum(toks),
                              _cost(toks, model)))  # fmt: skip
                continue  # not in the cost report
            factor = {"batch": D("0.5"), "residency": D("1.1"), "batch+untracked": D("0.5")}.get(
                case, D(1)
            )
            if case in ("batch", "residency", "batch+untracked"):
                expected.add(("price_rule", day.isoformat(), model, None, sum(toks),
                              _cost(toks, model, factor) - _cost(toks, model)))  # fmt: skip
            for j, n in enumerate(toks):
                if not n:
                    continue
                off = case in ("catalog", "missing+catalog") and j == 4
                rate = RATES[model][j] + (D("0.01") if off else 0)
                amount = n * rate * factor / M * 100  # cents
                cost.append(CostBucket(lo, hi, str(amount), model=model, token_type=TYPES[j],
                                       service_tier=tier))  # fmt: skip
                if off:
                    expected.add(("catalog_rate", day.isoformat(), model, TYPES[4], n,
                                  n * D("0.01") / M))  # fmt: skip
        tot = Totals()
        for t in models.values():
            tot = tot + t
        ledger.append(AggregateRow(day.isoformat(), tot, models))
    return ledger, usage, cost, expected


@pytest.mark.parametrize("keys", [frozenset({"apikey_A"}), frozenset()], ids=["keys", "nokeys"])
@pytest.mark.parametrize("seed", range(25))
def test_exactly_the_planted_differences(seed: int, keys: frozenset[str]) -> None:
    ledger, usage, cost, expected = _month(seed)
    rec = reconcile(default_catalog(), ledger, usage, cost, keys=keys)
    got = {(f.kind, f.date, f.model, f.token_type, f.tokens, f.cost_usd) for f in rec.findings}
    assert got == expected
