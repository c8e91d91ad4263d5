"""One short status line for a shell prompt or Claude Code's ``statusLine`` hook.

``today $4.12 | block $1.80 (2h13m left, $0.95/h) | ctx 41% (opus-4-5)``

* today: cost of the local day of ``now`` from the quarter-hour rollups (a local day is an
  exact union of cells: every UTC offset in use is a multiple of 15 minutes);
* block: the active 5-hour block (:mod:`tokentrail.reports.block_rule`), found from the last
  quiet gap over the ``records_ts_ms`` index, so the cost does not grow with history;
* ctx: the context of the latest main-thread request (uncached input + cache writes +
  cache reads, tokens) as a share of the context window (200K tokens, or 1M when that
  request was larger than 200K).

Speed: a prompt hook runs this on every prompt, so it reads the ledger's SQLite file
directly, read-only, with the standard library only (no ledger, ingest or pricing import;
the queries mirror :mod:`tokentrail.ledger.timeline` and the rollup schema of
:mod:`tokentrail.ledger.schema`). Money: integer picodollars summed exactly, shown as
Decimal USD to the cent.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from tokentrail.reports.block_rule import BLOCK_MS, is_active, split_blocks

__all__ = ["Status", "format_status", "open_readonly", "read_status"]

_CENT = Decimal("0.01")
_QUARTER_MS = 900_000
_HOUR_MS = 3_600_000


@dataclass(frozen=True, slots=True)
class Status:
    """What the status line shows. Money in Decimal USD; ``None`` parts are left out.

    ``block_*`` describe the active block (``block_end_ms`` None when there is none);
    ``block_cost_per_hour`` is the cost over the span first → last request, per hour.
    """

    now_ms: int
    today_cost: Decimal
    today_unpriced: int
    today_requests: int
    block_start_ms: int | None = None
    block_end_ms: int | None = None
    block_cost: Decimal | None = None
    block_requests: int = 0
    block_cost_per_hour: Decimal | None = None
    context_tokens: int | None = None
    context_window: int | None = None
    model: str | None = None


def open_readonly(path: str | os.PathLike[str]) -> sqlite3.Connection | None:
    """A read-only connection to the ledger file, or None when it does not exist yet."""
    p = Path(path)
    if not p.exists():
        return None
    return sqlite3.connect(f"file:{p}?mode=ro", uri=True, timeout=5.0)


def _local_day_ms(now_ms: int, tz: tzinfo | None) -> tuple[int, int]:
    now = (
        datetime.fromtimestamp(now_ms / 1000, tz)
        if tz is not None
        else datetime.fromtimestamp(now_ms / 1000).astimezone()
    )
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=1)
    if tz is None:  # re-resolve the offset at each edge (DST)
        start = start.replace(tzinfo=None).astimezone()
        end = end.replace(tzinfo=None).astimezone()
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)


def _block_start_search(db: sqlite3.Connection, now_ms: int) -> int | None:
    """First request after the last gap longer than 5 h before ``now`` (as
    :func:`tokentrail.ledger.timeline.last_gap_end`): growing windows over the time index,
    at most 10 days back (a chain of blocks longer than that without a 5-hour pause is
    cut there)."""
    window = 2 * BLOCK_MS
    hi = now_ms + 1
    floor = now_ms - 10 * 24 * _HOUR_MS
    oldest: int | None = None
    while hi > floor:
        lo = max(floor, hi - window)
        for (ts,) in db.execute(
            "SELECT ts_ms FROM records WHERE synthetic = 0 AND ts_ms >= ? AND ts_ms < ? "
            "ORDER BY ts_ms DESC",
            (lo, hi),
        ):
            if oldest is not None and oldest - ts > BLOCK_MS:
                return oldest
            oldest = ts
        if oldest is None or oldest - lo > BLOCK_MS:
            # Nothing in the window at all, or a quiet stretch longer than a block below
            # the oldest request: earlier requests cannot reach the current block.
            if oldest is None:
                return None
            return oldest
        hi = lo
        window *= 2
    return oldest


def read_status(
    db: sqlite3.Connection, now_ms: int, tz: tzinfo | None = None, session_id: str | None = None
) -> Status:
    """Today's cost, the active block and the current context, from a ledger connection."""
    lo, hi = _local_day_ms(now_ms, tz)
    req, unp, pico = db.execute(
        "SELECT coalesce(sum(requests), 0), coalesce(sum(unpriced), 0), "
        "coalesce(sum(cost_pico), 0) FROM rollup_q15 WHERE q >= ? AND q < ?",
        (lo // _QUARTER_MS, hi // _QUARTER_MS),
    ).fetchone()
    fields: dict[str, object] = {}
    # The block containing now starts after the last long gap; 10 days back at most
    # (a block chain longer than that without a 5-hour pause is not a human's).
    first = _block_start_search(db, now_ms)
    if first is not None:
        pts = db.execute(
            "SELECT ts_ms, coalesce(cost_pico, 0) FROM records "
            "WHERE synthetic = 0 AND ts_ms >= ? AND ts_ms <= ? ORDER BY ts_ms",
            (first, now_ms),
        ).fetchall()
        blocks = split_blocks([p[0] for p in pts])
        if blocks:
            start, i, j = blocks[-1]
            first_ms, last_ms = pts[i][0], pts[j - 1][0]
            if is_active(start, last_ms, now_ms):
                cost_pico = sum(p[1] for p in pts[i:j])
                fields.update(
                    block_start_ms=start,
                    block_end_ms=start + BLOCK_MS,
                    block_cost=Decimal(cost_pico).scaleb(-12),
                    block_requests=j - i,
                )
                if last_ms > first_ms:
                    per_hour = Decimal(cost_pico) * _HOUR_MS / (last_ms - first_ms)
                    fields["block_cost_per_hour"] = per_hour.scaleb(-12)
    where = "synthetic = 0 AND is_sidechain = 0"
    args: tuple[object, ...] = ()
    if session_id is not None:
        where += " AND session_id = ?"
        args = (session_id,)
    row = db.execute(
        "SELECT input_tokens + cache_creation_tokens + cache_read_tokens, model FROM records "
        f"WHERE {where} ORDER BY ts_ms DESC LIMIT 1",
        args,
    ).fetchone()
    if row is not None:
        ctx = int(row[0])
        fields.update(
            context_tokens=ctx,
            context_window=1_000_000 if ctx > 200_000 else 200_000,
            model=row[1],
        )
    return Status(now_ms, Decimal(pico).scaleb(-12), int(unp), int(req), **fields)  # type: ignore[arg-type]


def _usd(v: Decimal) -> str:
    return f"${v.quantize(_CENT, rounding=ROUND_HALF_UP):,}"


def format_status(s: Status) -> str:
    """The one-line text of ``s`` (plain text, no colour)."""
    parts = [f"today {_usd(s.today_cost)}" + ("*" if s.today_unpriced else "")]
    if s.block_end_ms is not None and s.block_cost is not None:
        left = max(0, s.block_end_ms - s.now_ms) // 60_000
        text = f"block {_usd(s.block_cost)} ({left // 60}h{left % 60:02d}m left"
        if s.block_cost_per_hour is not None:
            text += f", {_usd(s.block_cost_per_hour)}/h"
        parts.append(text + ")")
    else:
        parts.append("no active block")
    if s.context_tokens is not None and s.context_window:
        pct = 100 * s.context_tokens // s.context_window
        name = (s.model or "").removeprefix("claude-")
        head, _, tail = name.rpartition("-")
        if head and len(tail) == 8 and tail.isdigit():
            name = head
        parts.append(f"ctx {pct}% ({name})")
    return " | ".join(parts)


def now_ms() -> int:
    """The clock, UTC milliseconds."""
    return int(time.time() * 1000)
