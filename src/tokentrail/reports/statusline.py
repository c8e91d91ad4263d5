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
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal

from tokentrail.ledger.frozen import Frozen
from tokentrail.ledger.rollup_sql import CELL_COST_SUMS, pico_of
from tokentrail.ledger.uri import connect_readonly
from tokentrail.reports.block_rule import BLOCK_MS, HOUR_MS, is_active, split_blocks
from tokentrail.reports.text import escape_controls, usd_cents

__all__ = [
    "BURN_HIGH",
    "BURN_MODERATE",
    "Look",
    "Status",
    "context_window",
    "format_status",
    "make_look",
    "open_readonly",
    "read_status",
    "status_line",
]

_QUARTER_MS = 900_000

#: Burn-rate levels of the active block, in non-cache tokens (input + output) per minute
#: over its first → last request: ``high`` above :data:`BURN_HIGH`, ``moderate`` above
#: :data:`BURN_MODERATE`, else ``normal`` (ccusage's thresholds).
BURN_HIGH = 1000
BURN_MODERATE = 500
_BURN_LOOK = {"normal": ("🟢", "32"), "moderate": ("⚠️", "33"), "high": ("🚨", "31")}


class Look(Frozen):
    """How the line is dressed (ccusage ``statusline``'s options and defaults).

    ``burn``: ``off`` | ``emoji`` | ``text`` | ``emoji-text``, the burn-rate level shown
    after the block's cost per hour (``🟢``, ``(normal)``, ``🟢 (normal)``). Context is
    green below ``low`` %, yellow below ``medium`` %, red from there (only when ``color``:
    ANSI SGR codes around the context and burn-rate parts)."""

    __match_args__ = ("burn", "low", "medium", "color")
    __slots__ = __match_args__

    burn: str
    low: int
    medium: int
    color: bool

    def __init__(
        self, burn: str = "off", low: int = 50, medium: int = 80, color: bool = False
    ) -> None:
        _set = object.__setattr__
        _set(self, "burn", burn)
        _set(self, "low", low)
        _set(self, "medium", medium)
        _set(self, "color", color)


_PLAIN = Look()


class Status(Frozen):
    """What the status line shows. Money in Decimal USD; ``None`` parts are left out.

    ``block_*`` describe the active block (``block_end_ms`` None when there is none);
    ``block_cost_per_hour`` is the cost over the span first → last request, per hour.
    ``*_unpriced`` count requests that could not be priced: their cost is left out of the
    sums, and a part whose requests are all unpriced is shown as ``unpriced``, never $0.
    ``block_tokens`` (non-cache: input + output) and ``burn`` (:func:`burn_level`) rate the
    active block; ``session_*``, when the hook names a session, are its cost and counts;
    ``context_window`` None means unknown (``ctx ?``).
    """

    __match_args__ = (
        "now_ms",
        "today_cost",
        "today_unpriced",
        "today_requests",
        "block_start_ms",
        "block_end_ms",
        "block_cost",
        "block_requests",
        "block_unpriced",
        "block_cost_per_hour",
        "context_tokens",
        "context_window",
        "model",
        "block_tokens",
        "burn",
        "session_cost",
        "session_requests",
        "session_unpriced",
    )
    __slots__ = __match_args__

    now_ms: int
    today_cost: Decimal
    today_unpriced: int
    today_requests: int
    block_start_ms: int | None
    block_end_ms: int | None
    block_cost: Decimal | None
    block_requests: int
    block_unpriced: int
    block_cost_per_hour: Decimal | None
    context_tokens: int | None
    context_window: int | None
    model: str | None
    block_tokens: int
    burn: str | None
    session_cost: Decimal | None
    session_requests: int
    session_unpriced: int

    def __init__(
        self,
        now_ms: int,
        today_cost: Decimal,
        today_unpriced: int,
        today_requests: int,
        block_start_ms: int | None = None,
        block_end_ms: int | None = None,
        block_cost: Decimal | None = None,
        block_requests: int = 0,
        block_unpriced: int = 0,
        block_cost_per_hour: Decimal | None = None,
        context_tokens: int | None = None,
        context_window: int | None = None,
        model: str | None = None,
        block_tokens: int = 0,
        burn: str | None = None,
        session_cost: Decimal | None = None,
        session_requests: int = 0,
        session_unpriced: int = 0,
    ) -> None:
        values = locals()
        for name in Status.__match_args__:
            object.__setattr__(self, name, values[name])

    def replace(self, **changes: object) -> Status:
        """A copy with ``changes`` (as :func:`dataclasses.replace`)."""
        values: dict[str, object] = {f: getattr(self, f) for f in self.__match_args__}
        values.update(changes)
        return Status(**values)  # type: ignore[arg-type]


