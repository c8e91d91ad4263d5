"""Cost per UTC quarter-hour from the rollup cells (the dashboard's weekday × hour heatmap).

One grouped read of ``rollup_q15`` (never a scan of every record): the caller maps each
quarter-hour to its local weekday and hour (every UTC offset in use is a whole number of
quarter-hours, so the mapping is exact, as for :mod:`tokentrail.ledger.aggregate`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from tokentrail.ledger.rollup_sql import CELL_COST_SUMS, QUARTER_MS, pico_of
from tokentrail.ledger.spans import cell_filters

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
    where, args = cell_filters(
        None if since_ms is None else since_ms // QUARTER_MS,
        None if until_ms is None else until_ms // QUARTER_MS,
        models,
        project,
    )
    sql = f"SELECT q, {CELL_COST_SUMS} FROM rollup_q15{where} GROUP BY q ORDER BY q"
    return [(int(r[0]), pico_of(r[1:])) for r in db.execute(sql, args)]
