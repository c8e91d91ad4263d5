"""Billed reports from the stored buckets alone (no local logs needed): per day, model, API
key or workspace, the usage report's tokens by type, their catalog price (an estimate) and
what the cost report billed (the cost report has no keys: null per key)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from tokentrail.billing.billcheck import billed_usd
from tokentrail.billing.bucket_price import TOKEN_TYPES, WEB_SEARCH, canonical_model, price_row
from tokentrail.billing.bucket_price import row_tokens as _row_tokens
from tokentrail.billing.reconcile import ms_day
from tokentrail.ledger.billing_store import CostBucket, UsageBucket
from tokentrail.pricing.catalog import Catalog

__all__ = ["BILLED_KINDS", "BilledReport", "BilledRow", "billed_report"]

#: kind -> (key column, JSON list name, title)
BILLED_KINDS = {
    "daily": ("date", "daily", "Billed usage per day (UTC)"),
    "model": ("model", "models", "Billed usage per model"),
    "api-key": ("api_key_id", "api_keys", "Billed usage per API key"),
    "workspace": ("workspace_id", "workspaces", "Billed usage per workspace"),
}
ALL_TYPES = (*TOKEN_TYPES, WEB_SEARCH)


@dataclass
class BilledRow:
    """One group: tokens by type, the catalog estimate (None when a model is unpriced), and
    the billed USD (None where the cost report cannot tell)."""

    key: str | None
    tokens: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ALL_TYPES, 0))
    estimate_usd: Decimal | None = Decimal(0)
    billed_usd: Decimal | None = Decimal(0)


@dataclass
class BilledReport:
    kind: str
    rows: list[BilledRow]
    totals: BilledRow
    since: date | None
    until: date | None
    notes: list[str]


def billed_report(
    catalog: Catalog,
    usage: list[UsageBucket],
    cost: list[CostBucket],
    kind: str,
    since: date | None = None,
    until: date | None = None,
) -> BilledReport:
    """Group the stored daily buckets by ``kind`` (a key of :data:`BILLED_KINDS`)."""
    rows: dict[str | None, BilledRow] = {}
    total = BilledRow("total", billed_usd=None if kind == "api-key" else Decimal(0))
    unpriced: set[str] = set()

    def row(key: str | None) -> BilledRow:
        if key not in rows:
            rows[key] = BilledRow(key, billed_usd=None if kind == "api-key" else Decimal(0))
        return rows[key]

    def key_of(day: str, model: str | None, ws: str | None, api_key: str | None) -> str | None:
        return {"daily": day, "model": model, "api-key": api_key, "workspace": ws}[kind]

    for u in usage:
        day = ms_day(u.start_ms)
        r = row(key_of(day, canonical_model(catalog, u.model), u.workspace_id, u.api_key_id))
        p = price_row(catalog, u, date.fromisoformat(day))
        for target in (r, total):
            for k, v in _row_tokens(u).items():
                target.tokens[k] += v
            if p is None:
                target.estimate_usd = None
            elif target.estimate_usd is not None:
                target.estimate_usd += p.total
        if p is None:
            unpriced.add(u.model or "(no model)")
    if kind != "api-key":
        for c in cost:
            day = ms_day(c.start_ms)
            r = row(key_of(day, canonical_model(catalog, c.model), c.workspace_id, None))
            amount = billed_usd([c])
            for target in (r, total):
                target.billed_usd = (target.billed_usd or Decimal(0)) + amount
    notes = [f"model {m} is not in the price catalog: no estimate" for m in sorted(unpriced)]
    if kind == "api-key":
        notes.append("the cost report cannot be grouped by API key: billed is null per key")
    ordered = sorted(rows.values(), key=lambda r: (r.key is None, r.key or ""))
    return BilledReport(kind, ordered, total, since, until, notes)
