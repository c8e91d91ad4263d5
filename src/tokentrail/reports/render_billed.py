"""Renderers of ``tokentrail billing daily|model|api-key|workspace``: table, JSON
(``schema_version`` 1, money as decimal strings), CSV (formula-injection safe) and Parquet
(optional pyarrow; money ``decimal128(38, 12)``)."""

from __future__ import annotations

import csv
import io
import json
import os
from decimal import Decimal
from typing import Any

from rich.table import Table

from tokentrail.billing.billed import ALL_TYPES, BILLED_KINDS, BilledReport, BilledRow
from tokentrail.billing.findings import usd
from tokentrail.errors import UserInputError
from tokentrail.reports.fit import output_console
from tokentrail.reports.render_csv import neutralize
from tokentrail.reports.render_table import safe
from tokentrail.reports.text import escape_controls, usd_cents

__all__ = ["billed_csv", "billed_json", "print_billed", "write_billed_parquet"]

_COLS = {
    "uncached_input_tokens": "input_tokens",
    "cache_creation.ephemeral_5m_input_tokens": "cache_5m_tokens",
    "cache_creation.ephemeral_1h_input_tokens": "cache_1h_tokens",
    "cache_read_input_tokens": "cache_read_tokens",
    "output_tokens": "output_tokens",
    "web_search_requests": "web_search_requests",
}


def _flat(rep: BilledReport, r: BilledRow, key: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {BILLED_KINDS[rep.kind][0]: r.key} if key else {}
    out.update({_COLS[t]: r.tokens[t] for t in ALL_TYPES})
    out["estimated_cost_usd"] = r.estimate_usd
    out["billed_cost_usd"] = r.billed_usd
    return out


def billed_json(rep: BilledReport) -> str:
    def money(d: dict[str, Any]) -> dict[str, Any]:
        return {k: usd(v) if isinstance(v, Decimal) else v for k, v in d.items()}

    doc = {
        "schema_version": 1,
        "kind": f"billing_{rep.kind.replace('-', '_')}",
        "since": rep.since.isoformat() if rep.since else None,
        "until": rep.until.isoformat() if rep.until else None,
        BILLED_KINDS[rep.kind][1]: [money(_flat(rep, r)) for r in rep.rows],
        "totals": money(_flat(rep, rep.totals, key=False)),
        "notes": rep.notes,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


def billed_csv(rep: BilledReport) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    rows = [_flat(rep, r) for r in rep.rows]
    head = list(_flat(rep, rep.totals))
    w.writerow(head)
    for r in rows:
        cells = []
        for k in head:
            v = r[k]
            if v is None:
                cells.append("")
            elif isinstance(v, Decimal):
                cells.append(usd(v) or "")
            elif isinstance(v, int):
                cells.append(str(v))
            else:
                cells.append(neutralize(escape_controls(v)))
        w.writerow(cells)
    return buf.getvalue()


def write_billed_parquet(rep: BilledReport, path: str | os.PathLike[str]) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise UserInputError("--parquet needs pyarrow: pip install 'tokentrail[parquet]'") from None
    rows = [_flat(rep, r) for r in rep.rows]
    head = list(_flat(rep, rep.totals))
    pico = Decimal(10) ** -12
    fields = []
    cols: list[list[Any]] = []
    for k in head:
        if k.endswith("_usd"):
            fields.append(pa.field(k, pa.decimal128(38, 12)))
            cols.append([None if r[k] is None else Decimal(r[k]).quantize(pico) for r in rows])
        elif k in _COLS.values():
            fields.append(pa.field(k, pa.int64()))
            cols.append([r[k] for r in rows])
        else:
            fields.append(pa.field(k, pa.string()))
            cols.append([r[k] for r in rows])
    schema = pa.schema(fields)
    table = pa.Table.from_arrays(
        [pa.array(c, type=f.type) for c, f in zip(cols, fields, strict=True)], schema=schema
    )
    try:
        pq.write_table(table, os.fspath(path))
    except OSError as exc:
        raise UserInputError(f"--parquet {os.fspath(path)}: {exc.strerror or exc}") from None


def _m(v: Decimal | None) -> str:
    return "—" if v is None else usd_cents(v)


def print_billed(rep: BilledReport) -> None:
    con = output_console(160)
    t = Table(title=BILLED_KINDS[rep.kind][2], title_justify="left")
    heads = ("Input", "Write 5m", "Write 1h", "Cache read", "Output", "Web search")
    for col in (BILLED_KINDS[rep.kind][0], *heads, "Catalog est.", "Billed"):
        t.add_column(col, justify="left" if col == BILLED_KINDS[rep.kind][0] else "right")
    for r in [*rep.rows, rep.totals]:
        label = "Total" if r is rep.totals else safe(r.key if r.key is not None else "(none)")
        t.add_row(label, *(f"{r.tokens[x]:,}" for x in ALL_TYPES), _m(r.estimate_usd),
                  _m(r.billed_usd))  # fmt: skip
    con.print(t)
    for n in rep.notes:
        con.print(f"note: {safe(n)}")
