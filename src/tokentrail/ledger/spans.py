"""Each session's first and last activity, to the millisecond, for the session report.

The rollups hold quarter-hours; :func:`session_spans` reads from them each session's
first and last quarter-hour and then only the records of those two quarter-hours (through
the ``records_ts_ms`` index). Standard library only: the warm report path uses it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

__all__ = ["cell_filters", "record_filters", "session_spans"]

_Q_MS = 15 * 60 * 1000  # the rollups' quarter-hour


def _filters(
    column: str,
    lo: int | None,
    hi: int | None,
    models: Sequence[str],
    project: str | None,
    conds: list[str],
) -> tuple[str, list[object]]:
    """``(" WHERE ...", args)``: ``conds``, ``lo <= column < hi``, ``models``, ``project``
    (each when given); an empty clause when nothing is filtered."""
    args: list[object] = []
    if lo is not None:
        conds.append(f"{column} >= ?")
        args.append(lo)
    if hi is not None:
        conds.append(f"{column} < ?")
        args.append(hi)
    if models:
        conds.append(f"model IN ({', '.join('?' * len(models))})")
        args.extend(models)
    if project is not None:
        conds.append("project = ?")
        args.append(project)
    return (" WHERE " + " AND ".join(conds) if conds else ""), args


def record_filters(
    since_ms: int | None,
    until_ms: int | None,
    models: Sequence[str] = (),
    project: str | None = None,
    with_synthetic: bool = False,
) -> tuple[str, list[object]]:
    """``(" WHERE ...", args)`` selecting records in ``[since_ms, until_ms)`` of ``models``
    and ``project`` (each when given), ``<synthetic>`` lines only ``with_synthetic``; an
    empty clause when nothing is filtered."""
    conds = [] if with_synthetic else ["synthetic = 0"]
    return _filters("ts_ms", since_ms, until_ms, models, project, conds)


def cell_filters(
    first_q: int | None,
    end_q: int | None,
    models: Sequence[str] = (),
    project: str | None = None,
) -> tuple[str, list[object]]:
    """``(" WHERE ...", args)`` selecting the rollup cells of quarter-hours
    ``[first_q, end_q)`` of ``models`` and ``project`` (each when given)."""
    return _filters("q", first_q, end_q, models, project, [])


def session_spans(
    db: sqlite3.Connection,
    since_ms: int | None = None,
    until_ms: int | None = None,
    *,
    models: Sequence[str] = (),
    project: str | None = None,
) -> dict[str, tuple[int, int]]:
    """``session id -> (first, last)`` record instant (UTC ms) in ``[since_ms, until_ms)``,
    ``<synthetic>`` lines included (as the rollups count them). The rollups give each
    session's first and last quarter-hour; only the records of those two quarter-hours are
    read (through the ``ts_ms`` index), never the whole table."""
    where, args = cell_filters(
        None if since_ms is None else since_ms // _Q_MS,
        None if until_ms is None else -(-until_ms // _Q_MS),
        models,
        project,
    )
    quarters = db.execute(
        f"SELECT session_id, min(q), max(q) FROM rollup_q15{where} GROUP BY session_id", args
    ).fetchall()
    # the record conditions: one session, one quarter-hour, then the report's filters
    filters, rec_args = record_filters(since_ms, until_ms, models, project, True)
    rec_where = " WHERE session_id = ? AND ts_ms >= ? AND ts_ms < ?" + (
        " AND " + filters.removeprefix(" WHERE ") if filters else ""
    )
    first_sql = f"SELECT min(ts_ms) FROM records{rec_where}"
    last_sql = f"SELECT max(ts_ms) FROM records{rec_where}"
    out: dict[str, tuple[int, int]] = {}
    for sid, q_lo, q_hi in quarters:
        lo = db.execute(first_sql, [sid, q_lo * _Q_MS, (q_lo + 1) * _Q_MS, *rec_args]).fetchone()[0]
        hi = db.execute(last_sql, [sid, q_hi * _Q_MS, (q_hi + 1) * _Q_MS, *rec_args]).fetchone()[0]
        # A bound inside an end quarter-hour can leave it without a record in range: then
        # the session's whole span of quarter-hours is read.
        whole = [sid, q_lo * _Q_MS, (q_hi + 1) * _Q_MS, *rec_args]
        if lo is None:
            lo = db.execute(first_sql, whole).fetchone()[0]
        if hi is None:
            hi = db.execute(last_sql, whole).fetchone()[0]
        if lo is not None and hi is not None:
            out[str(sid)] = (int(lo), int(hi))
    return out
