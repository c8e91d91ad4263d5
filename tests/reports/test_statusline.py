"""The status line: its active block equals ccusage's rule on the whole history (however
long a chain without a 5-hour pause), unpriced parts are shown as such, text is escaped."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokentrail.ledger import SQLiteLedger, ingest_claude_code
from tokentrail.reports.statusline import Status, format_status, open_readonly, read_status

H = 3600 * 1000
B = 5 * H
T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z
SONNET = "claude-sonnet-4-5-20250929"


def _iso(ms: int) -> str:
    dt = datetime.fromtimestamp(ms / 1000, timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _line(i: int, ts: int, model: str = SONNET, out: int = 10) -> dict[str, Any]:
    return {
        "type": "assistant",
        "uuid": f"u{i}",
        "sessionId": "s1",
        "timestamp": _iso(ts),
        "cwd": "/home/u/bot",
        "isSidechain": False,
        "requestId": f"req_{i}",
        "message": {
            "id": f"msg_{i}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": "end_turn",
            "usage": {
                "input_tokens": 10,
                "output_tokens": out,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            },
        },
    }


def _ledger(tmp: Path, stamps: list[int], model: str = SONNET) -> Path:
    f = tmp / "projects" / "-home-u-bot" / "s1.jsonl"
    f.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(_line(i, t, model, out=10 + i % 7)) for i, t in enumerate(stamps)]
    f.write_text("\n".join(lines) + "\n")
    path = tmp / "l.sqlite3"
    with SQLiteLedger(path) as ledger:
        ingest_claude_code(ledger, [tmp / "projects"])
    return path


def _oracle(rows: list[tuple[int, int]], now: int) -> tuple[int, int, int] | None:
    """ccusage's rule written out on every request up to ``now``: (start, requests, pico)."""
    blocks: list[list[int]] = []  # start, last, requests, pico
    for t, c in rows:
        if t > now:
            break
        if not blocks or t - blocks[-1][0] > B or t - blocks[-1][1] > B:
            blocks.append([t - t % H, t, 0, 0])
        blocks[-1][1] = t
        blocks[-1][2] += 1
        blocks[-1][3] += c
    if not blocks:
        return None
    start, last, n, pico = blocks[-1]
    if start <= now < start + B and now - last < B:
        return start, n, pico
    return None


def _check(path: Path, nows: list[int]) -> None:
    db = open_readonly(path)
    assert db is not None
    rows = db.execute(
        "SELECT ts_ms, coalesce(cost_pico, 0) FROM records WHERE synthetic = 0 ORDER BY ts_ms"
    ).fetchall()
    try:
        for now in nows:
            s = read_status(db, now, timezone.utc)
            want = _oracle(rows, now)
            got = (
                None
                if s.block_start_ms is None or s.block_cost is None
                else (s.block_start_ms, s.block_requests, int(s.block_cost.scaleb(12)))
            )
            assert got == want, f"now={now}"
    finally:
        db.close()


def test_block_phase_of_a_twelve_day_chain_without_a_pause(tmp_path: Path) -> None:
    # one request every 110 min (+ a few seconds) for 12 days: never a 5-hour pause, so the
    # block phase is set by the very first request, 12 days back
    stamps = [T0 + 17 * 60_000 + i * 110 * 60_000 + 37_000 * (i % 7) for i in range(163)]
    path = _ledger(tmp_path, stamps)
    last = stamps[-1]
    nows = [t + d for t in stamps[-40:] for d in (0, 1, H, 4 * H + 59 * 60_000)]
    nows += [last + 20 * 60_000]
    _check(path, nows)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.one_of(
        # short histories with pauses of every length
        st.lists(st.one_of(st.integers(1, B), st.integers(B - 60_000, 3 * B)), max_size=40),
        # chains of 11 to 33 days without a 5-hour pause (gaps of 2 h to exactly 5 h)
        st.lists(st.integers(2 * H + 1, B), min_size=130, max_size=160),
    ),
    st.lists(st.integers(0, 6 * H), min_size=1, max_size=8),
)
def test_active_block_matches_the_rule_on_all_history(gaps: list[int], later: list[int]) -> None:
    stamps: list[int] = []
    t = T0 + 5 * 60_000
    for g in [*gaps, 0]:
        stamps.append(t)
        t += g
    with tempfile.TemporaryDirectory() as d:
        path = _ledger(Path(d), stamps)
        nows = [stamps[-1] + x for x in later] + [s + 1 for s in stamps[-5:]]
        _check(path, nows)


def test_unpriced_is_shown_not_zero(tmp_path: Path) -> None:
    stamps = [T0 + 10 * H, T0 + 10 * H + 60_000]
    path = _ledger(tmp_path, stamps, model="mystery-model-x")
    db = open_readonly(path)
    assert db is not None
    s = read_status(db, T0 + 11 * H, timezone.utc)
    db.close()
    assert s.today_unpriced == 2
    assert s.block_unpriced == 2
    line = format_status(s)
    assert "$0.00" not in line
    assert line.startswith("today unpriced | block unpriced (4h00m left)")


def test_partly_unpriced_is_marked() -> None:
    s = Status(
        now_ms=T0 + H,
        today_cost=Decimal("1.005"),
        today_unpriced=1,
        today_requests=3,
        block_start_ms=T0,
        block_end_ms=T0 + B,
        block_cost=Decimal("0.165"),
        block_requests=2,
        block_unpriced=1,
        block_cost_per_hour=Decimal("0.165"),
    )
    # rounding is half-up everywhere: $1.005 → $1.01, $0.165 → $0.17
    assert format_status(s) == "today $1.01* | block $0.17* (4h00m left, $0.17/h)"


def test_model_id_is_escaped() -> None:
    s = Status(
        now_ms=T0,
        today_cost=Decimal(0),
        today_unpriced=0,
        today_requests=0,
        context_tokens=100,
        context_window=200_000,
        model="evil\x1b]0;pwned\x07-model",
    )
    line = format_status(s)
    assert "\x1b" not in line
    assert "\x07" not in line
    assert "evil\\x1b]0;pwned\\x07-model" in line
