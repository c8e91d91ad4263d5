"""The :class:`~tokentrail.ledger.protocol.AnalysisReads` of the ClickHouse team ledger.

The same rows as the SQLite ledger's (:mod:`tokentrail.ledger.analysis_rows`,
:mod:`tokentrail.ledger.runs`), deduplicated with ``FINAL`` as every read of
:mod:`~tokentrail.ledger.clickhouse.reads`, in the same order (time, then dedup key) and
within the store's machine / user scope. The usage fields SQLite reads with
``json_extract`` (``speed``, ``service_tier``, ``inference_geo``) are read with
ClickHouse's JSON functions, NULL when absent or not a string, as there.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from tokentrail.ledger.costing import pico_to_usd
from tokentrail.ledger.protocol import RecordFilter
from tokentrail.ledger.runs import RunRow, RunSummary, total_runs

if TYPE_CHECKING:
    from tokentrail.analysis.rows import RequestRow
    from tokentrail.ledger.clickhouse.reads import Scope
    from tokentrail.ledger.clickhouse.store import ClickHouseLedger

__all__ = [
    "last_session_id", "message_ids", "quarter_costs", "request_rows", "run_summaries",
    "version",
]  # fmt: skip


def _json_str(field: str) -> str:
    return (
        f"if(JSONType(usage_json, '{field}') = 'String', "
        f"JSONExtractString(usage_json, '{field}'), NULL)"
    )


_SELECT = (
    "SELECT ts_ms, model, session_id, project, agent_id, message_id, input_tokens, "
    "cache_5m_tokens, cache_1h_tokens, cache_read_tokens, output_tokens, ttl_known, "
    f"web_search_requests, {_json_str('speed')}, {_json_str('service_tier')}, "
    f"{_json_str('inference_geo')}, "
    "if(JSONType(usage_json, 'iterations') = 'Array' "
    "AND JSONLength(usage_json, 'iterations') > 0, usage_json, NULL), "
    "file, line, dedup_key FROM {db}.records FINAL"
)


def _scope(store: ClickHouseLedger, flt: RecordFilter) -> Scope:
    s = store.scope.add("synthetic = 0")
    if flt.since is not None:
        s = s.add("ts_ms >= {a_since:Int64}", a_since=int(flt.since.timestamp() * 1000))
    if flt.until is not None:
        s = s.add("ts_ms < {a_until:Int64}", a_until=int(flt.until.timestamp() * 1000))
    for col in ("session_id", "model", "project"):
        val = getattr(flt, col)
        if val is not None:
            s = s.add(f"{col} = {{a_{col}:String}}", **{f"a_{col}": val})
    return s


def request_rows(store: ClickHouseLedger, flt: RecordFilter | None = None) -> Iterator[RequestRow]:
    """Non-synthetic records matching ``flt`` as analysis rows, oldest first."""
    from tokentrail.ledger.analysis_rows import request_row

    flt = flt or RecordFilter()
    s = _scope(store, flt)
    sql = f"{_SELECT}{s.where()} ORDER BY ts_ms, dedup_key"
    if flt.limit is not None:
        sql += f" LIMIT {int(flt.limit)}"
    for row in store.query(sql, s.params):
        yield request_row(tuple(row))


def last_session_id(store: ClickHouseLedger) -> str | None:
    """The session of the most recent non-synthetic record, None for an empty ledger."""
    s = store.scope.add("synthetic = 0 AND session_id != ''")
    rows = store.query(
        f"SELECT session_id FROM {{db}}.records FINAL{s.where()} "
        "ORDER BY ts_ms DESC, dedup_key DESC LIMIT 1",
        s.params,
    )
    return str(rows[0][0]) if rows else None


_RUN_SUMS = (
    "sum(1 - synthetic), sum(cost_pico IS NULL), toInt64(0), toInt64(0), "
    "sum(toInt128(ifNull(cost_pico, 0))), sum(input_tokens), sum(output_tokens), "
    "sum(cache_read_tokens), sum(cache_creation_tokens), "
    "sum(price_flags IS NOT NULL AND cost_pico IS NOT NULL), "
    "arrayStringConcat(groupUniqArrayIf(assumeNotNull(price_flags), "
    "price_flags IS NOT NULL AND cost_pico IS NOT NULL), ',')"
)


def _run_row(r: Sequence[Any]) -> RunRow:
    tags = msgspec.json.decode(r[6]) if r[6] else {}
    return RunRow(
        id=str(r[0]),
        name=str(r[1]),
        parent_id=r[2],
        started_ms=int(r[3]),
        ended_ms=None if r[4] is None else int(r[4]),
        budget=None if r[5] is None else pico_to_usd(int(r[5])),
        tags={str(k): str(v) for k, v in tags.items()},
        status=str(r[7]),
    )


def run_summaries(store: ClickHouseLedger, name: str | None = None) -> list[RunSummary]:
    """Tracked runs with their totals, descendants included, oldest first (the cost sums
    are exact Int128 picodollars, handed over as the last of the cost parts)."""
    every = [
        _run_row(r)
        for r in store.query(
            "SELECT id, name, parent_id, started_ms, ended_ms, budget_pico, tags, status "
            f"FROM {{db}}.runs FINAL{store.scope.where()} ORDER BY started_ms, id",
            store.scope.params,
        )
    ]
    s = store.scope.add("run_id IS NOT NULL")
    own = {
        str(r[0]): [*r[1:-1], r[-1] or None]
        for r in store.query(
            f"SELECT assumeNotNull(run_id) AS rid, {_RUN_SUMS} FROM {{db}}.records FINAL"
            f"{s.where()} GROUP BY rid",
            s.params,
        )
    }
    return total_runs(every, own, name)


def quarter_costs(
    store: ClickHouseLedger,
    since_ms: int | None,
    until_ms: int | None,
    models: Sequence[str],
    project: str | None,
) -> list[tuple[int, int]]:
    """(UTC quarter-hour number, cost in picodollars) of each quarter-hour with usage in
    ``[since_ms, until_ms)`` (bounds rounded down to a quarter-hour), oldest first: what
    :func:`tokentrail.ledger.heat.quarter_costs` reads from the SQLite rollups."""
    from tokentrail.ledger.rollup_sql import QUARTER_MS

    s = store.scope
    if since_ms is not None:
        s = s.add(f"intDiv(ts_ms, {QUARTER_MS}) >= {{h_lo:Int64}}", h_lo=since_ms // QUARTER_MS)
    if until_ms is not None:
        s = s.add(f"intDiv(ts_ms, {QUARTER_MS}) < {{h_hi:Int64}}", h_hi=until_ms // QUARTER_MS)
    if models:
        s = s.add("model IN {h_models:Array(String)}", h_models=list(models))
    if project is not None:
        s = s.add("project = {h_project:String}", h_project=project)
    rows = store.query(
        f"SELECT intDiv(ts_ms, {QUARTER_MS}) AS hq, sum(toInt128(ifNull(cost_pico, 0))) "
        f"FROM {{db}}.records FINAL{s.where()} GROUP BY hq ORDER BY hq",
        s.params,
    )
    return [(int(r[0]), int(r[1])) for r in rows]


def message_ids(
    store: ClickHouseLedger, session_id: str, since_ms: int, until_ms: int
) -> dict[tuple[int, str], str | None]:
    """``(ts_ms, model) -> message id`` of the session's records in ``[since_ms,
    until_ms)``; None when two records share the key or a record has no message id (as
    :func:`tokentrail.ledger.lookup.message_ids`)."""
    s = store.scope.add(
        "ts_ms >= {m_lo:Int64} AND ts_ms < {m_hi:Int64} AND session_id = {m_sid:String}",
        m_lo=since_ms, m_hi=until_ms, m_sid=session_id,
    )  # fmt: skip
    out: dict[tuple[int, str], str | None] = {}
    for ts, model, mid in store.query(
        f"SELECT ts_ms, model, message_id FROM {{db}}.records FINAL{s.where()}", s.params
    ):
        key = (int(ts), str(model))
        out[key] = None if key in out else mid
    return out


def version(store: ClickHouseLedger) -> str:
    """A value that changes whenever records are written (the dashboard's live update)."""
    rows = store.query("SELECT count(), max(written_ms) FROM {db}.records")
    return f"{int(rows[0][0]):x}.{int(rows[0][1] or 0):x}"
