"""Each session's first and last activity, to the millisecond, for the session report.

The rollups hold quarter-hours; :func:`session_spans` reads from them each session's
first and last quarter-hour and then only the records of those two quarter-hours (through
the ``records_ts_ms`` index). Standard library only: the warm report path uses it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

__all__ = ["session_spans"]

_Q_MS = 15 * 60 * 1000  # the rollups' quarter-hour


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
    conds: list[str] = []
    args: list[object] = []
    if since_ms is not None:
        conds.append("q >= ?")
        args.append(since_ms // _Q_MS)
    if until_ms is not None:
        conds.append("q < ?")
        args.append(-(-until_ms // _Q_MS))
    if models:
        conds.append(f"model IN ({', '.join('?' * len(models))})")
        args.extend(models)
    if project is not None:
        conds.append("project = ?")
        args.append(project)
    where = (" WHERE " + " AND ".join(conds)) if conds else ""
    quarters = db.execute(
        f"SELECT session_id, min(q), max(q) FROM rollup_q15{where} GROUP BY session_id", args
    ).fetchall()
    # the record conditions: one session, one quarter-hour, then the report's filters
    rec_conds = ["session_id = ?", "ts_ms >= ?", "ts_ms < ?"]
    rec_args: list[object] = []
    if since_ms is not None:
        rec_conds.append("ts_ms >= ?")
        rec_args.append(since_ms)
    if until_ms is not None:
        rec_conds.append("ts_ms < ?")
        rec_args.append(until_ms)
    if models:
        rec_conds.append(f"model IN ({', '.join('?' * len(models))})")
        rec_args.extend(models)
    if project is not None:
        rec_conds.append("project = ?")
        rec_args.append(project)
    rec_where = " WHERE " + " AND ".join(rec_conds)
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
