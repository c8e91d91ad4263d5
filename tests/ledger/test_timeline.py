"""Time-ordered ledger reads: the last quiet gap, points, and the agent / branch rollup."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from _cc_tree import assistant, usage, write
from hypothesis import given, settings
from hypothesis import strategies as st

from tokentrail.ledger import AggregateQuery, SQLiteLedger, ingest_claude_code
from tokentrail.reports.blocks import BLOCK_MS
from tokentrail.reports.statusline import format_status, open_readonly, read_status

H = 3600 * 1000
T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def _iso(ms: int) -> str:
    return (
        datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    )


def _ledger(tmp: Path, offsets: list[int]) -> SQLiteLedger:
    lines = [
        assistant(f"m{i}", f"r{i}", _iso(T0 + o), usage(inp=10, out=5, cw1=0, cr=100))
        for i, o in enumerate(offsets)
    ]
    write(tmp / "projects" / "-p" / "s.jsonl", lines)
    ledger = SQLiteLedger(tmp / "l.sqlite3")
    ingest_claude_code(ledger, [tmp / "projects"])
    return ledger


def _brute_gap_end(ts: list[int], before: int, gap: int) -> int | None:
    ts = sorted(t for t in ts if t < before)
    if not ts:
        return None
    start = ts[-1]
    for a, b in zip(reversed(ts[:-1]), reversed(ts[1:]), strict=True):
        if b - a > gap:
            return b
        start = a
    return start


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.integers(0, 200 * H), min_size=1, max_size=30, unique=True),
    st.integers(0, 220 * H),
)
def test_last_gap_end_matches_brute_force(offsets: list[int], before: int) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        ledger = _ledger(Path(d), offsets)
        with ledger:
            got = ledger.last_gap_end(T0 + before, BLOCK_MS)
        want = _brute_gap_end([T0 + o for o in offsets], T0 + before, BLOCK_MS)
        assert got == want


def test_statusline_shows_today_active_block_and_context(tmp_path: Path) -> None:
    offsets = [0, 10 * H, 10 * H + 30 * 60_000, 11 * H]
    _ledger(tmp_path, offsets).close()
    db = open_readonly(tmp_path / "l.sqlite3")
    assert db is not None
    now = T0 + 11 * H + 15 * 60_000
    st_ = read_status(db, now, timezone.utc)
    assert st_.today_requests == 4
    assert st_.block_start_ms == T0 + 10 * H
    assert st_.block_requests == 3
    assert st_.block_cost is not None
    assert st_.block_cost_per_hour == st_.block_cost  # first → last spans one hour
    assert st_.context_tokens == 10 + 100
    line = format_status(st_)
    assert line.startswith("today <$0.01")  # a sub-cent cost never reads $0.00
    assert "3h45m left" in line
    assert "ctx 0% (sonnet-4-5)" in line
    later = read_status(db, T0 + 30 * H, timezone.utc)
    assert later.block_end_ms is None
    assert later.today_cost == Decimal(0)
    assert "no active block" in format_status(later)
    assert open_readonly(tmp_path / "missing.sqlite3") is None
    db.close()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 60 * H), min_size=1, max_size=25, unique=True))
def test_statusline_block_matches_the_blocks_report(offsets: list[int]) -> None:
    import tempfile

    from tokentrail.reports.blocks import identify_blocks

    with tempfile.TemporaryDirectory() as d:
        ledger = _ledger(Path(d), offsets)
        now = T0 + max(offsets) + 60_000
        with ledger:
            blocks = identify_blocks(ledger.usage_points(), now)
        db = open_readonly(Path(d) / "l.sqlite3")
        assert db is not None
        s = read_status(db, now, timezone.utc)
        db.close()
        active = [b for b in blocks if b.active]
        if not active:
            assert s.block_end_ms is None
        else:
            assert s.block_start_ms == active[0].start_ms
            assert s.block_cost == active[0].totals.cost
            assert s.block_requests == active[0].totals.requests


def test_agent_and_branch_rollups_follow_replacements(tmp_path: Path) -> None:
    lines = [
        assistant("m1", "r1", _iso(T0), usage(out=5), agent="a1", sidechain=True),
        assistant("m2", "r2", _iso(T0 + 1000), usage(out=7)),
    ]
    write(tmp_path / "projects" / "-p" / "s.jsonl", lines)
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        ingest_claude_code(ledger, [tmp_path / "projects"])
        agents = {r.key: r.totals.output_tokens for r in ledger.aggregate(AggregateQuery("agent"))}
        assert agents == {"subagent": 5, "main": 7}
        # a better copy of m2 arrives: the rollups replace, never add
        better = assistant("m2", "r2", _iso(T0 + 2000), usage(out=70))
        write(tmp_path / "projects" / "-p" / "t.jsonl", [better])
        ingest_claude_code(ledger, [tmp_path / "projects"])
        branches = ledger.aggregate(AggregateQuery("branch"))
        assert [(r.key, r.totals.output_tokens) for r in branches] == [("main", 75)]
        agents = {r.key: r.totals.output_tokens for r in ledger.aggregate(AggregateQuery("agent"))}
        assert agents == {"subagent": 5, "main": 70}


@settings(max_examples=20, deadline=None)
@given(
    st.lists(st.integers(0, 400 * 24 * H), min_size=1, max_size=40, unique=True),
    st.sampled_from(
        [
            "America/Santiago",
            "Europe/London",
            "Australia/Lord_Howe",
            "Pacific/Chatham",
            "America/St_Johns",
            "Asia/Kathmandu",
            "UTC",
            "America/Los_Angeles",
        ]
    ),
)
def test_day_and_month_groups_match_each_record_local_date(offsets: list[int], zone: str) -> None:
    import tempfile
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(zone)
    with tempfile.TemporaryDirectory() as d:
        ledger = _ledger(Path(d), offsets)
        with ledger:
            days = {r.key: r.totals.requests for r in ledger.aggregate(AggregateQuery("day", tz))}
            months = {
                r.key: r.totals.requests for r in ledger.aggregate(AggregateQuery("month", tz))
            }
    want_days: dict[str, int] = {}
    want_months: dict[str, int] = {}
    for o in offsets:
        local = datetime.fromtimestamp((T0 + o) / 1000, tz).date().isoformat()
        want_days[local] = want_days.get(local, 0) + 1
        want_months[local[:7]] = want_months.get(local[:7], 0) + 1
    assert days == want_days
    assert months == want_months


@settings(max_examples=20, deadline=None)
@given(
    st.lists(st.integers(0, 72 * H), min_size=1, max_size=20, unique=True),
    st.integers(0, 72 * H),
    st.integers(0, 72 * H),
)
def test_session_spans_are_the_exact_first_and_last_instants(
    offsets: list[int], a: int, b: int
) -> None:
    import tempfile

    from tokentrail.ledger.spans import session_spans

    since, until = T0 + min(a, b), T0 + max(a, b) + 1
    with tempfile.TemporaryDirectory() as tmp, _ledger(Path(tmp), offsets) as ledger:
        spans = session_spans(ledger._db)
        assert list(spans.values()) == [(T0 + min(offsets), T0 + max(offsets))]
        inside = [T0 + o for o in offsets if since <= T0 + o < until]
        got = list(session_spans(ledger._db, since, until).values())
        assert got == ([(min(inside), max(inside))] if inside else [])


def test_session_report_activity_is_a_whole_instant_with_offset(tmp_path: Path) -> None:
    from tokentrail.reports.build import ReportOptions, build_report
    from tokentrail.reports.render_csv import render_csv
    from tokentrail.reports.render_json import report_to_dict
    from tokentrail.reports.zone import parse_zone

    ledger = _ledger(tmp_path, [H + 1234, 5 * H + 56_789])
    tz = parse_zone("Europe/Berlin")
    report = build_report(ledger, "session", ReportOptions(tz=tz))
    row = report_to_dict(report)["sessions"][0]
    first = datetime.fromisoformat(row["first_activity"])
    last = datetime.fromisoformat(row["last_activity"])
    assert first.utcoffset() is not None
    assert row["first_activity"] == "2026-01-01T02:00:01+01:00"
    assert int(first.timestamp() * 1000) == T0 + H + 1000  # to the second
    assert int(last.timestamp()) == (T0 + 5 * H + 56_789) // 1000
    assert row["last_activity"] in render_csv(report)
    assert report.timezone == "Europe/Berlin"