BURN_STYLES = ("off", "emoji", "text", "emoji-text")
COLOR_MODES = ("auto", "always", "never")


def make_look(
    burn: str = "off", low: int = 50, medium: int = 80, color: str = "auto", tty: bool = False
) -> Look:
    """The :class:`Look` of the status line options; raises ValueError on a bad value.

    Colours: ``always``, ``never``, or ``auto``: on when stdout is a terminal (``tty``), or
    ``$FORCE_COLOR`` is set (non-empty), never when ``$NO_COLOR`` is. Claude Code renders
    ANSI colours but runs the command on a pipe: give it ``--color always``."""
    if burn not in BURN_STYLES:
        raise ValueError(f"--visual-burn-rate must be one of {', '.join(BURN_STYLES)}")
    if color not in COLOR_MODES:
        raise ValueError(f"--color must be one of {', '.join(COLOR_MODES)}")
    if not (0 <= low <= 100 and 0 <= medium <= 100) or low > medium:
        raise ValueError(
            "context thresholds must be 0-100 with --context-low-threshold <= "
            "--context-medium-threshold"
        )
    if color == "auto":
        env = os.environ
        on = not env.get("NO_COLOR") and (tty or bool(env.get("FORCE_COLOR")))
    else:
        on = color == "always"
    return Look(burn, low, medium, on)


def context_window(model: str | None, tokens: int) -> int | None:
    """The context window of a request of ``model`` with ``tokens`` of context: 1M when it
    was larger than 200K tokens (or the id says ``[1m]``), else 200K, for a Claude model;
    None (unknown: the line shows ``ctx ?``) for any other id (a proxy's model, or
    Claude Code's ``<synthetic>``)."""
    if model is None or "claude" not in model.lower():
        return None
    return 1_000_000 if tokens > 200_000 or "[1m]" in model.lower() else 200_000


