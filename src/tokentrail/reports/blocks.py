"""5-hour billing blocks, as ccusage defines them.

Requests sorted by time; a block starts at its first request's instant **floored to the
hour (UTC)** and lasts 5 hours. A request starts a new block when it falls more than 5 h
after the current block's start, or more than 5 h after the previous request. A block is
*active* when ``now`` is within it and its last request is under 5 h old; the active
block gets a burn rate (tokens per minute and USD per hour, over the span from its first
to its last request) and a projection to the block's end at that rate.

``<synthetic>`` lines (Claude Code's local error / limit messages: never requests, never
priced) do not open, extend or activate a block: each is counted (``Totals.synthetic``,
model ``<synthetic>``) in the block whose window ``[start, end)`` holds its instant. Those
that fall outside every request block (in a quiet gap, or with no request at all) form
request-less blocks of their own by the same rule, never active, so every message is
counted exactly once and always in a block whose window holds it (such a block's window
may overlap the next request block's).

Tokens are ints (all four kinds: input, cache writes, cache reads, output); money is
Decimal USD (exact sums; burn rate and projection are rounded to the picodollar).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from tokentrail.ledger.flagged import split_flags
from tokentrail.ledger.timeline import UsagePoint
from tokentrail.ledger.totals import Totals
from tokentrail.ledger.totals import usd_from_pico as pico_to_usd
from tokentrail.reports.block_rule import BLOCK_MS, HOUR_MS, is_active, split_blocks

__all__ = ["BLOCK_MS", "Block", "identify_blocks", "point_totals"]

_PICO = Decimal(10) ** -12


@dataclass(slots=True)
class Block:
    """One 5-hour block: ``start_ms`` / ``end_ms`` (UTC ms, end exclusive), the first and
    last request instants (of its ``<synthetic>`` lines for a request-less block), exact
    totals, totals per model, and, when ``active``, the burn rate and projection (``None``
    otherwise)."""

    start_ms: int
    end_ms: int
    first_ms: int
    last_ms: int
    totals: Totals = field(default_factory=Totals)
    models: dict[str, Totals] = field(default_factory=dict)
    active: bool = False
    tokens_per_minute: float | None = None  # float ok: tokens per minute, a display rate
    cost_per_hour: Decimal | None = None
    projected_tokens: int | None = None
    projected_cost: Decimal | None = None
    sums: dict[str, list[int]] = field(default_factory=dict, repr=False)
    flag_codes: dict[str, set[str]] = field(default_factory=dict, repr=False)
    settled: bool = field(default=True, repr=False)


def point_totals(p: UsagePoint) -> Totals:
    """The :class:`Totals` of one record (a ``<synthetic>`` one counts in ``synthetic``,
    not ``requests``), as the ledger's rollups count it; a priced record with price flags is
    flagged (see :mod:`tokentrail.ledger.flagged`)."""
    flagged = 1 if p.price_flags and p.cost_pico is not None else 0
    return Totals(
        requests=0 if p.synthetic else 1,
        synthetic=1 if p.synthetic else 0,
        incomplete=0 if p.is_final or p.synthetic else 1,
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
        flagged=flagged,
        flags=split_flags(p.price_flags) if p.price_flags and flagged else (),
    )


def _finish(b: Block, now_ms: int | None, length_ms: int = BLOCK_MS) -> None:
    _settle(b)
    if now_ms is None or not is_active(b.start_ms, b.last_ms, now_ms, length_ms):
        return
    b.active = True
    minutes = (b.last_ms - b.first_ms) / 60_000  # float ok: a duration
    if minutes <= 0:
        return
    tokens = b.totals.total_tokens
    b.tokens_per_minute = tokens / minutes  # float ok: a rate of tokens
    cost_per_ms = b.totals.cost / Decimal(b.last_ms - b.first_ms)
    b.cost_per_hour = (cost_per_ms * HOUR_MS).quantize(_PICO)
    remaining_ms = max(0, b.end_ms - now_ms)
    b.projected_tokens = tokens + round(tokens / (b.last_ms - b.first_ms) * remaining_ms)
    b.projected_cost = (b.totals.cost + cost_per_ms * remaining_ms).quantize(_PICO)


def _add(b: Block, p: UsagePoint) -> None:
    """Count ``p`` in ``b``: plain int sums per model (a :class:`Totals` per point and per
    addition cost most of a blocks report), turned into totals by :func:`_settle`."""
    flagged = 1 if p.price_flags and p.cost_pico is not None else 0
    syn = 1 if p.synthetic else 0
    v = (
        1 - syn, syn, 0 if p.is_final or syn else 1, 1 if p.cost_pico is None else 0,
        p.input_tokens, p.cache_creation_tokens, p.cache_5m_tokens, p.cache_1h_tokens,
        p.cache_read_tokens, p.output_tokens, p.web_search_requests, p.web_fetch_requests,
        p.cost_pico or 0, flagged,
    )  # fmt: skip
    acc = b.sums.get(p.model)
    if acc is None:
        b.sums[p.model] = list(v)
    else:
        for i, x in enumerate(v):
            acc[i] += x
    if flagged and p.price_flags:
        b.flag_codes.setdefault(p.model, set()).update(split_flags(p.price_flags))
    b.settled = False


def _settle(b: Block) -> None:
    """Set ``b.models`` and ``b.totals`` from its sums (exact: ints and picodollars)."""
    if b.settled:
        return
    models: dict[str, Totals] = {}
    for model, v in b.sums.items():
        codes = tuple(sorted(b.flag_codes.get(model, ())))
        (req, syn, inc, unp, inp, cc, c5, c1, cr, out, ws, wf, pico, flagged) = v
        models[model] = Totals(
            req, syn, inc, unp, inp, cc, c5, c1, cr, out, ws, wf, pico_to_usd(pico), flagged, codes
        )
    total = Totals()
    for t in models.values():
        total = total + t
    b.models, b.totals, b.settled = models, total, True


def _group(pts: Sequence[UsagePoint], length_ms: int = BLOCK_MS) -> list[Block]:
    blocks: list[Block] = []
    for start, lo, hi in split_blocks([p.ts_ms for p in pts], length_ms):
        b = Block(start, start + length_ms, pts[lo].ts_ms, pts[hi - 1].ts_ms)
        for p in pts[lo:hi]:
            _add(b, p)
        blocks.append(b)
    return blocks


def _group_orphans(pts: Sequence[UsagePoint], length_ms: int = BLOCK_MS) -> list[Block]:
    """Request-less blocks of time-ordered ``<synthetic>`` points: the block rule, except
    that a point at exactly the block's end (start + 5 h) opens the next block, so every
    block's window ``[start, end)`` holds its points."""
    blocks: list[Block] = []
    for p in pts:
        b = blocks[-1] if blocks else None
        if b is None or p.ts_ms >= b.end_ms:
            start = p.ts_ms - p.ts_ms % HOUR_MS
            b = Block(start, start + length_ms, p.ts_ms, p.ts_ms)
            blocks.append(b)
        b.last_ms = p.ts_ms
        _add(b, p)
    return blocks


