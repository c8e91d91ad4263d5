"""Ledger queries for the analyses: the fast rows give the same figures as the public records."""

from __future__ import annotations

from pathlib import Path

import pytest
from _cc_tree import generate

from tokentrail.analysis import cache_report, session_context, split_threads
from tokentrail.analysis.whatif import reprice
from tokentrail.errors import UserInputError
from tokentrail.ledger import RecordFilter, ingest_claude_code, open_ledger
from tokentrail.ledger.analysis_rows import last_session_id, request_rows, resolve_session_id


def test_rows_match_records(tmp_path: Path) -> None:
    generate(tmp_path / "tree", size="400KB", seed=5, malformed=0.0)
    with open_ledger(tmp_path / "l.sqlite3") as ledger:
        ingest_claude_code(ledger, [tmp_path / "tree"])
        rows = list(request_rows(ledger))
        recs = list(ledger.records())
        sid = last_session_id(ledger)
        assert sid is not None
        assert resolve_session_id(ledger, sid[:12]) == sid
        with pytest.raises(UserInputError, match="no session"):
            resolve_session_id(ledger, "no-such-session")
        with pytest.raises(UserInputError, match="empty"):
            resolve_session_id(ledger, "")
        one = list(request_rows(ledger, RecordFilter(session_id=sid)))
    assert rows
    assert all(r.session_id == sid for r in one)
    assert max(r.ts for r in rows) == max(r.ts for r in one)
    assert cache_report(rows).total == cache_report(recs).total
    assert reprice(rows, batch=True) == reprice(recs, batch=True)
    by_rows, by_recs = split_threads(rows), split_threads(recs)
    assert by_rows.keys() == by_recs.keys()
    for k in by_rows:
        assert session_context(by_rows[k]).to_dict() == session_context(by_recs[k]).to_dict()


def test_bad_stored_iterations_name_the_file_and_line(tmp_path: Path) -> None:
    from tokentrail.errors import LedgerError

    generate(tmp_path / "tree", size="100KB", seed=6, malformed=0.0)
    with open_ledger(tmp_path / "l.sqlite3") as ledger:
        ingest_claude_code(ledger, [tmp_path / "tree"])
        bad = (
            '{"input_tokens": 1, "output_tokens": 1, "iterations": '
            '[{"type": "message", "input_tokens": 1.5, "output_tokens": 1}]}'
        )
        ledger._db.execute(
            "UPDATE records SET usage_json = ? WHERE id = (SELECT min(id) FROM records "
            "WHERE synthetic = 0)",
            (bad,),
        )
        (file, line) = ledger._db.execute(
            "SELECT file, line FROM records WHERE usage_json = ?", (bad,)
        ).fetchone()
        with pytest.raises(LedgerError, match=f"{file}:{line}"):
            list(request_rows(ledger))


def test_rows_with_iterations_match_records(tmp_path: Path) -> None:
    from _cc_tree import SESSION, assistant, usage, write

    iters = [
        {"type": "message", "input_tokens": 3000, "output_tokens": 200,
         "cache_read_input_tokens": 9000, "cache_creation_input_tokens": 500,
         "cache_creation": {"ephemeral_5m_input_tokens": 500, "ephemeral_1h_input_tokens": 0}},
        {"type": "compaction", "input_tokens": 12000, "output_tokens": 900,
         "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0},
        {"type": "advisor_message", "model": "claude-opus-4-8", "input_tokens": 700,
         "output_tokens": 90, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0},
        {"type": "message", "input_tokens": 1500, "output_tokens": 300,
         "cache_read_input_tokens": 0, "cache_creation_input_tokens": 1000},
    ]  # fmt: skip
    lines = [
        assistant("m1", "r1", "2026-11-02T09:00:00.000Z", usage(cw5=9000, cw1=0, cr=0)),
        assistant(
            "m2",
            "r2",
            "2026-11-02T09:02:00.000Z",
            usage(inp=1500, out=300, cw5=1000, cw1=0, cr=0, iterations=iters, speed="standard"),
        ),
        assistant("m3", "r3", "2026-11-02T09:03:00.000Z", usage(), model="<synthetic>"),
    ]
    write(tmp_path / "cfg" / "projects" / "p" / f"{SESSION}.jsonl", lines)
    with open_ledger(tmp_path / "l.sqlite3") as ledger:
        ingest_claude_code(ledger, [tmp_path / "cfg"])
        rows = list(request_rows(ledger))
        recs = list(ledger.records())
    assert len(rows) == 2  # the <synthetic> line is not a request
    assert rows[1].has_iterations
    assert [c.type for c in rows[1].calls] == [it["type"] for it in iters]
    assert rows[1].calls[2].model == "claude-opus-4-8"
    assert rows[1].speed == "standard"
    assert cache_report(rows).total == cache_report(recs).total
    assert reprice(rows, model="claude-haiku-5-5") == reprice(recs, model="claude-haiku-5-5")
    assert session_context(rows).to_dict() == session_context(recs).to_dict()
