"""Aggregates from the quarter-hour rollup tables (never a scan of every record).

``group_by`` day / month / session / project / model read ``rollup_q15``; agent (subagent
type: ``main``, ``subagent`` or the type from the agent's meta file) and branch (git
branch, ``""`` when unknown) read ``rollup_dims_q15`` (same sums, same grain).

Days and months are local to the query's time zone: each UTC quarter-hour cell is mapped
to the local date of its start. Every UTC offset in use (DST included) is a whole number
of quarter-hours, so a local day is an exact union of cells. ``tz=None`` means the
process's local time (``TZ`` honoured, DST per instant, via ``time.localtime``).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime, tzinfo

from tokentrail.ledger.flagged import flag_cells, split_flags
from tokentrail.ledger.rollup_sql import CELL_SUMS, COUNT_SUMS, QUARTER_MS, pico_of
from tokentrail.ledger.totals import (
    AggregateQuery,
    AggregateRow,
    Totals,
    merge_flags,
    usd_from_pico,
)

__all__ = ["aggregate_rollups", "local_date"]

_NCOUNTS = len(COUNT_SUMS)
_QSEC = QUARTER_MS // 1000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def local_date(q: int, tz: tzinfo | None) -> date:
    """Local calendar date of the start of UTC quarter-hour ``q`` in ``tz`` (None: local)."""
    if tz is None:
        return datetime.fromtimestamp(q * _QSEC).date()
    return datetime.fromtimestamp(q * _QSEC, tz).date()


#: (flagged records, their sorted flag codes) of a group
_Flagged = tuple[int, tuple[str, ...]]
_NONE: _Flagged = (0, ())


def _totals(v: list[int], flagged: _Flagged = _NONE) -> Totals:
    (req, syn, inc, unp, inp, cc, c5, c1, cr, out, ws, wf) = v[:_NCOUNTS]
    pico = pico_of(v[_NCOUNTS:])
    return Totals(
        req, syn, inc, unp, inp, cc, c5, c1, cr, out, ws, wf, usd_from_pico(pico), *flagged
    )


def _flagged(
    db: sqlite3.Connection, query: AggregateQuery, in_range: Callable[[int], date | None]
) -> tuple[dict[str, _Flagged], dict[tuple[str, str], _Flagged]]:
    """Flagged records and codes per group key and per (key, model), grouped as the rollup
    cells are (see :mod:`tokentrail.ledger.flagged`)."""
    by = query.group_by
    since = until = None
    if query.since is not None:  # coarse (±1 day covers every offset); exact per cell
        since = (query.since.toordinal() - _EPOCH_ORDINAL - 1) * 86_400_000
    if query.until is not None:
        until = (query.until.toordinal() - _EPOCH_ORDINAL + 2) * 86_400_000
    cells = flag_cells(
        db,
        models=query.models,
        project=query.project,
        session_id=query.session_id,
        since_ms=since,
        until_ms=until,
    )
    groups: dict[str, _Flagged] = {}
    per_model: dict[tuple[str, str], _Flagged] = {}
    col = {"session": 3, "project": 2, "model": 1, "agent": 4, "branch": 5}.get(by)
    for cell in cells:
        d = in_range(cell[0])
        if d is None:
            continue
        if col is None:  # day or month
            key = d.isoformat() if by == "day" else d.isoformat()[:7]
        else:
            key = str(cell[col])
        codes, n = split_flags(cell[6]), cell[7]
        old = groups.get(key, _NONE)
        groups[key] = (old[0] + n, merge_flags(old[1], codes))
        old = per_model.get((key, cell[1]), _NONE)
        per_model[key, cell[1]] = (old[0] + n, merge_flags(old[1], codes))
    return groups, per_model


def _add(acc: dict[str, list[int]], key: str, vals: Sequence[int]) -> None:
    cur = acc.get(key)
    acc[key] = list(vals) if cur is None else [a + b for a, b in zip(cur, vals, strict=True)]


def _offset(q: int, tz: tzinfo | None) -> int:
    """UTC offset in seconds at the start of cell ``q`` in ``tz`` (None: process local)."""
    if tz is None:
        return time.localtime(q * _QSEC).tm_gmtoff
    off = datetime.fromtimestamp(q * _QSEC, tz).utcoffset()
    return int(off.total_seconds()) if off is not None else 0


def _offset_spans(lo: int, hi: int, tz: tzinfo | None) -> list[tuple[int, int, int]]:
    """``(first_q, end_q, offset_s)`` spans covering ``[lo, hi]`` with a constant offset.

    Offsets are sampled every 6 hours; a change between two samples is located exactly
    by bisection over quarter-hours (zones change offset a few times a year at most).
    """
    step = 24  # quarter-hours (6 h): shorter than any span between two transitions
    spans: list[tuple[int, int, int]] = []
    start, cur = lo, _offset(lo, tz)
    q = lo
    while q < hi:
        nxt = min(q + step, hi)
        off = _offset(nxt, tz)
        if off != cur:
            a, b = q, nxt  # offset(a) == cur, offset(b) != cur
            while b - a > 1:
                m = (a + b) // 2
                if _offset(m, tz) == cur:
                    a = m
                else:
                    b = m
            spans.append((start, b, cur))
            start, cur = b, _offset(b, tz)
            # the new span may itself end before nxt (two changes within 6 h): rescan
            q = b
            continue
        q = nxt
    spans.append((start, hi + 1, cur))
    return spans


def _where(query: AggregateQuery) -> tuple[str, list[object]]:
    conds: list[str] = []
    args: list[object] = []
    if query.models:
        conds.append(f"model IN ({', '.join('?' * len(query.models))})")
        args.extend(query.models)
    if query.project is not None:
        conds.append("project = ?")
        args.append(query.project)
    if query.session_id is not None:
        conds.append("session_id = ?")
        args.append(query.session_id)
    # Coarse prefilter on the UTC instant (±1 day covers every offset); exact below.
    if query.since is not None:
        lo = query.since.toordinal() - _EPOCH_ORDINAL
        conds.append("q >= ?")
        args.append((lo - 1) * 86400 // _QSEC)
    if query.until is not None:
        hi = query.until.toordinal() - _EPOCH_ORDINAL
        conds.append("q < ?")
        args.append((hi + 2) * 86400 // _QSEC)
    return (" WHERE " + " AND ".join(conds)) if conds else "", args


def _by_key(
    db: sqlite3.Connection,
    table: str,
    col: str,
    where: str,
    args: list[object],
    by: str,
    groups: dict[str, list[int]],
    per_model: dict[str, dict[str, list[int]]],
    projects: dict[str, tuple[int, str]],
    spans: dict[str, tuple[int, int]],
) -> None:
    """The cell-by-cell loop of :func:`aggregate_rollups` for a query without date bounds,
    with SQLite summing the cells of each ``(key, model, project)`` first: the same sums,
    the same session spans, and the same session project (that of the first cell in
    ``(q, model, project)`` order, the order the cell loop meets them in), from a few
    hundred rows instead of thousands."""
    sql = (
        f"SELECT {col}, model, project, min(q), max(q), {CELL_SUMS} FROM {table}{where} "
        f"GROUP BY {col}, model, project"
    )
    firsts: dict[str, tuple[int, str, str]] = {}
    for row in db.execute(sql, args).fetchall():
        key, model, project, lo, hi = row[:5]
        vals = row[5:]
        _add(groups, key, vals)
        _add(per_model.setdefault(key, {}), model, vals)
        if by == "session":
            first = firsts.get(key)
            if first is None or (lo, model, project) < first:
                firsts[key] = (lo, model, project)
            span = spans.get(key)
            spans[key] = (lo, hi) if span is None else (min(span[0], lo), max(span[1], hi))
    for key, (lo, _, project) in firsts.items():
        projects[key] = (lo, project)


def aggregate_rollups(db: sqlite3.Connection, query: AggregateQuery) -> list[AggregateRow]:
    """Group the rollups by ``query.group_by``; rows sorted by key."""
    where, args = _where(query)
    by = query.group_by
    tz = query.tz
    groups: dict[str, list[int]] = {}
    per_model: dict[str, dict[str, list[int]]] = {}
    projects: dict[str, tuple[int, str]] = {}
    spans: dict[str, tuple[int, int]] = {}
    dates: dict[int, date] = {}

    def in_range(q: int) -> date | None:
        d = dates.get(q)
        if d is None:
            d = dates[q] = local_date(q, tz)
        if query.since is not None and d < query.since:
            return None
        if query.until is not None and d > query.until:
            return None
        return d

    if by in ("day", "month"):
        # SQLite sums whole local days: within a span of constant UTC offset the local day
        # number of cell q is (q * 900 + offset) // 86400 (exact: offsets are multiples of
        # 15 minutes), so only one row per day × model comes back to Python.
        bounds = db.execute(f"SELECT min(q), max(q) FROM rollup_q15{where}", args).fetchone()
        spans_q = _offset_spans(bounds[0], bounds[1], tz) if bounds[0] is not None else []
        sql = (
            f"SELECT (q * {_QSEC} + ?) / 86400 AS dayn, model, {CELL_SUMS} FROM rollup_q15"
            f"{where}{' AND' if where else ' WHERE'} q >= ? AND q < ? GROUP BY dayn, model"
        )
        day_of: dict[int, date] = {}
        for lo_q, hi_q, off in spans_q:
            for row in db.execute(sql, [off, *args, lo_q, hi_q]):
                d = day_of.get(row[0])
                if d is None:
                    d = day_of[row[0]] = date.fromordinal(_EPOCH_ORDINAL + row[0])
                if (query.since is not None and d < query.since) or (
                    query.until is not None and d > query.until
                ):
                    continue
                key = d.isoformat() if by == "day" else d.isoformat()[:7]
                vals = row[2:]
                _add(groups, key, vals)
                _add(per_model.setdefault(key, {}), row[1], vals)
    else:
        col = {"session": "session_id", "project": "project", "model": "model"}.get(by, by)
        # agent (subagent type) and branch (git branch) come from the second rollup.
        table = "rollup_dims_q15" if by in ("agent", "branch") else "rollup_q15"
        if table == "rollup_dims_q15" and query.session_id is not None:
            raise ValueError("session_id filter is not available for agent / branch groups")
        if query.since is None and query.until is None:
            _by_key(db, table, col, where, args, by, groups, per_model, projects, spans)
        else:
            sql = (
                f"SELECT q, model, {col}, project, {CELL_SUMS} FROM {table}{where} "
                f"GROUP BY q, model, {col}, project"
            )
            for row in db.execute(sql, args):
                q = row[0]
                if (query.since is not None or query.until is not None) and in_range(q) is None:
                    continue
                key = row[2]
                vals = row[4:]
                _add(groups, key, vals)
                _add(per_model.setdefault(key, {}), row[1], vals)
                if by == "session":
                    first = projects.get(key)
                    if first is None or q < first[0]:
                        projects[key] = (q, row[3])
                    lo, hi = spans.get(key, (q, q))
                    spans[key] = (min(lo, q), max(hi, q))
    flag_groups, flag_models = _flagged(db, query, in_range) if groups else ({}, {})
    out: list[AggregateRow] = []
    for key in sorted(groups):
        span = spans.get(key)
        out.append(
            AggregateRow(
                key=key,
                totals=_totals(groups[key], flag_groups.get(key, _NONE)),
                models={
                    m: _totals(v, flag_models.get((key, m), _NONE))
                    for m, v in sorted(per_model[key].items())
                },
                project=projects[key][1] if key in projects else None,
                first_day=local_date(span[0], tz).isoformat() if span else None,
                last_day=local_date(span[1], tz).isoformat() if span else None,
            )
        )
    return out
