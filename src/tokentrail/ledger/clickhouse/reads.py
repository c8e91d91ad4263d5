"""Report reads of the ClickHouse ledger, giving what the SQLite ledger gives.

Every read deduplicates at query time with ``FINAL`` (correct before any background
merge, across partitions too, and deleted keys skipped), so a report is exact the moment a
push returns. Measured on 1M records in 14 parts (``benchmarks/team_scale.py``'s ledger,
chDB, the day report's cell query, best of 3): ``FINAL`` 0.53 s, ``LIMIT 1 BY`` 0.52 s,
``argMax`` per column 0.96 s, all three the same answer. ``FINAL`` is one clause for
every column and every query (no per-column ``argMax``, no sort of whole rows), so it is
the one used.

:func:`aggregate` asks ClickHouse for the quarter-hour cells the SQLite ledger keeps as
rollups (sums per UTC quarter-hour × model × project × session × agent × branch, plus the
flagged cells), loads them into an in-memory SQLite database with the same three rollup
tables, and runs the SQLite ledger's own :func:`~tokentrail.ledger.aggregate.aggregate_rollups`
on it: the same local days, session spans and flag unions, so the two backends agree by
construction. Cells are few next to records (one per quarter-hour of activity and key).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from tokentrail.ledger.aggregate import aggregate_rollups
from tokentrail.ledger.rollup_sql import QUARTER_MS, ROLLUP_SUMS
from tokentrail.ledger.timeline import POINT_COLS, UsagePoint, point_from_row
from tokentrail.ledger.totals import AggregateQuery, AggregateRow

__all__ = ["AGENT", "Scope", "aggregate", "distinct", "session_spans", "usage_points"]

#: The agent dimension, as the SQLite rollup computes it.
AGENT = (
    "multiIf(ifNull(agent_type, '') != '', assumeNotNull(agent_type), "
    "agent_id IS NOT NULL OR is_sidechain = 1, 'subagent', 'main')"
)
_SUMS = (
    "sum(1 - synthetic)",
    "sum(synthetic)",
    "sum((1 - is_final) * (1 - synthetic))",
    "sum(cost_pico IS NULL)",
    "sum(input_tokens)",
    "sum(cache_creation_tokens)",
    "sum(cache_5m_tokens)",
    "sum(cache_1h_tokens)",
    "sum(cache_read_tokens)",
    "sum(output_tokens)",
    "sum(web_search_requests)",
    "sum(web_fetch_requests)",
    "sum(toInt128(ifNull(cost_pico, 0)))",
)
_PICO = 10**12


class Scope:
    """A ``WHERE`` fragment and its parameters (machine / user / model / ... filters)."""

    def __init__(self, conds: Sequence[str] = (), params: dict[str, Any] | None = None):
        self.conds = list(conds)
        self.params = dict(params or {})

    def add(self, cond: str, **params: Any) -> Scope:
        return Scope([*self.conds, cond], {**self.params, **params})

    def where(self) -> str:
        return (" WHERE " + " AND ".join(self.conds)) if self.conds else ""


def _records(db: str) -> str:
    return f"{db}.records FINAL"


def _rollup_db() -> sqlite3.Connection:
    mem = sqlite3.connect(":memory:")
    sums = ", ".join(f"{c} INTEGER NOT NULL" for c in ROLLUP_SUMS)
    mem.executescript(
        f"""
        CREATE TABLE rollup_q15 (q INTEGER, model TEXT, project TEXT, session_id TEXT, {sums},
            PRIMARY KEY (q, model, project, session_id)) WITHOUT ROWID;
        CREATE TABLE rollup_dims_q15 (q INTEGER, model TEXT, project TEXT, agent TEXT,
            branch TEXT, {sums}, PRIMARY KEY (q, model, project, agent, branch)) WITHOUT ROWID;
        CREATE TABLE rollup_flags_q15 (q INTEGER, model TEXT, project TEXT, session_id TEXT,
            agent TEXT, branch TEXT, flags TEXT, requests INTEGER,
            PRIMARY KEY (q, model, project, session_id, agent, branch, flags)) WITHOUT ROWID;
        """
    )
    return mem


def _query_scope(scope: Scope, query: AggregateQuery) -> Scope:
    s = scope
    if query.models:
        s = s.add("model IN {models:Array(String)}", models=list(query.models))
    if query.project is not None:
        s = s.add("project = {project:String}", project=query.project)
    if query.session_id is not None:
        s = s.add("session_id = {session_id:String}", session_id=query.session_id)
    epoch = 719163  # date(1970, 1, 1).toordinal()
    if query.since is not None:  # coarse (±2 days covers every offset); exact in SQLite
        s = s.add(
            "ts_ms >= {lo_ms:Int64}", lo_ms=(query.since.toordinal() - epoch - 2) * 86_400_000
        )
    if query.until is not None:
        s = s.add("ts_ms < {hi_ms:Int64}", hi_ms=(query.until.toordinal() - epoch + 3) * 86_400_000)
    return s


#: The cell dimensions each grouping needs (the others are constant: their filters are
#: applied in ClickHouse), so a day report reads quarter-hour × model cells only.
_DIMS = {
    "day": ("model",),
    "month": ("model",),
    "model": ("model",),
    "project": ("model", "project"),
    "session": ("model", "project", "session_id"),
    "agent": ("model", "agent"),
    "branch": ("model", "branch"),
}
_DIM_SQL = {
    "model": "model",
    "project": "project",
    "session_id": "session_id",
    "agent": AGENT,
    "branch": "ifNull(git_branch, '')",
}


def _cell_select(dims: tuple[str, ...]) -> str:
    # aliases never shadow a column: ClickHouse resolves WHERE names to SELECT aliases
    return ", ".join(
        f"{_DIM_SQL[d]} AS c_{d}" if d in dims else f"'' AS c_{d}"
        for d in ("model", "project", "session_id", "agent", "branch")
    )


def aggregate(client: Any, db: str, scope: Scope, query: AggregateQuery) -> list[AggregateRow]:
    """:meth:`LedgerStore.aggregate` (see the module doc)."""
    if query.group_by in ("agent", "branch") and query.session_id is not None:
        raise ValueError("session_id filter is not available for agent / branch groups")
    s = _query_scope(scope, query)
    dims = _DIMS.get(query.group_by, ("model", "project", "session_id", "agent", "branch"))
    keys = ", ".join(("c_q", *(f"c_{d}" for d in dims)))
    cells = client.query(
        f"SELECT intDiv(ts_ms, {QUARTER_MS}) AS c_q, {_cell_select(dims)}, {', '.join(_SUMS)}"
        f" FROM {_records(db)}{s.where()} GROUP BY {keys}",
        parameters=s.params,
    ).result_rows
    flagged = s.add("price_flags IS NOT NULL AND cost_pico IS NOT NULL")
    flags = client.query(
        f"SELECT intDiv(ts_ms, {QUARTER_MS}) AS c_q, {_cell_select(dims)},"
        f" assumeNotNull(price_flags) AS c_flags, count() FROM {_records(db)}{flagged.where()}"
        f" GROUP BY {keys}, c_flags",
        parameters=flagged.params,
    ).result_rows
    # the filters are applied above: the in-memory rollups hold matching cells only
    query = AggregateQuery(query.group_by, query.tz, query.since, query.until)
    mem = _rollup_db()
    try:
        marks = ", ".join("?" * len(ROLLUP_SUMS))
        cols = ", ".join(ROLLUP_SUMS)

        def sums(r: Sequence[Any]) -> tuple[Any, ...]:  # the cost as dollars + sub-dollar pico
            return (*r[6:-1], *divmod(int(r[-1]), _PICO))

        # one cell per key (ClickHouse grouped by it): only the table the grouping reads
        if query.group_by in ("agent", "branch"):
            mem.executemany(
                f"INSERT INTO rollup_dims_q15 (q, model, project, agent, branch, {cols}) "
                f"VALUES (?, ?, ?, ?, ?, {marks})",
                [(r[0], r[1], r[2], r[4], r[5], *sums(r)) for r in cells],
            )
        else:
            mem.executemany(
                f"INSERT INTO rollup_q15 (q, model, project, session_id, {cols}) "
                f"VALUES (?, ?, ?, ?, {marks})",
                [(r[0], r[1], r[2], r[3], *sums(r)) for r in cells],
            )
        mem.executemany(
            "INSERT INTO rollup_flags_q15 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [tuple(r) for r in flags],
        )
        return aggregate_rollups(mem, query)
    finally:
        mem.close()


def _point_scope(
    scope: Scope,
    since_ms: int | None,
    until_ms: int | None,
    models: Sequence[str],
    project: str | None,
    with_synthetic: bool,
) -> Scope:
    s = scope if with_synthetic else scope.add("synthetic = 0")
    if since_ms is not None:
        s = s.add("ts_ms >= {p_since:Int64}", p_since=since_ms)
    if until_ms is not None:
        s = s.add("ts_ms < {p_until:Int64}", p_until=until_ms)
    if models:
        s = s.add("model IN {p_models:Array(String)}", p_models=list(models))
    if project is not None:
        s = s.add("project = {p_project:String}", p_project=project)
    return s


def usage_points(
    client: Any,
    db: str,
    scope: Scope,
    since_ms: int | None,
    until_ms: int | None,
    models: Sequence[str],
    project: str | None,
    *,
    with_synthetic: bool = True,
    order: str = "ts_ms, dedup_key",
    limit: int | None = None,
) -> list[UsagePoint]:
    """Records in ``[since_ms, until_ms)`` as :class:`UsagePoint`, oldest first."""
    s = _point_scope(scope, since_ms, until_ms, models, project, with_synthetic)
    sql = f"SELECT {POINT_COLS} FROM {_records(db)}{s.where()} ORDER BY {order}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    rows = client.query(sql, parameters=s.params).result_rows
    return [point_from_row(r) for r in rows]


def session_spans(
    client: Any,
    db: str,
    scope: Scope,
    since_ms: int | None,
    until_ms: int | None,
    models: Sequence[str],
    project: str | None,
) -> dict[str, tuple[int, int]]:
    """``session id -> (first, last)`` record instant in the range, ``<synthetic>`` included."""
    s = _point_scope(scope, since_ms, until_ms, models, project, True)
    rows = client.query(
        f"SELECT session_id, min(ts_ms), max(ts_ms) FROM {_records(db)}{s.where()} "
        "GROUP BY session_id",
        parameters=s.params,
    ).result_rows
    return {str(r[0]): (int(r[1]), int(r[2])) for r in rows}


def distinct(client: Any, db: str, scope: Scope, column: str) -> list[str]:
    """Distinct ``project`` or ``model`` values, sorted (as the SQLite rollups give them)."""
    if column not in ("project", "model"):
        raise ValueError(f"not a rollup dimension: {column!r}")
    rows = client.query(
        f"SELECT DISTINCT {column} FROM {_records(db)}{scope.where()}", parameters=scope.params
    ).result_rows
    return sorted(str(r[0]) for r in rows)
