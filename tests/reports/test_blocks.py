"""5-hour blocks follow ccusage's rule; burn rate and projection by hand formulas."""

from __future__ import annotations

import itertools
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tokentrail.ledger.timeline import UsagePoint
from tokentrail.reports.blocks import BLOCK_MS, identify_blocks

H = 3600 * 1000
T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def _p(ts: int, tokens: int = 100, pico: int | None = 10**12, model: str = "m") -> UsagePoint:
    return UsagePoint(ts, model, "s", tokens, 0, 0, 0, 0, 0, 0, 0, pico, True, False)


def test_block_starts_floored_to_the_hour_and_lasts_five_hours() -> None:
    pts = [_p(T0 + 2 * H + 17 * 60_000), _p(T0 + 6 * H + 59 * 60_000), _p(T0 + 7 * H + 1)]
    blocks = identify_blocks(pts)
    assert [(b.start_ms, b.end_ms) for b in blocks] == [
        (T0 + 2 * H, T0 + 7 * H),
        (T0 + 7 * H, T0 + 12 * H),
    ]
    assert [b.totals.requests for b in blocks] == [2, 1]


def test_gap_longer_than_five_hours_starts_a_new_block() -> None:
    pts = [_p(T0), _p(T0 + 60_000), _p(T0 + 60_000 + BLOCK_MS + 1)]
    blocks = identify_blocks(pts)
    assert len(blocks) == 2
    assert blocks[1].start_ms == (T0 + 60_000 + BLOCK_MS + 1) // H * H


def test_active_block_burn_rate_and_projection() -> None:
    first = T0 + 10 * H + 30 * 60_000  # block 10:00-15:00
    pts = [_p(first, 600, 3 * 10**12), _p(first + 60 * 60_000, 600, 3 * 10**12)]
    now = first + 90 * 60_000  # 12:00, 3 h left
    (b,) = identify_blocks(pts, now)
    assert b.active
    assert b.tokens_per_minute == 1200 / 60  # tokens over the 60 minutes first→last
    assert b.cost_per_hour == Decimal(6)  # $6 over one hour
    assert b.projected_cost == Decimal(6) + Decimal(6) * 3
    assert b.projected_tokens == 1200 + 20 * 180
    past = identify_blocks(pts, first + 6 * H)[0]
    assert not past.active
    assert past.cost_per_hour is None


def test_unpriced_requests_are_counted_not_zeroed() -> None:
    (b,) = identify_blocks([_p(T0, pico=None), _p(T0 + 1, pico=2 * 10**12)])
    assert b.totals.unpriced == 1
    assert b.totals.cost == Decimal(2)


@given(st.lists(st.integers(0, 40 * H), min_size=1, max_size=60))
def test_blocks_partition_requests(offsets: list[int]) -> None:
    pts = [_p(T0 + o) for o in sorted(offsets)]
    blocks = identify_blocks(pts)
    assert sum(b.totals.requests for b in blocks) == len(pts)
    for b in blocks:
        assert b.start_ms % H == 0
        assert b.start_ms <= b.first_ms <= b.last_ms <= b.end_ms == b.start_ms + BLOCK_MS
    for a, b in itertools.pairwise(blocks):
        assert b.first_ms > a.end_ms or b.first_ms - a.last_ms > BLOCK_MS
