"""5-hour blocks follow ccusage's rule; burn rate and projection by hand formulas."""

from __future__ import annotations

import itertools
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tokentrail.ledger.timeline import UsagePoint
from tokentrail.ledger.totals import Totals
from tokentrail.reports.blocks import BLOCK_MS, identify_blocks, point_totals

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


def _syn(ts: int) -> UsagePoint:
    return UsagePoint(ts, "<synthetic>", "s", 0, 0, 0, 0, 0, 0, 0, 0, 0, True, False, True)


def test_synthetic_lines_are_counted_in_the_block_that_holds_them() -> None:
    first = T0 + 10 * H + 30 * 60_000  # block 10:00-15:00
    pts = [_p(first, 600, 3 * 10**12), _syn(first + 30 * 60_000), _p(first + 60 * 60_000, 600)]
    now = first + 90 * 60_000
    (b,) = identify_blocks(pts, now)
    assert (b.totals.requests, b.totals.synthetic) == (2, 1)
    assert b.models["<synthetic>"].synthetic == 1
    assert b.models["<synthetic>"].requests == 0
    assert (b.first_ms, b.last_ms) == (first, first + 60 * 60_000)  # requests only
    assert b.active
    assert b.cost_per_hour == Decimal(4)  # $4 over the hour first→last request


def test_synthetic_lines_never_open_extend_or_activate_a_block() -> None:
    # a limit message 4 h after the block's end: no request block moves, and the
    # request-less block it falls in is never active, even with now inside it
    pts = [_p(T0 + 30 * 60_000), _syn(T0 + 9 * H + 5 * 60_000)]
    blocks = identify_blocks(pts, T0 + 9 * H + 10 * 60_000)
    assert [(b.start_ms, b.totals.requests, b.totals.synthetic) for b in blocks] == [
        (T0, 1, 0),
        (T0 + 9 * H, 0, 1),
    ]
    assert not any(b.active for b in blocks)
    assert blocks[1].cost_per_hour is None
    # only synthetic lines: still counted, in request-less blocks
    only = identify_blocks([_syn(T0 + 1), _syn(T0 + 2 * H), _syn(T0 + 8 * H)], T0 + 8 * H + 1)
    assert [(b.start_ms, b.totals.synthetic, b.active) for b in only] == [
        (T0, 2, False),
        (T0 + 8 * H, 1, False),
    ]


@given(
    st.lists(st.integers(0, 40 * H), max_size=40, unique=True),
    st.lists(st.integers(0, 40 * H), max_size=20, unique=True),
    st.integers(0, 45 * H),
)
def test_synthetic_lines_are_each_counted_once_in_a_window_that_holds_them(
    req: list[int], syn: list[int], now: int
) -> None:
    pts = sorted([_p(T0 + o) for o in req] + [_syn(T0 + o) for o in syn], key=lambda p: p.ts_ms)
    blocks = identify_blocks(pts, T0 + now)
    alone = identify_blocks([p for p in pts if not p.synthetic], T0 + now)
    with_requests = [b for b in blocks if b.totals.requests]
    # the request blocks are exactly those of the requests alone (bounds, activity, money)
    assert [(b.start_ms, b.first_ms, b.last_ms, b.active, b.totals.requests) for b in
            with_requests] == [(b.start_ms, b.first_ms, b.last_ms, b.active, b.totals.requests)
                               for b in alone]  # fmt: skip
    assert [b.cost_per_hour for b in with_requests] == [b.cost_per_hour for b in alone]
    assert sum(b.totals.synthetic for b in blocks) == len(syn)
    assert sum(b.totals.requests for b in blocks) == len(req)
    assert [b.start_ms for b in blocks] == sorted(b.start_ms for b in blocks)
    assert len({b.start_ms for b in blocks}) == len(blocks)
    assert not any(b.active for b in blocks if not b.totals.requests)

    # oracle: a request block holds the synthetic lines of its window; a request-less
    # block those of its window that no request window holds
    def in_req(t: int) -> bool:
        return any(b.start_ms <= t < b.end_ms for b in alone)

    for b in blocks:
        inside = [T0 + o for o in syn if b.start_ms <= T0 + o < b.end_ms]
        want = inside if b.totals.requests else [t for t in inside if not in_req(t)]
        assert b.totals.synthetic == len(want), b


_points = st.builds(
    UsagePoint,
    ts_ms=st.integers(T0, T0 + 30 * H),
    model=st.sampled_from(["m1", "m2", "<synthetic>"]),
    session_id=st.just("s"),
    input_tokens=st.integers(0, 10**9),
    cache_creation_tokens=st.integers(0, 10**9),
    cache_5m_tokens=st.integers(0, 10**9),
    cache_1h_tokens=st.integers(0, 10**9),
    cache_read_tokens=st.integers(0, 10**9),
    output_tokens=st.integers(0, 10**9),
    web_search_requests=st.integers(0, 5),
    web_fetch_requests=st.integers(0, 5),
    cost_pico=st.none() | st.integers(0, 2**63 - 1),
    is_final=st.booleans(),
    is_sidechain=st.booleans(),
    synthetic=st.booleans(),
    price_flags=st.sampled_from([None, "a", "b,c", "a,c"]),
)


@given(st.lists(_points, max_size=40))
def test_block_totals_are_the_sums_of_their_points(points: list[UsagePoint]) -> None:
    """Blocks count every point once, as :func:`point_totals` (the one-record rule) counts
    it: per model across all blocks, and each block's totals are its models' sum."""
    pts = sorted(points, key=lambda p: p.ts_ms)
    blocks = identify_blocks(pts, now_ms=T0 + 31 * H)
    for b in blocks:
        assert b.totals == sum(b.models.values(), Totals())
    for model in {p.model for p in pts}:
        want = sum((point_totals(p) for p in pts if p.model == model), Totals())
        got = sum((b.models[model] for b in blocks if model in b.models), Totals())
        assert got == want, model
    assert sum((b.totals for b in blocks), Totals()) == sum(map(point_totals, pts), Totals())
