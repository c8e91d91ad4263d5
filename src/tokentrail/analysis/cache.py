"""Does prompt caching pay? Hit ratio, savings, unread writes, TTL what-if, break-even.

Figures for a set of requests (tokens are ints, money exact :class:`~decimal.Decimal` USD of
the **token lines only**: web-search fees are the same with or without a cache and are left
out). Every call is priced at the rate row in force for it (model, UTC day, speed, prompt
size tier) times its multipliers (batch, US inference), like :func:`tokentrail.price`.

* ``hit_ratio`` = cache reads / (cache reads + cache writes + uncached input), tokens.
* ``no_cache_usd`` (**counterfactual**): the same calls with every cached token — reads and
  5m/1h writes — billed at the *input* rate of the row in force (the prompt size, hence the
  tier, is unchanged), everything else as priced. ``savings_usd`` = ``no_cache_usd -
  actual_usd`` (negative: caching cost money).
* ``unread_*`` (**inferred**, see :mod:`tokentrail.analysis.cache_sim`): cache-written
  tokens that no later call of the same thread read while they were live. ``unread_usd`` is
  what they cost at their write rate; ``unread_premium_usd`` the part above the input rate
  (what writing them to the cache added). ``pending_tokens``: still live at ``as_of``.
* ``all_5m_usd`` / ``all_1h_usd`` (**counterfactual**): every write at one TTL, hits re-judged
  by the replay (reads of 1-hour lots idle > 5 minutes become 5-minute writes; rewrites of
  5-minute lots expired < 1 hour earlier become reads).
* ``break_even``: reads per written token needed to pay the write back,
  ``(write_mult - 1) / (1 - read_mult)`` with the row's own multipliers of the input rate.

Records of a model the catalog does not know are left out and counted in
``unpriced_requests``; ``<synthetic>`` rows are skipped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from tokentrail.analysis.cache_sim import Lot, ThreadCache
from tokentrail.analysis.rates import CallRates, RateBook, Tally
from tokentrail.analysis.rows import RequestRow, sorted_rows
from tokentrail.errors import UnknownModelError
from tokentrail.pricing.breakdown import usd_str
from tokentrail.types import UsageRecord

__all__ = [
    "BreakEven",
    "CacheFigures",
    "CacheReport",
    "GroupBy",
    "break_even",
    "cache_report",
]

GroupBy = Literal["day", "project", "session"]
_IN, _W5, _W1, _RD, _OUT = range(5)
_TTLS: tuple[Literal["5m", "1h"], ...] = ("5m", "1h")


def _frac_str(f: Fraction, places: int = 6) -> str:
    q = Decimal(f.numerator) / Decimal(f.denominator)
    return usd_str(q.quantize(Decimal(1).scaleb(-places)))


@dataclass(frozen=True)
class BreakEven:
    """Break-even of a cache write for one rate row and TTL.

    ``write_multiplier`` / ``read_multiplier``: write and read rates over the input rate.
    ``reads`` = ``(write_multiplier - 1) / (1 - read_multiplier)``: how many later reads of a
    written token pay back its write premium (exact fraction); ``reads_needed`` rounds it up.
    """

    model: str
    row: str
    ttl: str
    write_multiplier: Fraction
    read_multiplier: Fraction
    reads: Fraction

    @property
    def reads_needed(self) -> int:
        """Whole reads needed to come out ahead (at least 1)."""
        return max(1, math.ceil(self.reads))

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "row": self.row,
            "ttl": self.ttl,
            "write_multiplier": _frac_str(self.write_multiplier),
            "read_multiplier": _frac_str(self.read_multiplier),
            "break_even_reads": _frac_str(self.reads),
            "break_even_reads_exact": str(self.reads),
            "reads_needed": self.reads_needed,
        }


def break_even(rates: CallRates, ttl: Literal["5m", "1h"]) -> BreakEven | None:
    """:class:`BreakEven` of ``rates`` for a ``ttl`` write; None when a rate is missing or a
    read is not cheaper than input (no break-even exists)."""
    rin, rw, rr = rates.rate("input"), rates.rate(f"cache_write_{ttl}"), rates.rate("cache_read")
    if rin is None or rw is None or rr is None or rin == 0 or rr >= rin:
        return None
    wm, rm = Fraction(rw) / Fraction(rin), Fraction(rr) / Fraction(rin)
    return BreakEven(rates.model, rates.row, ttl, wm, rm, (wm - 1) / (1 - rm))


class _Acc:
    """Mutable sums of one group."""

    __slots__ = (
        "actual",
        "all_1h",
        "all_5m",
        "no_cache",
        "pending",
        "requests",
        "unattributed",
        "unpriced",
        "unread",
        "unread_as_input",
    )

    def __init__(self) -> None:
        self.actual = Tally()
        self.no_cache = Tally()  # delta from actual
        self.all_5m = Tally()  # delta from actual
        self.all_1h = Tally()  # delta from actual
        self.unread = Tally()
        self.unread_as_input = Tally()
        self.pending = 0
        self.requests = 0
        self.unpriced = 0
        self.unattributed = 0

    def merge(self, o: _Acc) -> None:
        for name in ("actual", "no_cache", "all_5m", "all_1h", "unread", "unread_as_input"):
            getattr(self, name).merge(getattr(o, name))
        self.pending += o.pending
        self.requests += o.requests
        self.unpriced += o.unpriced
        self.unattributed += o.unattributed


def _sink(lot: Lot, tokens: int, pending: bool) -> None:
    acc = lot.group
    assert isinstance(acc, _Acc)
    if pending:
        acc.pending += tokens
    else:
        acc.unread.add(lot.rates, _W1 if lot.hour else _W5, tokens)
        acc.unread_as_input.add(lot.rates, _IN, tokens)


@dataclass(frozen=True)
class CacheFigures:
    """Cache economics of one group (see the module doc for every figure and rule).

    Token fields are tokens; ``*_usd`` fields exact USD of token lines (fees excluded).
    ``no_cache_usd``, ``all_5m_usd`` and ``all_1h_usd`` are counterfactuals; ``unread_*`` and
    ``pending_tokens`` are inferred.
    """

    key: str | None
    requests: int
    unpriced_requests: int
    input_tokens: int
    cache_write_5m_tokens: int
    cache_write_1h_tokens: int
    cache_read_tokens: int
    output_tokens: int
    actual_usd: Decimal
    cache_write_usd: Decimal
    cache_read_usd: Decimal
    no_cache_usd: Decimal
    unread_5m_tokens: int
    unread_1h_tokens: int
    unread_usd: Decimal
    unread_premium_usd: Decimal
    pending_tokens: int
    unattributed_read_tokens: int
    all_5m_usd: Decimal
    all_1h_usd: Decimal
    unpriced_tokens: int

    @property
    def hit_ratio(self) -> float | None:
        """reads / (reads + writes + uncached input); None when there was no input."""
        d = (
            self.cache_read_tokens
            + self.cache_write_5m_tokens
            + self.cache_write_1h_tokens
            + self.input_tokens
        )
        return None if d == 0 else self.cache_read_tokens / d

    @property
    def savings_usd(self) -> Decimal:
        """``no_cache_usd - actual_usd`` (counterfactual; negative = caching cost money)."""
        return self.no_cache_usd - self.actual_usd

    @property
    def cheaper_ttl(self) -> str:
        """``"5m"``, ``"1h"`` or ``"same"``: which all-one-TTL counterfactual costs less."""
        if self.all_5m_usd == self.all_1h_usd:
            return "same"
        return "5m" if self.all_5m_usd < self.all_1h_usd else "1h"

    def to_dict(self) -> dict[str, Any]:
        hr = self.hit_ratio
        return {
            "key": self.key,
            "requests": self.requests,
            "unpriced_requests": self.unpriced_requests,
            "input_tokens": self.input_tokens,
            "cache_write_5m_tokens": self.cache_write_5m_tokens,
            "cache_write_1h_tokens": self.cache_write_1h_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "output_tokens": self.output_tokens,
            "hit_ratio": None if hr is None else round(hr, 6),
            "actual_usd": usd_str(self.actual_usd),
            "cache_write_usd": usd_str(self.cache_write_usd),
            "cache_read_usd": usd_str(self.cache_read_usd),
            "counterfactual_no_cache_usd": usd_str(self.no_cache_usd),
            "savings_usd": usd_str(self.savings_usd),
            "inferred_unread_5m_tokens": self.unread_5m_tokens,
            "inferred_unread_1h_tokens": self.unread_1h_tokens,
            "inferred_unread_usd": usd_str(self.unread_usd),
            "inferred_unread_premium_usd": usd_str(self.unread_premium_usd),
            "inferred_pending_tokens": self.pending_tokens,
            "unattributed_read_tokens": self.unattributed_read_tokens,
            "counterfactual_all_5m_usd": usd_str(self.all_5m_usd),
            "counterfactual_all_1h_usd": usd_str(self.all_1h_usd),
            "cheaper_ttl": self.cheaper_ttl,
            "unpriced_tokens": self.unpriced_tokens,
        }


def _figures(key: str | None, acc: _Acc) -> CacheFigures:
    actual = acc.actual.by_component()
    tokens = acc.actual.tokens()
    total = sum(actual.values(), Decimal(0))

    def plus(delta: Tally) -> Decimal:
        return total + delta.usd()

    unread = acc.unread.tokens()
    unread_usd = acc.unread.usd()
    return CacheFigures(
        key=key,
        requests=acc.requests,
        unpriced_requests=acc.unpriced,
        input_tokens=tokens["input"],
        cache_write_5m_tokens=tokens["cache_write_5m"],
        cache_write_1h_tokens=tokens["cache_write_1h"],
        cache_read_tokens=tokens["cache_read"],
        output_tokens=tokens["output"],
        actual_usd=total,
        cache_write_usd=actual["cache_write_5m"] + actual["cache_write_1h"],
        cache_read_usd=actual["cache_read"],
        no_cache_usd=plus(acc.no_cache),
        unread_5m_tokens=unread["cache_write_5m"],
        unread_1h_tokens=unread["cache_write_1h"],
        unread_usd=unread_usd,
        unread_premium_usd=unread_usd - acc.unread_as_input.usd(),
        pending_tokens=acc.pending,
        unattributed_read_tokens=acc.unattributed,
        all_5m_usd=plus(acc.all_5m),
        all_1h_usd=plus(acc.all_1h),
        unpriced_tokens=acc.actual.unpriced_tokens,
    )


@dataclass(frozen=True)
class CacheReport:
    """Cache figures per group (``by``) and in total, plus the break-even of every rate row
    that wrote to the cache. ``as_of``: see :func:`cache_report`."""

    by: GroupBy | None
    groups: tuple[CacheFigures, ...]
    total: CacheFigures
    break_even: tuple[BreakEven, ...]
    as_of: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "groups": [g.to_dict() for g in self.groups],
            "totals": self.total.to_dict(),
            "break_even": [b.to_dict() for b in self.break_even],
            "labels": {
                "counterfactual": [
                    "counterfactual_no_cache_usd",
                    "savings_usd",
                    "counterfactual_all_5m_usd",
                    "counterfactual_all_1h_usd",
                ],
                "inferred": [
                    "inferred_unread_5m_tokens",
                    "inferred_unread_1h_tokens",
                    "inferred_unread_usd",
                    "inferred_unread_premium_usd",
                    "inferred_pending_tokens",
                ],
                "money": "exact USD of token lines (web-search fees excluded), decimal strings",
            },
        }


def _key_fn(by: GroupBy | None, tz: tzinfo | None) -> Callable[[RequestRow], str | None]:
    if by is None:
        return lambda r: None
    if by == "day":
        if tz is None:
            return lambda r: r.day.isoformat()
        return lambda r: datetime.fromtimestamp(r.ts, tz).date().isoformat()
    if by == "project":
        return lambda r: r.project
    if by == "session":
        return lambda r: r.session_id
    raise ValueError(f"by must be 'day', 'project', 'session' or None, not {by!r}")


def cache_report(
    records: Iterable[UsageRecord | RequestRow],
    *,
    by: GroupBy | None = None,
    as_of: datetime | None = None,
    tz: tzinfo | None = None,
    book: RateBook | None = None,
) -> CacheReport:
    """Cache economics of ``records`` (any order: they are sorted by time first).

    ``by``: ``day`` (UTC, or ``tz``'s local day), ``project`` or ``session``; None = one
    group. ``as_of``: when the records were read; a lot still live then counts as pending
    instead of unread. None (the default) treats the records as complete. Unread and
    what-if figures are attributed to the group of the call that wrote / that is re-priced.
    """
    book = book or RateBook()
    key_of = _key_fn(by, tz)
    groups: dict[str | None, _Acc] = {}
    threads: dict[tuple[str | None, str | None, str, bool], ThreadCache] = {}
    seen: set[CallRates] = set()
    for row in sorted_rows(records):
        key = key_of(row)
        acc = groups.get(key)
        if acc is None:
            acc = groups[key] = _Acc()
        try:
            _row(row, acc, book, threads, seen)
        except UnknownModelError:
            acc.unpriced += 1
            continue
        acc.requests += 1
    end = None if as_of is None else as_of.timestamp()
    for th in threads.values():
        th.finish(end)
    total = _Acc()
    for acc in groups.values():
        total.merge(acc)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
    bes = []
    for r in sorted(seen, key=lambda r: (r.model, r.row)):
        for ttl in _TTLS:
            be = break_even(r, ttl)
            if be is not None and be not in bes:
                bes.append(be)
    return CacheReport(
        by=by,
        groups=tuple(_figures(k, a) for k, a in ordered) if by is not None else (),
        total=_figures(None, total),
        break_even=tuple(bes),
        as_of=as_of,
    )


def _row(
    row: RequestRow,
    acc: _Acc,
    book: RateBook,
    threads: dict[tuple[str | None, str | None, str, bool], ThreadCache],
    seen: set[CallRates],
) -> None:
    """Add one request's calls to ``acc``; each call replays on its cache thread
    (session, agent, model, advisor?): an ``advisor_message`` iteration has its own prompt,
    hence its own cache prefix, even on the conversation's model."""
    # Resolve every call first so an unknown model leaves no partial sums behind.
    priced = [
        (
            c.counts,
            c.type == "advisor_message",
            book.rates(
                c.model or row.model,
                row.day,
                c.counts[0] + c.counts[1] + c.counts[2] + c.counts[3],
                speed=row.speed,
                service_tier=row.service_tier,
                inference_geo=row.inference_geo,
            ),
        )
        for c in row.calls
    ]
    for (i, w5, w1, rd, o), advisor, rates in priced:
        act = acc.actual
        act.add(rates, _IN, i)
        act.add(rates, _W5, w5)
        act.add(rates, _W1, w1)
        act.add(rates, _RD, rd)
        act.add(rates, _OUT, o)
        cached = w5 + w1 + rd
        if not cached:
            continue
        if w5 or w1:
            seen.add(rates)
        nc = acc.no_cache
        nc.add(rates, _IN, cached)
        nc.add(rates, _W5, -w5)
        nc.add(rates, _W1, -w1)
        nc.add(rates, _RD, -rd)
        tkey = (row.session_id, row.agent_id, rates.model, advisor)
        th = threads.get(tkey)
        if th is None:
            th = threads[tkey] = ThreadCache(_sink)
        out = th.call(row.ts, rd, w5, w1, rates, acc)
        acc.unattributed += out.unattributed
        a5 = acc.all_5m
        if w1:
            a5.add(rates, _W1, -w1)
            a5.add(rates, _W5, w1)
        if out.stale_1h:
            a5.add(rates, _RD, -out.stale_1h)
            a5.add(rates, _W5, out.stale_1h)
        a1 = acc.all_1h
        if w5:
            a1.add(rates, _W5, -w5)
            a1.add(rates, _W1, w5)
        if out.recovered:
            a1.add(rates, _W1, -out.recovered)
            a1.add(rates, _RD, out.recovered)
