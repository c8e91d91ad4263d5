"""Renderers of ``tokentrail reconcile``: a table (buckets, then findings), CSV (one line per
bucket) and JSON (:func:`tokentrail.billing.report.to_dict`). Text from the API (model ids,
key and workspace ids) is escaped as in every report (:func:`render_table.safe`,
:func:`render_csv.neutralize`); money is exact, shown to the cent only in the table."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from rich.table import Table

from tokentrail.billing.findings import Side, usd
from tokentrail.billing.reconcile import ALL_TYPES
from tokentrail.billing.report import Reconciliation, to_dict
from tokentrail.reports.fit import output_console
from tokentrail.reports.render_csv import neutralize
from tokentrail.reports.render_table import safe
from tokentrail.reports.text import escape_controls, usd_cents

__all__ = ["print_reconcile", "reconcile_csv", "reconcile_json"]

_SHORT = {
    "uncached_input_tokens": "input",
    "cache_creation.ephemeral_5m_input_tokens": "write_5m",
    "cache_creation.ephemeral_1h_input_tokens": "write_1h",
    "cache_read_input_tokens": "cache_read",
    "output_tokens": "output",
    "web_search_requests": "web_search",
}


def reconcile_json(rec: Reconciliation) -> str:
    """The JSON document (``schema_version`` 1)."""
    return json.dumps(to_dict(rec), indent=2, ensure_ascii=False)


def _money(side: Side | None) -> str:
    if side is None or side.cost_usd is None:
        return "—"
    return usd_cents(side.cost_usd)


def reconcile_csv(rec: Reconciliation) -> str:
    """One line per bucket: tokens by type of each side, costs, the difference, findings."""
    key = {"day": "date", "model": "model", "api-key": "api_key_id", "workspace": "workspace_id"}
    head = [key[rec.by]]
    for side in ("ledger", "usage_report"):
        head += [f"{side}_{_SHORT[t]}" for t in ALL_TYPES]
    head += [
        "ledger_cost_usd", "usage_report_cost_usd", "billed_cost_usd", "difference_cost_usd",
        "findings", "finding_kinds",
    ]  # fmt: skip
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(head)
    for r in rec.rows:
        line: list[str] = [neutralize(escape_controls(r.key)) if r.key is not None else ""]
        for part in (r.ledger, r.usage_report):
            toks = part.tokens if part is not None else None
            line += [str(toks[t]) if toks is not None else "" for t in ALL_TYPES]
        for s in (r.ledger, r.usage_report, r.billed):
            line.append(usd(s.cost_usd) or "" if s is not None else "")
        line.append(r.difference()["cost_usd"] or "")
        line.append(str(len(r.findings)))
        line.append(";".join(sorted({f.kind for f in r.findings})))
        w.writerow(line)
    return buf.getvalue()


def print_reconcile(rec: Reconciliation) -> None:
    """The table on stdout."""
    con = output_console(160)
    t = Table(title=f"Reconciliation by {rec.by}", title_justify="left")
    for col in ("Bucket", "Ledger", "Usage report*", "Billed", "Billed − ledger", "Findings"):
        t.add_column(col, justify="left" if col == "Bucket" else "right")
    for r in rec.rows:
        diff = r.difference()["cost_usd"]
        t.add_row(
            safe(r.key if r.key is not None else "(none)"),
            _money(r.ledger),
            _money(r.usage_report),
            _money(r.billed),
            "—" if diff is None else usd_cents(Decimal(diff)),
            str(len(r.findings)),
        )
    con.print(t)
    con.print("* the usage report priced with the catalog")
    found = rec.findings
    if not found:
        con.print("No differences: the ledger agrees with the bill.")
    else:
        ft = Table(title="Findings", title_justify="left")
        for col in ("Kind", "Date", "Model", "Key / workspace", "Type", "Tokens", "USD"):
            ft.add_column(col, justify="right" if col in ("Tokens", "USD") else "left")
        ft.add_column("Detail", overflow="fold")
        for f in found:
            ft.add_row(
                f.kind,
                f.date or "",
                safe(f.model or ""),
                safe(" / ".join(x for x in (f.api_key_id, f.workspace_id) if x)),
                _SHORT.get(f.token_type or "", ""),
                "" if f.tokens is None else f"{f.tokens:,}",
                "" if f.cost_usd is None else usd(f.cost_usd) or "",
                safe(f.detail),
            )
        con.print(ft)
    for n in rec.notes:
        con.print(f"note: {safe(n)}")
