"""Lines that once stopped or shortened an ingest: each is a named problem or a record, and
every other line of the file is still stored."""

from __future__ import annotations

import json
import sqlite3
from datetime import timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from _cc_tree import SESSION, assistant, usage, user

from tokentrail.ledger import AggregateQuery, SQLiteLedger, ingest_claude_code
from tokentrail.reports.build import ReportOptions, build_report
from tokentrail.reports.model import KINDS

PROJ = "-home-alice-src-shop"


def _day_requests(ledger: SQLiteLedger) -> int:
    return sum(r.totals.requests for r in ledger.aggregate(AggregateQuery("day", timezone.utc)))


def test_a_byte_order_mark_keeps_the_first_record(tmp_path: Path) -> None:
    lines = [
        assistant("msg_A", "req_A", "2026-05-04T09:00:07.902Z", usage(out=412)),
        user("2026-05-04T09:01:00.000Z"),
        assistant("msg_B", "req_B", "2026-05-04T09:02:07.902Z", usage(out=7)),
    ]
    f = tmp_path / "projects" / PROJ / f"{SESSION}.jsonl"
    f.parent.mkdir(parents=True)
    f.write_bytes(b"\xef\xbb\xbf" + b"".join(json.dumps(x).encode() + b"\n" for x in lines))
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        ingest_claude_code(ledger, [tmp_path / "projects"])
        assert _day_requests(ledger) == 2
        assert list(ledger.problems()) == []
        assert sorted(r.line for r in ledger.record_rows()) == [1, 3]


def _file(tmp_path: Path, lines: list[bytes]) -> Path:
    f = tmp_path / "projects" / PROJ / f"{SESSION}.jsonl"
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_bytes(b"".join(x + b"\n" for x in lines))
    return f


def _line(msg: str, ts: str) -> bytes:
    return json.dumps(assistant(msg, f"req_{msg}", ts, usage(out=5))).encode()


@pytest.mark.parametrize("workers", [1, 2])
def test_lines_nested_too_deeply_are_problems_and_the_rest_is_stored(
    tmp_path: Path, workers: int
) -> None:
    deep = b"[" * 5000 + b"]" * 5000
    lines = [
        _line("msg_A", "2026-05-04T09:00:00.000Z"),
        b'{"type":"progress","data":' + deep + b"}",
        b'{"type":"assistant","message":{"id":"m","usage":{"input_tokens":1,"x":' + deep + b"}}}",
        _line("msg_B", "2026-05-04T09:01:00.000Z"),
    ]
    f = _file(tmp_path, lines)
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        ingest_claude_code(ledger, [tmp_path / "projects"], workers=workers)
        assert _day_requests(ledger) == 2
        got = [(p.file, p.line, p.kind) for p in ledger.problems()]
        assert got == [(str(f), 2, "too_deep"), (str(f), 3, "too_deep")]


@pytest.mark.parametrize(
    "ts",
    [
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "1970-01-01T00:00:00Z",
        "2100-01-01T00:00:00Z",
    ],
)
def test_a_timestamp_outside_the_range_is_a_problem(tmp_path: Path, ts: str) -> None:
    f = _file(tmp_path, [_line("msg_A", ts), _line("msg_B", "2026-05-04T09:01:00.000Z")])
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        ingest_claude_code(ledger, [tmp_path / "projects"])
        assert _day_requests(ledger) == 1
        (p,) = ledger.problems()
        assert (p.file, p.line, p.field, p.kind) == (str(f), 1, "timestamp", "invalid_value")
        assert "outside 2000-01-01 .. 2100-01-01" in p.message


def test_an_old_ledger_holding_such_records_moves_them_to_problems(tmp_path: Path) -> None:
    import tokentrail.ledger.opening as opening
    from tokentrail.ledger.schema import MIGRATIONS

    f = _file(tmp_path, [_line("msg_A", "2026-05-04T09:00:00.000Z"),
                         _line("msg_B", "2026-05-04T09:01:00.000Z")])  # fmt: skip
    path = tmp_path / "l.sqlite3"
    old = [m for m in MIGRATIONS if m[0] != "0009_timestamps_in_range"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(opening, "MIGRATIONS", tuple(old))
        mp.setattr("tokentrail.ledger.schema.MIGRATIONS", tuple(old))
        with SQLiteLedger(path) as ledger:
            ingest_claude_code(ledger, [tmp_path / "projects"])
    db = sqlite3.connect(path)
    db.execute("UPDATE records SET ts_ms = -62135596800000 WHERE message_id = 'msg_A'")
    db.commit()
    db.close()
    with SQLiteLedger(path) as ledger:  # migration 0009 runs
        assert _day_requests(ledger) == 1
        for tz in (timezone.utc, ZoneInfo("America/Los_Angeles"), ZoneInfo("Pacific/Kiritimati")):
            for kind in KINDS:
                if kind != "run":
                    build_report(ledger, kind, ReportOptions(tz=tz))
        (p,) = ledger.problems()
        assert (p.file, p.line, p.field, p.kind) == (str(f), 1, "timestamp", "invalid_value")
