"""Fuzzing the ingest and every report: hostile log lines never stop the ledger.

Each example writes a few transcripts of generated lines (good ones sharing message and
request ids, hostile text, bad counts, missing or odd messages, lines nested thousands of
levels deep, broken JSON and UTF-8, odd timestamps, a BOM, CRLF), ingests them (in process
and through the worker pool) and checks that nothing raised, that every line became what
it must (a stored record under its dedup key, a duplicate, a named problem at its line, or
nothing for lines that carry no usage), and that every report renders in three zones.

The number of examples is bounded for CI (``TOKENTRAIL_FUZZ_EXAMPLES``, default 100).
"""

from __future__ import annotations

import os
import sys
from datetime import timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from _hostile import transcript
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokentrail.ledger import SQLiteLedger, ingest_claude_code
from tokentrail.reports import render_csv, render_json
from tokentrail.reports.build import ReportOptions, build_report
from tokentrail.reports.model import KINDS

EXAMPLES = int(os.environ.get("TOKENTRAIL_FUZZ_EXAMPLES", "100"))
ZONES = [timezone.utc, ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Pacific/Pago_Pago")]

sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(files=st.lists(transcript(), min_size=1, max_size=3), workers=st.sampled_from([1, 2]))
def test_hostile_lines_never_stop_the_ledger(
    tmp_path_factory: pytest.TempPathFactory,
    files: list[tuple[bytes, list[tuple[str, str | None]]]],
    workers: int,
) -> None:
    tmp = tmp_path_factory.mktemp("fuzz")
    root = tmp / "projects" / "-home-alice-src-shop"
    root.mkdir(parents=True)
    fates: dict[tuple[str, int], tuple[str, str | None]] = {}
    for i, (data, lines) in enumerate(files):
        path = root / f"5b0e8c3a-1111-4222-8333-44445555666{i}.jsonl"
        path.write_bytes(data)
        for n, fate in enumerate(lines, 1):
            fates[(str(path), n)] = fate
    with SQLiteLedger(tmp / "l.sqlite3") as ledger:
        summary = ingest_claude_code(ledger, [tmp / "projects"], workers=workers)
        problems = {(p.file, p.line): p for p in ledger.problems()}
        stored = {r.key for r in ledger.record_rows()}
        for where, (fate, _) in fates.items():
            if fate == "problem":
                text = Path(where[0]).read_bytes().splitlines()[where[1] - 1][-300:]
                assert where in problems, (text, fates[where])
                p = problems[where]
                assert p.kind
                assert p.message
            elif fate in ("record", "ignored"):
                assert where not in problems, (where, problems.get(where))
        expected = {key for where, (fate, key) in fates.items() if fate == "record"}
        maybe = {
            key
            for where, (fate, key) in fates.items()
            if fate == "record_or_problem" and where not in problems
        }
        assert expected <= stored <= expected | maybe
        assert summary.added == len(stored)
        assert summary.records == summary.added + summary.duplicates
        # Every report, in zones from UTC+14 to UTC-11, renders.
        for tz in ZONES:
            for kind in KINDS:
                if kind == "run":
                    continue
                report = build_report(ledger, kind, ReportOptions(tz=tz))
                render_json(report)
                render_csv(report, breakdown=True)
        # A second ingest changes nothing.
        again = ingest_claude_code(ledger, [tmp / "projects"], workers=workers)
        assert again.added == 0
        assert {r.key for r in ledger.record_rows()} == stored
