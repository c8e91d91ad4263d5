"""One short status line for a shell prompt or Claude Code's ``statusLine`` hook.

``today $4.12 · block $1.80 (2h13m left, $0.95/h) · ctx 41% (opus-4-5)``

* today: cost of the local day of ``now`` (rollups: a handful of quarter-hour cells);
* block: the active 5-hour block (see :mod:`tokentrail.reports.blocks`), found from the
  last quiet gap over the time index, so the cost does not grow with history;
* ctx: the context of the latest main-thread request of the current session (uncached
  input + cache writes + cache reads, tokens) as a share of the model's context window
  (200K tokens, or 1M when the request was larger than 200K).

Money is Decimal USD, shown to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from tokentrail.ledger import AggregateQuery, SQLiteLedger, Totals
from tokentrail.reports.blocks import BLOCK_MS, Block, identify_blocks

__all__ = ["Status", "format_status", "read_status"]

_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Status:
    """What the status line shows (``None`` parts are left out)."""

    today: Totals
    block: Block | None
    context_tokens: int | None
    context_window: int | None
    model: str | None
    now_ms: int


def read_status(
    ledger: SQLiteLedger,
    now_ms: int,
    tz: tzinfo | None = None,
    session_id: str | None = None,
) -> Status:
    """Gather today's totals, the active block and the current context from ``ledger``."""
    now = datetime.fromtimestamp(now_ms / 1000, tz) if tz else datetime.fromtimestamp(now_ms / 1000)
    day = now.date()
    rows = ledger.aggregate(AggregateQuery("day", tz, day, day))
    today = rows[0].totals if rows else Totals()
    block: Block | None = None
    start = ledger.last_gap_end(now_ms + 1, BLOCK_MS)
    if start is not None and now_ms - start < 10 * 24 * 3600 * 1000:
        blocks = identify_blocks(ledger.usage_points(start, now_ms + 1), now_ms)
        if blocks and blocks[-1].active:
            block = blocks[-1]
    latest = ledger.latest_point(main_thread=True)
    ctx = window = None
    model = None
    if latest is not None and (session_id is None or latest.session_id == session_id):
        ctx = latest.input_tokens + latest.cache_creation_tokens + latest.cache_read_tokens
        window = 1_000_000 if ctx > 200_000 else 200_000
        model = latest.model
    return Status(today, block, ctx, window, model, now_ms)


def _usd(v: Decimal) -> str:
    return f"${v.quantize(_CENT, rounding=ROUND_HALF_UP):,}"


def format_status(s: Status) -> str:
    """The one-line text of ``s`` (plain ASCII separators, no colour)."""
    parts = [f"today {_usd(s.today.cost)}" + ("*" if s.today.unpriced else "")]
    b = s.block
    if b is not None:
        left = max(0, b.end_ms - s.now_ms) // 60_000
        text = f"block {_usd(b.totals.cost)} ({left // 60}h{left % 60:02d}m left"
        if b.cost_per_hour is not None:
            text += f", {_usd(b.cost_per_hour)}/h"
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
