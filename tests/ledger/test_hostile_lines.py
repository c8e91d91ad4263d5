"""Lines that once stopped or shortened an ingest: each is a named problem or a record, and
every other line of the file is still stored."""

from __future__ import annotations

import json
from datetime import timezone
from pathlib import Path

from _cc_tree import SESSION, assistant, usage, user

from tokentrail.ledger import AggregateQuery, SQLiteLedger, ingest_claude_code

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
