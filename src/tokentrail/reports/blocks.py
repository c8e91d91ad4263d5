"""5-hour billing blocks, as ccusage defines them.

Requests sorted by time; a block starts at its first request's instant **floored to the
hour (UTC)** and lasts 5 hours. A request starts a new block when it falls more than 5 h
after the current block's start, or more than 5 h after the previous request. A block is
*active* when ``now`` is within it and its last request is under 5 h old; the active
block gets a burn rate (tokens per minute and USD per hour, over the span from its first
to its last request) and a projection to the block's end at that rate.

Tokens are ints (all four kinds: input, cache writes, cache reads, output); money is
Decimal USD (exact sums; burn rate and projection are rounded to the picodollar).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from tokentrail.ledger import Totals, pico_to_usd
from tokentrail.ledger.timeline import UsagePoint

__all__ = ["BLOCK_MS", "Block", "identify_blocks", "point_totals"]

#: Length of a block (and of the gap that closes one), milliseconds.
BLOCK_MS = 5 * 3600 * 1000
_HOUR_MS = 3600 * 1000
_PICO = Decimal(10) ** -12


@dataclass(slots=True)
class Block:
    """One 5-hour block: ``start_ms`` / ``end_ms`` (UTC ms, end exclusive), the first and
    last request instants, exact totals, totals per model, and, when ``active``, the burn
    rate and projection (``None`` otherwise)."""

    start_ms: int
    end_ms: int
    first_ms: int
    last_ms: int
    totals: Totals = field(default_factory=Totals)
    models: dict[str, Totals] = field(default_factory=dict)
    active: bool = False
    tokens_per_minute: float | None = None
    cost_per_hour: Decimal | None = None
    projected_tokens: int | None = None
    projected_cost: Decimal | None = None


def point_totals(p: UsagePoint) -> Totals:
    """The :class:`Totals` of one request."""
    return Totals(
        requests=1,
        incomplete=0 if p.is_final else 1,
        unpriced=1 if p.cost_pico is None else 0,
        input_tokens=p.input_tokens,
        cache_creation_tokens=p.cache_creation_tokens,
        cache_5m_tokens=p.cache_5m_tokens,
        cache_1h_tokens=p.cache_1h_tokens,
        cache_read_tokens=p.cache_read_tokens,
        output_tokens=p.output_tokens,
        web_search_requests=p.web_search_requests,
        web_fetch_requests=p.web_fetch_requests,
        cost=pico_to_usd(p.cost_pico or 0),
    )


def _finish(b: Block, now_ms: int | None) -> None:
    if now_ms is None or not (b.start_ms <= now_ms < b.end_ms and now_ms - b.last_ms < BLOCK_MS):
        return
    b.active = True
    minutes = (b.last_ms - b.first_ms) / 60_000  # float ok: a duration
    if minutes <= 0:
        return
    tokens = b.totals.total_tokens
    b.tokens_per_minute = tokens / minutes  # float ok: a rate of tokens
    cost_per_ms = b.totals.cost / Decimal(b.last_ms - b.first_ms)
    b.cost_per_hour = (cost_per_ms * _HOUR_MS).quantize(_PICO)
    remaining_ms = max(0, b.end_ms - now_ms)
    b.projected_tokens = tokens + round(tokens / (b.last_ms - b.first_ms) * remaining_ms)
    b.projected_cost = (b.totals.cost + cost_per_ms * remaining_ms).quantize(_PICO)


def identify_blocks(points: Iterable[UsagePoint], now_ms: int | None = None) -> list[Block]:
    """Group time-ordered requests into blocks; mark the active one (needs ``now_ms``)."""
    blocks: list[Block] = []
    cur: Block | None = None
    for p in points:
        ts = p.ts_ms
        if cur is None or ts - cur.start_ms > BLOCK_MS or ts - cur.last_ms > BLOCK_MS:
            if cur is not None:
                blocks.append(cur)
            start = ts - ts % _HOUR_MS
            cur = Block(start_ms=start, end_ms=start + BLOCK_MS, first_ms=ts, last_ms=ts)
        t = point_totals(p)
        cur.totals = cur.totals + t
        old = cur.models.get(p.model)
        cur.models[p.model] = t if old is None else old + t
        cur.last_ms = max(cur.last_ms, ts)
    if cur is not None:
        blocks.append(cur)
    if blocks:
        _finish(blocks[-1], now_ms)
    return blocks


def active_block(points: Sequence[UsagePoint], now_ms: int) -> Block | None:
    """The active block among ``points`` (which must start after a block boundary)."""
    blocks = identify_blocks(points, now_ms)
    return blocks[-1] if blocks and blocks[-1].active else None
