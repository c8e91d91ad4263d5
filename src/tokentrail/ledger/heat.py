"""Cost per UTC quarter-hour from the rollup cells (the dashboard's weekday × hour heatmap).

One grouped read of ``rollup_q15`` (never a scan of every record): the caller maps each
quarter-hour to its local weekday and hour (every UTC offset in use is a whole number of
quarter-hours, so the mapping is exact, as for :mod:`tokentrail.ledger.aggregate`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from tokentrail.ledger.rollup_sql import CELL_COST_SUMS, QUARTER_MS, pico_of

__all__ = ["quarter_costs"]


def quarter_costs(
    db: sqlite3.Connection,
    since_ms: int | None = None,
    until_ms: int | None = None,
    *,
    models: Sequence[str] = (),
    project: str | None = None,
) -> list[tuple[int, int]]:
    """(UTC quarter-hour number, cost in picodollars) of each quarter-hour with usage in
    ``[since_ms, until_ms)`` (bounds rounded down to a quarter-hour), oldest first."""
    where: list[str] = []
    args: list[object] = []
    if since_ms is not None:
        where.append("q >= ?")
        args.append(since_ms // QUARTER_MS)
    if until_ms is not None:
        where.append("q < ?")
        args.append(until_ms // QUARTER_MS)
    if models:
        where.append(f"model IN ({', '.join('?' * len(models))})")
        args.extend(models)
    if project is not None:
        where.append("project = ?")
        args.append(project)
    sql = f"SELECT q, {CELL_COST_SUMS} FROM rollup_q15"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " GROUP BY q ORDER BY q"
    return [(int(r[0]), pico_of(r[1:])) for r in db.execute(sql, args)]
