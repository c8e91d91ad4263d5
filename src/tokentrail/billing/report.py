"""A reconciliation as rows of ``--by`` (day, model, api-key, workspace), each with its
sides (ledger, usage report, billed), difference and findings.

The ledger knows no API key or workspace (Claude Code logs carry neither): grouped by
``api-key`` / ``workspace`` its totals go to the one tracked key / workspace when exactly one
is given, else to a row keyed null. The cost report cannot be grouped by key, so ``billed``
is null per key. JSON: :func:`reconciliation_dict` (``schema_version`` 1, money as decimal
strings).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from tokentrail.billing.billcheck import bill_findings, billed_usd, pooled_days, web_by_day
from tokentrail.billing.bucket_price import TOKEN_TYPES, WEB_SEARCH, price_row, row_tokens
from tokentrail.billing.findings import Finding, Side, finding_dict, side_dict, usd
from tokentrail.billing.reconcile import ALL_TYPES, build_cells, cell_findings
from tokentrail.ledger.billing_store import CostBucket, UsageBucket
from tokentrail.ledger.totals import AggregateRow
from tokentrail.pricing.catalog import Catalog

__all__ = ["BY", "SCHEMA_VERSION", "ReconcileRow", "Reconciliation", "reconcile", "to_dict"]

SCHEMA_VERSION = 1
BY = ("day", "model", "api-key", "workspace")
#: The key's own name in a JSON row, beside ``key``.
_KEY_NAMES = {"day": "date", "model": "model", "api-key": "api_key_id", "workspace": "workspace_id"}


@dataclass
class ReconcileRow:
    """One bucket of ``--by``."""

    key: str | None
    ledger: Side | None
    usage_report: Side
    billed: Side | None
    findings: list[Finding] = field(default_factory=list)

    def difference(self) -> dict[str, Any]:
        toks = None
        if self.ledger is not None and self.ledger.tokens is not None:
            u = self.usage_report.tokens or dict.fromkeys(ALL_TYPES, 0)
            toks = {k: u.get(k, 0) - self.ledger.tokens.get(k, 0) for k in ALL_TYPES}
        cost = None
        if self.ledger is not None and self.billed is not None:
            cost = (self.billed.cost_usd or Decimal(0)) - (self.ledger.cost_usd or Decimal(0))
        return {"tokens": toks, "cost_usd": usd(cost)}


@dataclass
class Reconciliation:
    by: str
    since: date | None
    until: date | None
    keys: frozenset[str]
    workspaces: frozenset[str]
    rows: list[ReconcileRow]
    notes: list[str]

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.rows for f in r.findings]


def _key(by: str, day: str, model: str | None, ws: str | None, k: str | None) -> str | None:
    return {"day": day, "model": model, "api-key": k, "workspace": ws}[by]


def _finding_key(by: str, f: Finding) -> str | None:
    return _key(by, f.date or "", f.model, f.workspace_id, f.api_key_id)


def reconcile(
    catalog: Catalog,
    ledger_rows: Iterable[AggregateRow],
    usage: list[UsageBucket],
    cost: list[CostBucket],
    *,
    by: str = "day",
    keys: frozenset[str] = frozenset(),
    workspaces: frozenset[str] = frozenset(),
    since: date | None = None,
    until: date | None = None,
    ledger_side: bool = True,
) -> Reconciliation:
    """Reconcile ``ledger_rows`` (grouped by UTC day) with the stored buckets; with
    ``ledger_side`` False (no local logs) only the usage report priced with the catalog
    against the cost report (``catalog_rate``, Priority Tier, code execution)."""
    if not ledger_side:
        ledger_rows = ()
    cells = build_cells(catalog, ledger_rows, usage, cost)
    billed_days = {c.day for c in cells.values() if c.costs}
    web_days = web_by_day(cells.values())
    pooled = pooled_days(cells.values())
    notes: list[str] = []
    rows: dict[str | None, ReconcileRow] = {}
    ledger_to: str | None = None
    if by == "api-key" and len(keys) == 1:
        ledger_to = next(iter(keys))
    if by == "workspace" and len(workspaces) == 1:
        ledger_to = next(iter(workspaces))
    per_key = by in ("api-key", "workspace")

    def row(key: str | None) -> ReconcileRow:
        if key not in rows:
            with_ledger = ledger_side and (not per_key or key == ledger_to)
            rows[key] = ReconcileRow(
                key,
                Side(dict.fromkeys(ALL_TYPES, 0), Decimal(0)) if with_ledger else None,
                Side(dict.fromkeys(ALL_TYPES, 0), None),
                None if by == "api-key" else Side(None, Decimal(0)),
            )
        return rows[key]

    unpriced: set[str] = set()
    for (day, model), c in sorted(cells.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        d = date.fromisoformat(day)
        if c.ledger is not None:
            r = row(ledger_to if per_key else _key(by, day, model, None, None))
            if r.ledger is not None:
                r.ledger.add(c.ledger, c.ledger_cost)
        for u in c.rows:
            r = row(_key(by, day, model, u.workspace_id, u.api_key_id))
            p = price_row(catalog, u, d)
            if p is None:
                unpriced.add(model or "(no model)")
            r.usage_report.add(row_tokens(u), None if p is None else p.total)
        for cr in c.costs:
            r = row(_key(by, day, model, cr.workspace_id, None))
            if r.billed is not None:
                r.billed.add(None, billed_usd([cr]))
                t = cr.token_type if cr.cost_type in (None, "tokens") else cr.cost_type
                if t:
                    r.billed.cost_by_type[t] = r.billed.cost_by_type.get(
                        t, Decimal(0)
                    ) + billed_usd([cr])
        if c.day in pooled:  # the bill is checked for the whole day, once
            bill = [] if c.model is not None else bill_findings(catalog, pooled[c.day], billed_days)
        else:
            bill = bill_findings(catalog, c, billed_days, web_days)
        for f in (*cell_findings(catalog, c, keys, workspaces, ledger_side), *bill):
            row(_finding_key(by, f)).findings.append(f)
    for m in sorted(unpriced):
        notes.append(f"model {m} is not in the price catalog: its usage is not priced")
    out = sorted(rows.values(), key=lambda r: (r.key is None, r.key or ""))
    for r in out:
        r.findings.sort(key=Finding.sort_key)
        if r.usage_report.cost_usd is None and not any((r.usage_report.tokens or {}).values()):
            r.usage_report.cost_usd = Decimal(0)
    return Reconciliation(by, since, until, keys, workspaces, out, notes)


def to_dict(rec: Reconciliation) -> dict[str, Any]:
    """The JSON document of ``reconcile --json``."""
    return {
        "schema_version": SCHEMA_VERSION,
        "by": rec.by,
        "since": rec.since.isoformat() if rec.since else None,
        "until": rec.until.isoformat() if rec.until else None,
        "token_types": [*TOKEN_TYPES, WEB_SEARCH],
        "tracked": {"api_key_ids": sorted(rec.keys), "workspace_ids": sorted(rec.workspaces)},
        "rows": [
            {
                "key": r.key,
                _KEY_NAMES[rec.by]: r.key,
                "ledger": side_dict(r.ledger),
                "usage_report": side_dict(r.usage_report),
                "billed": side_dict(r.billed),
                "difference": r.difference(),
                "findings": [finding_dict(f) for f in r.findings],
            }
            for r in rec.rows
        ],
        "findings": [finding_dict(f) for f in rec.findings],
        "notes": rec.notes,
    }