def open_readonly(path: str | os.PathLike[str]) -> sqlite3.Connection | None:
    """A read-only connection to the ledger file, or None when it does not exist yet. A
    shell prompt or Claude Code waits for the line: at most a second for a lock."""
    p = os.fspath(path)
    if not os.path.exists(p):
        return None
    return connect_readonly(p, timeout=1.0)


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
    db: sqlite3.Connection,
    now_ms: int,
    tz: tzinfo | None = None,
    session_id: str | None = None,
    session_cost: bool = False,
) -> Status:
    """Today's cost, the active block and the current context (of ``session_id``'s main
    thread when given), from a ledger connection; with ``session_cost`` also the cost of
    ``session_id`` (its subagents included) from the rollups."""
    lo, hi = _local_day_ms(now_ms, tz)
    req, unp, *parts = db.execute(
        f"SELECT coalesce(sum(requests), 0), coalesce(sum(unpriced), 0), {CELL_COST_SUMS} "
        "FROM rollup_q15 WHERE q >= ? AND q < ?",
        (lo // _QUARTER_MS, hi // _QUARTER_MS),
    ).fetchone()
    pico = pico_of(parts)
    fields: dict[str, object] = {}
    first = _active_block_first(db, now_ms)
    if first is not None:
        pts = db.execute(
            "SELECT ts_ms, coalesce(cost_pico, 0), cost_pico IS NULL, "
            "input_tokens + output_tokens FROM records "
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
                    block_tokens=sum(p[3] for p in pts[i:j]),
                )
                if last_ms > first_ms:
                    per_hour = Decimal(cost_pico) * HOUR_MS / (last_ms - first_ms)
                    fields["block_cost_per_hour"] = per_hour.scaleb(-12)
                    fields["burn"] = burn_level(int(fields["block_tokens"]), first_ms, last_ms)  # type: ignore[call-overload]
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
        fields.update(context_tokens=ctx, context_window=context_window(row[1], ctx), model=row[1])
    if session_id is not None and session_cost:
        n, unp_s, *parts = db.execute(
            f"SELECT coalesce(sum(requests), 0), coalesce(sum(unpriced), 0), {CELL_COST_SUMS} "
            "FROM rollup_q15 WHERE session_id = ?",
            (session_id,),
        ).fetchone()
        pico_s = pico_of(parts)
        fields.update(
            session_cost=Decimal(pico_s).scaleb(-12),
            session_requests=int(n),
            session_unpriced=int(unp_s),
        )
    return Status(now_ms, Decimal(pico).scaleb(-12), int(unp), int(req), **fields)  # type: ignore[arg-type]


def _money(cost: Decimal, requests: int, unpriced: int) -> str:
    """``$1.23``; ``$1.23*`` when some requests are unpriced; ``unpriced`` when all are."""
    if requests > 0 and unpriced >= requests:
        return "unpriced"
    return usd_cents(cost) + ("*" if unpriced else "")


def _paint(text: str, sgr: str, look: Look) -> str:
    return f"\x1b[{sgr}m{text}\x1b[0m" if look.color else text


def burn_level(tokens: int, first_ms: int, last_ms: int) -> str | None:
    """``normal`` / ``moderate`` / ``high`` for ``tokens`` over first → last (None: no span)."""
    if last_ms <= first_ms:
        return None
    per_minute = tokens * 60_000 // (last_ms - first_ms)
    if per_minute > BURN_HIGH:
        return "high"
    return "moderate" if per_minute > BURN_MODERATE else "normal"


def format_status(s: Status, look: Look | None = None) -> str:
    """The one-line text of ``s`` (control characters escaped; ANSI colours only with
    ``look.color``).

    Money is rounded half-up to the cent, as in the tables; ``*`` marks a cost that
    leaves unpriced requests out, ``unpriced`` a part with no priced request. ``ctx ?``:
    a model whose context window is unknown (:func:`context_window`)."""
    look = _PLAIN if look is None else look
    parts = []
    if s.session_cost is not None:
        parts.append(f"session {_money(s.session_cost, s.session_requests, s.session_unpriced)}")
    parts.append(f"today {_money(s.today_cost, s.today_requests, s.today_unpriced)}")
    if s.block_end_ms is not None and s.block_cost is not None:
        left = max(0, s.block_end_ms - s.now_ms) // 60_000
        cost = _money(s.block_cost, s.block_requests, s.block_unpriced)
        text = f"block {cost} ({left // 60}h{left % 60:02d}m left"
        if s.block_cost_per_hour is not None and cost != "unpriced":
            text += f", {usd_cents(s.block_cost_per_hour)}/h"
            level = s.burn
            if look.burn != "off" and level is not None:
                emoji, sgr = _BURN_LOOK[level]
                mark = {"emoji": emoji, "text": f"({level})"}.get(look.burn, f"{emoji} ({level})")
                text += " " + _paint(mark, sgr, look)
        parts.append(text + ")")
    else:
        parts.append("no active block")
    if s.context_tokens is not None:
        name = (s.model or "").removeprefix("claude-")
        head, _, tail = name.rpartition("-")
        if head and len(tail) == 8 and tail.isdigit():
            name = head
        if s.context_window:
            pct = 100 * s.context_tokens // s.context_window
            sgr = "32" if pct < look.low else "33" if pct < look.medium else "31"
            ctx = _paint(f"ctx {pct}%", sgr, look)
        else:
            ctx = "ctx ?"
        parts.append(f"{ctx} ({escape_controls(name)})")
    return " | ".join(parts)


def now_ms() -> int:
    """The clock, UTC milliseconds."""
    return int(time.time() * 1000)


def status_line(
    path: str | os.PathLike[str],
    tz: tzinfo | None,
    session: str | None = None,
    look: Look | None = None,
) -> str | None:
    """The status line of the ledger at ``path`` now (read-only), or None when there is no
    ledger yet; raises :class:`sqlite3.Error` when the file cannot be read as one."""
    db = open_readonly(path)
    if db is None:
        return None
    try:
        return format_status(read_status(db, now_ms(), tz, session), look)
    finally:
        db.close()
