"""Team reports: usage per ``user`` and per ``machine`` (``tokentrail user`` / ``machine``).

On a ClickHouse team ledger each row is one user (or machine) that wrote records, with
the same totals a ``daily`` report of that user alone sums to; on the local SQLite ledger
there is one row, the local identity (host name, OS user). JSON rows are keyed ``user`` /
``machine`` under ``users`` / ``machines``.
"""

from __future__ import annotations

from typing import Any

from tokentrail.reports.build import ReportOptions, build_report, sum_rows, tz_name
from tokentrail.reports.model import Report, ReportRow

__all__ = ["team_report"]


def team_report(ledger: Any, kind: str, opts: ReportOptions) -> Report:
    """The ``user`` or ``machine`` report of ``ledger`` under ``opts``."""
    if kind not in ("user", "machine"):
        raise ValueError(f"not a team report: {kind!r}")
    rows: list[ReportRow] = []
    zone = tz_name(opts.tz)
    if hasattr(ledger, "dimension"):  # a team ledger
        for value, _ in ledger.dimension(kind):
            scoped = ledger.scoped(**{f"{kind}s": (value,)})
            daily = build_report(scoped, "daily", opts)
            if daily.rows:
                rows.append(ReportRow(value, daily.totals, daily.models))
    else:
        from tokentrail.ledger.clickhouse.identity import default_machine, default_user

        daily = build_report(ledger, "daily", opts)
        if daily.rows:
            me = default_user() if kind == "user" else default_machine()
            rows.append(ReportRow(me, daily.totals, daily.models))
    if opts.order == "desc":
        rows.reverse()
    total, models = sum_rows(rows)
    return Report(kind, rows, total, models, zone, dict(opts.filters))
