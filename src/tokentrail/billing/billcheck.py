"""The usage report priced with the catalog against the cost report, per day x model x
token type: a catalog check that needs no local logs.

Priority Tier rows are left out (the cost report does not carry them: that gap is a
``price_rule`` finding of :mod:`tokentrail.billing.reconcile`). A day without any cost-report
row is not checked (not pulled, or not yet aggregated: day N-1 lands at 10:00 UTC on day N).
The bill's amounts are compared within half a unit of their last printed digit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from tokentrail.billing.bucket_price import (
    PRIORITY_TIERS,
    TOKEN_TYPES,
    WEB_SEARCH,
    price_row,
    row_tokens,
)
from tokentrail.billing.findings import Finding, usd
from tokentrail.billing.reconcile import TOL, Cell, half_ulp_usd
from tokentrail.ledger.billing_store import CostBucket, UsageBucket
from tokentrail.pricing.catalog import Catalog

__all__ = ["bill_findings", "billed_usd", "pooled_days", "web_by_day"]

_ZERO = Decimal(0)
_CENT = Decimal(100)
_MTOK = Decimal(1_000_000)


def billed_usd(rows: list[CostBucket]) -> Decimal:
    """Exact USD of cost rows (amounts are cents)."""
    return sum((Decimal(r.amount_cents) for r in rows), _ZERO) / _CENT


def _type_of(r: CostBucket) -> str | None:
    if r.cost_type == "web_search":
        return WEB_SEARCH
    if r.cost_type in (None, "tokens"):
        return r.token_type
    return None


def web_by_day(cells: Iterable[Cell]) -> dict[str, list[UsageBucket]]:
    """Days whose web-search cost rows carry no model, with every usage row of the day: their
    web searches are checked per day (in the cell of model None), not per model."""
    cells = list(cells)
    days = {
        c.day for c in cells if c.model is None and any(_type_of(r) == WEB_SEARCH for r in c.costs)
    }
    return {d: [r for c in cells if c.day == d for r in c.rows] for d in days}


def pooled_days(cells: Iterable[Cell]) -> dict[str, Cell]:
    """Days whose token cost rows carry no model (a cost report not split by model): their
    bill is checked once for the whole day, in one cell of every row and cost of the day."""
    cells = list(cells)
    days = {
        c.day
        for c in cells
        if c.model is None and any(r.cost_type in (None, "tokens") for r in c.costs)
    }
    return {
        d: Cell(
            d,
            None,
            rows=[r for c in cells if c.day == d for r in c.rows],
            costs=[r for c in cells if c.day == d for r in c.costs],
        )
        for d in days
    }


def bill_findings(
    catalog: Catalog,
    c: Cell,
    billed_days: set[str],
    web_days: dict[str, list[UsageBucket]] | None = None,
) -> list[Finding]:
    """``catalog_rate`` / ``price_rule`` / ``unexplained`` findings of one cell's bill;
    ``web_days`` from :func:`web_by_day`."""
    web_rows = (web_days or {}).get(c.day)
    out: list[Finding] = []
    ws = c.costs[0].workspace_id if len({r.workspace_id for r in c.costs}) == 1 else None
    for r in c.costs:
        if r.cost_type not in (None, "tokens", "web_search"):
            amount = Decimal(r.amount_cents) / _CENT
            out.append(
                Finding("price_rule", c.day, c.model or r.model, None, r.workspace_id, None, None,
                        amount,
                        f"{r.cost_type} billed ${usd(amount)}: not derivable from token usage "
                        "(the cost report is its only source)")
            )  # fmt: skip
    if c.day not in billed_days:
        return out
    day = date.fromisoformat(c.day)
    untyped = any(r.cost_type in (None, "tokens") and r.token_type is None for r in c.costs)
    # Token costs without a token_type (a report not split by type): one check of their sum.
    groups: list[tuple[str | None, tuple[str, ...]]] = (
        [(None, TOKEN_TYPES)] if untyped else [(t, (t,)) for t in TOKEN_TYPES]
    )
    for t, members in [*groups, (WEB_SEARCH, (WEB_SEARCH,))]:
        source = c.rows
        if t == WEB_SEARCH and web_rows is not None:
            if c.model is not None:
                continue  # checked for the whole day
            source = web_rows
        rows = [r for r in source if r.service_tier not in PRIORITY_TIERS]
        if t is None:
            costs = [r for r in c.costs if r.cost_type in (None, "tokens")]
        else:
            costs = [r for r in c.costs if _type_of(r) == t]
        billed = billed_usd(costs)
        tol = sum((half_ulp_usd(r.amount_cents) for r in costs), TOL)
        expected, tokens, weighted = _ZERO, 0, _ZERO
        rates: set[Decimal | None] = set()
        unpriced = False
        for u in rows:
            p = price_row(catalog, u, day)
            if p is None:
                unpriced = True
                continue
            for m in members:
                count = row_tokens(u)[m]
                if not count:
                    continue
                expected += p.usd[m]
                tokens += count
                weighted += count * (p.factor if m != WEB_SEARCH else 1)
                rates.add(p.rates[m])
        if unpriced or abs(billed - expected) <= tol:
            continue
        what = "web searches" if t == WEB_SEARCH else "tokens"
        if tokens == 0:
            detail = f"billed ${usd(billed)} for {what} the usage report does not show"
            out.append(Finding("unexplained", c.day, c.model, None, ws, t, None, billed, detail))
        elif not costs:
            detail = f"the usage report shows {tokens} {what} the cost report does not bill"
            out.append(
                Finding("unexplained", c.day, c.model, None, ws, t, tokens, -expected, detail)
            )
        else:
            unit = _MTOK if t != WEB_SEARCH else Decimal(1)
            implied = billed * unit / weighted
            rate = rates.pop() if len(rates) == 1 and t is not None else None
            per = "/MTok" if t != WEB_SEARCH else " per search"
            shown = f"${usd(rate)}{per}" if rate is not None else "mixed rates"
            detail = (
                f"{c.model or 'all models'} {t or 'tokens (all types)'}: the catalog rate is "
                f"{shown}, "
                "the bill implies "
                f"${usd(implied.quantize(Decimal('0.000001')))}{per} ({tokens} {what} billed "
                f"${usd(billed)}, the catalog prices them at ${usd(expected)})"
            )
            out.append(
                Finding("catalog_rate", c.day, c.model, None, ws, t, tokens, billed - expected,
                        detail)
            )  # fmt: skip
    return out
