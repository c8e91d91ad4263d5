"""One short status line for a shell prompt or Claude Code's ``statusLine`` hook.

``today $4.12 | block $1.80 (2h13m left, $0.95/h) | ctx 41% (opus-4-5)``

* today: cost of the local day of ``now`` from the quarter-hour rollups (a local day is an
  exact union of cells: every UTC offset in use is a multiple of 15 minutes);
* block: the active 5-hour block (:mod:`tokentrail.reports.block_rule`), with the same
  phase as ``tokentrail blocks`` on the whole history: the last quiet gap of more than 5 h
  is found over the quarter-hour rollups (however far back), then each later block start
  with one probe of the ``records_ts_ms`` index, so no request before the active block is
  read;
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
from decimal import Decimal
from pathlib import Path

from tokentrail.ledger.uri import readonly_uri
from tokentrail.reports.block_rule import BLOCK_MS, HOUR_MS, is_active, split_blocks
from tokentrail.reports.text import escape_controls, usd_cents

__all__ = ["Status", "format_status", "open_readonly", "read_status", "status_line"]

_QUARTER_MS = 900_000


@dataclass(frozen=True, slots=True)
class Status:
    """What the status line shows. Money in Decimal USD; ``None`` parts are left out.

    ``block_*`` describe the active block (``block_end_ms`` None when there is none);
    ``block_cost_per_hour`` is the cost over the span first → last request, per hour.
    ``*_unpriced`` count requests that could not be priced: their cost is left out of the
    sums, and a part whose requests are all unpriced is shown as ``unpriced``, never $0.
    """

    now_ms: int
    today_cost: Decimal
    today_unpriced: int
    today_requests: int
    block_start_ms: int | None = None
    block_end_ms: int | None = None
    block_cost: Decimal | None = None
    block_requests: int = 0
    block_unpriced: int = 0
    block_cost_per_hour: Decimal | None = None
    context_tokens: int | None = None
    context_window: int | None = None
    model: str | None = None


def open_readonly(path: str | os.PathLike[str]) -> sqlite3.Connection | None:
    """A read-only connection to the ledger file, or None when it does not exist yet."""
    p = Path(path)
    if not p.exists():
        return None
    return sqlite3.connect(readonly_uri(str(p)), uri=True, timeout=5.0)


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


def _chain_start(db: sqlite3.Connection, latest_ms: int) -> int:
    """First request of the chain ending at ``latest_ms``: the first request after the last
    quiet gap longer than 5 h (:data:`BLOCK_MS`) at or before it, however far back.

    Walks the non-empty quarter-hours of ``rollup_q15`` (its primary key starts with ``q``),
    newest first, so the cost grows with active quarters (at most 96 a day), not requests.
    Within a quarter, or between non-empty quarters fewer than 20 apart, no two consecutive
    requests can be more than 5 h apart; only wider quarter gaps are checked against the
    exact instants (two index probes)."""
    span = BLOCK_MS // _QUARTER_MS  # 20 quarters
    cur = latest_ms // _QUARTER_MS
    for (q,) in db.execute(
        "SELECT DISTINCT q FROM rollup_q15 WHERE q < ? AND requests > 0 ORDER BY q DESC",
        (cur,),
    ):
        if cur - q >= span:
            after, before = db.execute(
                "SELECT (SELECT min(ts_ms) FROM records WHERE synthetic = 0 AND ts_ms >= ?), "
                "(SELECT max(ts_ms) FROM records WHERE synthetic = 0 AND ts_ms < ?)",
                (cur * _QUARTER_MS, cur * _QUARTER_MS),
            ).fetchone()
            if before is None:
                break
            if after - before > BLOCK_MS:
                return int(after)
        cur = q
    first = db.execute(
        "SELECT min(ts_ms) FROM records WHERE synthetic = 0 AND ts_ms >= ?",
        (cur * _QUARTER_MS,),
    ).fetchone()[0]
    return int(first)


def _active_block_first(db: sqlite3.Connection, now_ms: int) -> int | None:
    """The first request of the block that holds the last request at or before ``now``
    (None when there is no request, or the last one is 5 h old or more: no active block).

    Inside a chain without a 5-hour pause, a block ends only by length: the next block
    starts at the first request more than 5 h after this block's start (floored to the
    hour). So the blocks are found by one index probe each from the chain's start, with
    exactly the phase :func:`~tokentrail.reports.block_rule.split_blocks` gives on the
    whole history."""
    latest = db.execute(
        "SELECT max(ts_ms) FROM records WHERE synthetic = 0 AND ts_ms <= ?", (now_ms,)
    ).fetchone()[0]
    if latest is None or now_ms - latest >= BLOCK_MS:
        return None
    first = _chain_start(db, int(latest))
    while True:
        start = first - first % HOUR_MS
        nxt = db.execute(
            "SELECT min(ts_ms) FROM records WHERE synthetic = 0 AND ts_ms > ? AND ts_ms <= ?",
            (start + BLOCK_MS, now_ms),
        ).fetchone()[0]
        if nxt is None:
            return first
        first = int(nxt)


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
    first = _active_block_first(db, now_ms)
    if first is not None:
        pts = db.execute(
            "SELECT ts_ms, coalesce(cost_pico, 0), cost_pico IS NULL FROM records "
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
                    block_unpriced=sum(p[2] for p in pts[i:j]),
                )
                if last_ms > first_ms:
                    per_hour = Decimal(cost_pico) * HOUR_MS / (last_ms - first_ms)
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


def _money(cost: Decimal, requests: int, unpriced: int) -> str:
    """``$1.23``; ``$1.23*`` when some requests are unpriced; ``unpriced`` when all are."""
    if requests > 0 and unpriced >= requests:
        return "unpriced"
    return usd_cents(cost) + ("*" if unpriced else "")


def format_status(s: Status) -> str:
    """The one-line text of ``s`` (plain text, no colour, control characters escaped).

    Money is rounded half-up to the cent, as in the tables; ``*`` marks a cost that
    leaves unpriced requests out, ``unpriced`` a part with no priced request."""
    parts = [f"today {_money(s.today_cost, s.today_requests, s.today_unpriced)}"]
    if s.block_end_ms is not None and s.block_cost is not None:
        left = max(0, s.block_end_ms - s.now_ms) // 60_000
        cost = _money(s.block_cost, s.block_requests, s.block_unpriced)
        text = f"block {cost} ({left // 60}h{left % 60:02d}m left"
        if s.block_cost_per_hour is not None and cost != "unpriced":
            text += f", {usd_cents(s.block_cost_per_hour)}/h"
        parts.append(text + ")")
    else:
        parts.append("no active block")
    if s.context_tokens is not None and s.context_window:
        pct = 100 * s.context_tokens // s.context_window
        name = (s.model or "").removeprefix("claude-")
        head, _, tail = name.rpartition("-")
        if head and len(tail) == 8 and tail.isdigit():
            name = head
        parts.append(f"ctx {pct}% ({escape_controls(name)})")
    return " | ".join(parts)


def now_ms() -> int:
    """The clock, UTC milliseconds."""
    return int(time.time() * 1000)


def status_line(
    path: str | os.PathLike[str], tz: tzinfo | None, session: str | None = None
) -> str | None:
    """The status line of the ledger at ``path`` now (read-only), or None when there is no
    ledger yet; raises :class:`sqlite3.Error` when the file cannot be read as one."""
    db = open_readonly(path)
    if db is None:
        return None
    try:
        return format_status(read_status(db, now_ms(), tz, session))
    finally:
        db.close()
