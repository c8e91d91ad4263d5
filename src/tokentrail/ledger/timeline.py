"""Time-ordered reads of the ledger for reports that need each request's instant.

5-hour blocks and the status line need per-request timestamps (a gap of five hours is not
visible in quarter-hour rollups at the right precision), so these read ``records`` through
the ``records_ts_ms`` index, never the whole table unless asked for all of history.
:func:`usage_points` also returns ``<synthetic>`` records (``synthetic=True``: local
error / limit lines, never requests, never priced) so that reports built on it count them
as the rollups do; the other reads leave them out.
Timestamps are integer milliseconds since the Unix epoch (UTC); tokens are ints; money is
integer picodollars (``cost_pico``, ``None`` for an unpriced request).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tokentrail.ledger.spans import record_filters

__all__ = [
    "POINT_COLS",
    "UsagePoint",
    "distinct_values",
    "last_gap_end",
    "latest_point",
    "point_from_row",
    "unpriced_models",
    "usage_points",
]


@dataclass(frozen=True, slots=True)
class UsagePoint:
    """One deduplicated record: its instant, model, token counts and cost.

    ``cost_pico`` is ``None`` when the request could not be priced. ``synthetic`` marks a
    ``<synthetic>`` line (Claude Code's local error / limit message): not a request, cost 0.
    ``price_flags``: the stored flag codes, comma-separated (``None``: none).
    """

    ts_ms: int
    model: str
    session_id: str
    input_tokens: int
    cache_creation_tokens: int
    cache_5m_tokens: int
    cache_1h_tokens: int
    cache_read_tokens: int
    output_tokens: int
    web_search_requests: int
    web_fetch_requests: int
    cost_pico: int | None
    is_final: bool
    is_sidechain: bool
    synthetic: bool = False
    price_flags: str | None = None


#: The record columns a :class:`UsagePoint` is read from, in :func:`point_from_row` order.
POINT_COLS = (
    "ts_ms, model, session_id, input_tokens, cache_creation_tokens, cache_5m_tokens, "
    "cache_1h_tokens, cache_read_tokens, output_tokens, web_search_requests, "
    "web_fetch_requests, cost_pico, is_final, is_sidechain, synthetic, price_flags"
)


def point_from_row(row: Any) -> UsagePoint:
    """A :class:`UsagePoint` from a row of :data:`POINT_COLS` (any backend: both give ints
    for the integer columns and str for the text ones). Positional: a blocks report reads
    every record through here."""
    r = tuple(row)
    return UsagePoint(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11],
        bool(r[12]), bool(r[13]), bool(r[14]), r[15],
    )  # fmt: skip


def usage_points(
    db: sqlite3.Connection,
    since_ms: int | None = None,
    until_ms: int | None = None,
    *,
    models: Sequence[str] = (),
    project: str | None = None,
    with_synthetic: bool = True,
) -> list[UsagePoint]:
    """Records with ``since_ms <= ts_ms < until_ms`` (``None``: unbounded), oldest first.

    ``<synthetic>`` records are included (``UsagePoint.synthetic``) unless
    ``with_synthetic`` is false; a ``models`` filter keeps only the ids it names."""
    where, args = record_filters(since_ms, until_ms, models, project, with_synthetic)
    sql = f"SELECT {POINT_COLS} FROM records{where} ORDER BY ts_ms, id"
    return [point_from_row(row) for row in db.execute(sql, args)]


def latest_point(db: sqlite3.Connection, *, main_thread: bool = False) -> UsagePoint | None:
    """The most recent request (of the main thread only when ``main_thread``), or None."""
    where = "synthetic = 0" + (" AND is_sidechain = 0" if main_thread else "")
    row = db.execute(
        f"SELECT {POINT_COLS} FROM records WHERE {where} ORDER BY ts_ms DESC, id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    return point_from_row(row)


def last_gap_end(db: sqlite3.Connection, before_ms: int, gap_ms: int) -> int | None:
    """Timestamp of the first request after the last quiet gap longer than ``gap_ms``.

    Walks back from ``before_ms`` over the time index in growing windows and stops at the
    first gap found (or at the oldest request), so a typical call reads a day of rows.
    Returns ``None`` when there is no request before ``before_ms``.
    """
    window = 2 * gap_ms
    hi = before_ms
    newest: int | None = None  # oldest request seen so far: the candidate start
    while True:
        lo = hi - window
        for (ts,) in db.execute(
            "SELECT ts_ms FROM records WHERE synthetic = 0 AND ts_ms >= ? AND ts_ms < ? "
            "ORDER BY ts_ms DESC",
            (lo, hi),
        ):
            if newest is not None and newest - ts > gap_ms:
                return newest
            newest = ts
        older = db.execute(
            "SELECT max(ts_ms) FROM records WHERE synthetic = 0 AND ts_ms < ?", (lo,)
        ).fetchone()[0]
        if older is None:
            return newest
        if newest is not None and newest - older > gap_ms:
            return newest
        hi = lo if newest is not None else older + 1
        window *= 2


def unpriced_models(db: sqlite3.Connection) -> list[tuple[str, int]]:
    """``(model, unpriced requests)`` for every model with unpriced requests."""
    return [
        (r[0], int(r[1]))
        for r in db.execute(
            "SELECT model, sum(unpriced) FROM rollup_q15 GROUP BY model "
            "HAVING sum(unpriced) > 0 ORDER BY model"
        )
    ]


def distinct_values(db: sqlite3.Connection, column: str) -> list[str]:
    """Distinct ``project`` or ``model`` values of the rollups, sorted."""
    if column not in ("project", "model"):
        raise ValueError(f"not a rollup dimension: {column!r}")
    return [r[0] for r in db.execute(f"SELECT DISTINCT {column} FROM rollup_q15 ORDER BY 1")]
