"""The replayed prompt cache of one thread, call by call (hand cases)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tokentrail.analysis.cache_sim import Lot, ThreadCache
from tokentrail.analysis.rates import RateBook, Tally

DAY = date(2026, 11, 2)


def _cache() -> tuple[ThreadCache, list[tuple[int, int, bool, bool]]]:
    seen: list[tuple[int, int, bool, bool]] = []

    def sink(lot: Lot, tokens: int, pending: bool) -> None:
        seen.append((lot.start, tokens, lot.hour, pending))

    return ThreadCache(sink), seen


def test_stale_hour_reads_and_pending() -> None:
    rates = RateBook().rates("claude-sonnet-4-6", DAY, 0)
    th, seen = _cache()
    assert th.call(0, 0, 0, 3000, rates, None).unattributed == 0
    out = th.call(400, 3000, 0, 0, rates, None)  # 400 s idle: a 5m lot would have expired
    assert (out.unattributed, out.stale_1h, out.recovered) == (0, 3000, 0)
    out = th.call(500, 3000, 0, 0, rates, None)  # refreshed at 400: 100 s idle, not stale
    assert out.stale_1h == 0
    th.finish(600.0)
    assert seen == []  # fully read: nothing unread or pending


def test_ghost_recovered_only_when_the_prefix_reaches_it() -> None:
    rates = RateBook().rates("claude-sonnet-4-6", DAY, 0)
    th, seen = _cache()
    th.call(0, 0, 5000, 0, rates, None)  # 5m lot [0, 5000)
    # 20 minutes later: expired (unread) and kept as a ghost for the all-1h what-if
    out = th.call(1200, 0, 5000, 0, rates, None)
    assert out.recovered == 5000
    assert seen == [(0, 5000, False, False)]
    # after another expiry, a shortened rewrite (e.g. after compaction) does not reach the
    # ghost's end: under a 1h TTL it would still have been a write
    out = th.call(2400, 0, 2000, 0, rates, None)
    assert out.recovered == 0
    # a read of positions no lot holds is unattributed
    assert th.call(2410, 2500, 0, 0, rates, None).unattributed == 500


def test_tally_prices_each_bucket_once() -> None:
    book = RateBook()
    base = book.rates("claude-sonnet-4-6", DAY, 0)
    t = Tally()
    t.add(base, 0, 1000)
    t.add(base, 4, 10)
    t.add(base, 0, -400)
    assert t.tokens()["input"] == 600
    by = t.by_component()
    assert by["input"] == Decimal(600) * Decimal(3) / 10**6
    assert by["output"] == Decimal(10) * Decimal(15) / 10**6
    assert t.usd() == by["input"] + by["output"]
    assert t.unpriced_tokens == 0
    # the Haiku 5.5 tier row applies strictly above 100,000 prompt tokens
    low = book.rates("claude-haiku-5-5", DAY, 100_000)
    high = book.rates("claude-haiku-5-5", DAY, 100_001)
    assert (low.rate("input"), high.rate("input")) == (Decimal("0.10"), Decimal("0.50"))
    assert high.threshold == 100_000
    batch = book.rates("claude-sonnet-4-6", DAY, 0, service_tier="batch")
    assert batch.usd("input", 1000) == Decimal(1000) * Decimal(3) * Decimal("0.5") / 10**6


def test_a_one_hour_write_keeps_the_prefix_below_it() -> None:
    rates = RateBook().rates("claude-sonnet-4-6", DAY, 0)
    th, seen = _cache()
    th.call(0, 0, 20000, 0, rates, None)  # [0, 20000) 5m
    th.call(100, 20000, 0, 5000, rates, None)  # reads it, writes [20000, 25000) 1h
    assert [(lot.start, lot.end, lot.hour, lot.keep_hour) for lot in th.lots] == [
        (0, 20000, False, True),
        (20000, 25000, True, True),
    ]
    out = th.call(3000, 25000, 0, 0, rates, None)  # 2,900 s idle: under the hour
    assert (out.unattributed, out.stale_1h) == (0, 25000)
    th.finish(None)
    assert seen == []  # everything was read