def identify_blocks(
    points: Iterable[UsagePoint], now_ms: int | None = None, length_ms: int = BLOCK_MS
) -> list[Block]:
    """Group time-ordered records into blocks, ordered by start; mark the active one
    (needs ``now_ms``). ``<synthetic>`` records are placed as the module docstring says.
    ``length_ms``: the block length (``--session-length``; default 5 h)."""
    pts = list(points)
    blocks = _group([p for p in pts if not p.synthetic], length_ms)
    last = blocks[-1] if blocks else None
    starts = [b.start_ms for b in blocks]
    orphans: list[UsagePoint] = []
    for p in pts:
        if not p.synthetic:
            continue
        i = bisect_right(starts, p.ts_ms) - 1
        if i >= 0 and p.ts_ms < blocks[i].end_ms:
            _add(blocks[i], p)
        else:
            orphans.append(p)
    if last is not None:
        _finish(last, now_ms, length_ms)
    if orphans:
        blocks = sorted(blocks + _group_orphans(orphans, length_ms), key=lambda b: b.start_ms)
    for b in blocks:
        _settle(b)
    return blocks


def active_block(points: Sequence[UsagePoint], now_ms: int) -> Block | None:
    """The active block among ``points`` (which must start after a block boundary)."""
    blocks = identify_blocks(points, now_ms)
    return next((b for b in blocks if b.active), None)
