"""Ledger queries for the analyses: request rows in time order, the last session, id prefixes.

:func:`request_rows` and :func:`last_session_id` ask any ledger with the
:class:`~tokentrail.ledger.protocol.AnalysisReads` methods (SQLite, read-only SQLite,
ClickHouse). The SQLite ledgers answer with :func:`sqlite_request_rows`, which turns
stored records straight into
:class:`~tokentrail.analysis.rows.RequestRow` values (plain ints, no pydantic), parsing the
stored usage JSON only for records that carry ``iterations``; it is what the ``context``,
``cache`` and ``whatif`` commands feed the analyses, and gives the same figures as
``store.records(...)`` would (a test checks it). ``<synthetic>`` lines are left out.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any, Protocol

from tokentrail.analysis.rows import RequestRow, utc_day_of
from tokentrail.errors import LedgerError, TokentrailError, UserInputError
from tokentrail.ledger.protocol import AnalysisReads, RecordFilter
from tokentrail.pricing.extract import Call, read_request

__all__ = [
    "last_session_id", "request_row", "request_rows", "resolve_session_id",
    "sqlite_last_session_id", "sqlite_request_rows",
]  # fmt: skip


_SELECT = (
    "SELECT ts_ms, model, session_id, project, agent_id, message_id, input_tokens, "
    "cache_5m_tokens, cache_1h_tokens, cache_read_tokens, output_tokens, ttl_known, "
    "web_search_requests, json_extract(usage_json, '$.speed'), "
    "json_extract(usage_json, '$.service_tier'), json_extract(usage_json, '$.inference_geo'), "
    "CASE WHEN json_array_length(usage_json, '$.iterations') > 0 THEN usage_json END, "
    "file, line, dedup_key "
    "FROM records"
)


def _where(flt: RecordFilter) -> tuple[str, list[object]]:
    """The WHERE clause of :meth:`SQLiteLedger.record_rows` for ``flt``, synthetic excluded."""
    where = ["synthetic = 0"]
    args: list[object] = []
    if flt.since is not None:
        where.append("ts_ms >= ?")
        args.append(int(flt.since.timestamp() * 1000))
    if flt.until is not None:
        where.append("ts_ms < ?")
        args.append(int(flt.until.timestamp() * 1000))
    for col, val in (
        ("session_id", flt.session_id),
        ("model", flt.model),
        ("project", flt.project),
    ):
        if val is not None:
            where.append(f"{col} = ?")
            args.append(val)
    return " WHERE " + " AND ".join(where), args


def request_rows(ledger: AnalysisReads, flt: RecordFilter | None = None) -> Iterator[RequestRow]:
    """Non-synthetic records of ``ledger`` matching ``flt`` as analysis rows, oldest first."""
    return ledger.request_rows(flt)


def sqlite_request_rows(
    db: sqlite3.Connection, flt: RecordFilter | None = None
) -> Iterator[RequestRow]:
    """Non-synthetic records matching ``flt`` as analysis rows, oldest first.

    One SQL pass (pricing fields read with SQLite's JSON functions); the stored usage JSON
    is parsed in Python only for records with ``iterations``. A stored usage that cannot be
    read raises :class:`~tokentrail.errors.LedgerError` naming its log file and line.
    """
    flt = flt or RecordFilter()
    where, args = _where(flt)
    sql = _SELECT + where + " ORDER BY ts_ms, dedup_key"
    if flt.limit is not None:
        sql += f" LIMIT {int(flt.limit)}"
    cur = db.cursor()
    cur.row_factory = None
    for row in cur.execute(sql, args):
        yield request_row(row)


def request_row(row: tuple[Any, ...]) -> RequestRow:
    """One analysis row from the columns of :data:`_SELECT` (in that order): what every
    backend's query gives. The usage JSON (present only for records with ``iterations``)
    is parsed here; one that cannot be read raises :class:`LedgerError`."""
    (
        ts_ms, model, session, project, agent, message, inp, w5, w1, rd, out, ttl_known,
        search, speed, tier, geo, with_iterations, file, line, key,
    ) = row  # fmt: skip
    ts = ts_ms / 1000
    if with_iterations is not None:
        try:
            calls = read_request(with_iterations).calls
        except TokentrailError as exc:
            where_ = f"{file}:{line}" if file else key
            raise LedgerError(f"stored usage of {where_} cannot be analysed: {exc}") from exc
    else:
        calls = (Call(None, None, None, (inp, w5, w1, rd, out), not ttl_known and w5 > 0),)
    return RequestRow(
        ts=ts,
        day=utc_day_of(ts),
        model=model,
        calls=calls,
        has_iterations=with_iterations is not None,
        speed=speed,
        service_tier=tier,
        inference_geo=geo,
        web_search_requests=search,
        session_id=session or None,
        agent_id=agent,
        project=project or None,
        message_id=message,
    )


class SessionIds(Protocol):
    """A ledger that looks session ids up by prefix (every backend)."""

    def session_ids(self, prefix: str, limit: int = 6) -> list[str]: ...


def last_session_id(ledger: AnalysisReads) -> str | None:
    """The session id of the most recent non-synthetic record, None for an empty ledger."""
    return ledger.last_session_id()


def sqlite_last_session_id(db: sqlite3.Connection) -> str | None:
    """:func:`last_session_id` of a SQLite ledger connection."""
    row = db.execute(
        "SELECT session_id FROM records WHERE synthetic = 0 AND session_id != '' "
        "ORDER BY ts_ms DESC, dedup_key DESC LIMIT 1"
    ).fetchone()
    return None if row is None else str(row[0])


def resolve_session_id(ledger: SessionIds, given: str) -> str:
    """The stored session id equal to ``given``, or the only one starting with it.

    Raises :class:`~tokentrail.errors.UserInputError` when none or several match.
    """
    if not given.strip():
        raise UserInputError("the session id is empty")
    found = ledger.session_ids(given)
    if not found:
        raise UserInputError(f"no session {given!r} in the ledger (see `tokentrail session`)")
    if len(found) > 1:
        more = ", ".join(found[:5])
        raise UserInputError(f"session prefix {given!r} is ambiguous: {more}")
    return found[0]
