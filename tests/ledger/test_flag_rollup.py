"""``rollup_flags_q15`` (migration 0008) always equals the flagged records grouped by cell:
after inserts, request-less copies merged into their later copy, replacements, reprices,
deletes and edits of the grouping columns."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from _cc_tree import append, assistant, usage, write

from tokentrail.ledger import SQLiteLedger, ingest_claude_code
from tokentrail.ledger.schema import _AGENT, _BRANCH, FLAGGED_WHERE, QUARTER_MS

HAIKU = "claude-haiku-4-5-20251001"


def _from_records(db: sqlite3.Connection) -> list[tuple[object, ...]]:
    sql = (
        f"SELECT ts_ms / {QUARTER_MS}, model, project, session_id, {_AGENT.format(r='records')}, "
        f"{_BRANCH.format(r='records')}, price_flags, count(*) FROM records "
        f"WHERE {FLAGGED_WHERE} GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7"
    )
    return [tuple(r) for r in db.execute(sql)]


def _rollup(db: sqlite3.Connection) -> list[tuple[object, ...]]:
    sql = (
        "SELECT q, model, project, session_id, agent, branch, flags, requests "
        "FROM rollup_flags_q15 ORDER BY 1, 2, 3, 4, 5, 6, 7"
    )
    return [tuple(r) for r in db.execute(sql)]


def _prio(mid: str, req: str | None, ts: str, out: int, stop: str | None) -> dict[str, object]:
    u = usage(inp=1000, out=out, cw1=0, cr=0, service_tier="priority")
    return assistant(mid, req, ts, u, model=HAIKU, stop=stop)


def test_the_flag_rollup_follows_every_change(tmp_path: Path) -> None:
    log = tmp_path / "projects" / "p" / "s.jsonl"
    write(log, [
        _prio("m1", "r1", "2026-01-05T10:00:00.000Z", 5, None),  # a streaming copy...
        _prio("m1", "r1", "2026-01-05T10:00:01.000Z", 50, "end_turn"),  # ...replaced
        _prio("m2", None, "2026-01-05T10:20:00.000Z", 5, None),  # logged without requestId
        assistant("m3", "r3", "2026-01-05T11:00:00.000Z",
                  usage(inp=250_000, out=1, cw1=0, cr=0), model=HAIKU),  # window flag
        assistant("m4", "r4", "2026-01-05T11:05:00.000Z", usage(), model=HAIKU),  # exact
    ])  # fmt: skip
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        ingest_claude_code(ledger, [tmp_path / "projects"], workers=1)
        db = ledger._db
        first = _rollup(db)
        assert first == _from_records(db)
        assert sum(int(r[-1]) for r in first) == 3  # m1, m2, m3
        # the copy with its requestId merges into the request-less record (an UPDATE)
        append(log, [_prio("m2", "r2", "2026-01-05T10:20:01.000Z", 40, "end_turn")])
        ingest_claude_code(ledger, [tmp_path / "projects"], workers=1)
        assert _rollup(db) == _from_records(db)
        assert sum(int(r[-1]) for r in _rollup(db)) == 3
        # an older catalog's flags, then a reprice
        db.execute("UPDATE records SET price_flags = NULL WHERE message_id = 'm3'")
        db.execute("UPDATE records SET price_flags = 'refusal' WHERE message_id = 'm4'")
        assert _rollup(db) == _from_records(db)
        ledger.reprice()
        assert _rollup(db) == first
        # edits of the grouping columns, an unpriced record, a delete
        db.execute(
            "UPDATE records SET git_branch = 'feat', agent_type = 'x' WHERE message_id = 'm1'"
        )
        db.execute("UPDATE records SET cost_pico = NULL WHERE message_id = 'm2'")
        assert _rollup(db) == _from_records(db)
        db.execute("DELETE FROM records WHERE message_id IN ('m1', 'm3')")
        assert _rollup(db) == _from_records(db) == []


def test_the_migration_builds_it_from_stored_records(tmp_path: Path) -> None:
    log = tmp_path / "projects" / "p" / "s.jsonl"
    write(log, [_prio(f"m{i}", f"r{i}", f"2026-01-05T1{i}:00:00.000Z", 9, "end_turn")
                for i in range(5)])  # fmt: skip
    path = tmp_path / "l.sqlite3"
    with SQLiteLedger(path) as ledger:
        ingest_claude_code(ledger, [tmp_path / "projects"], workers=1)
        want = _rollup(ledger._db)
    assert sum(int(r[-1]) for r in want) == 5
    db = sqlite3.connect(path)
    db.executescript(
        "DROP TRIGGER records_flags_delete; DROP TRIGGER records_flags_update_old; "
        "DROP TRIGGER records_flags_update_new; DROP TABLE rollup_flags_q15; "
        "DELETE FROM _migrations WHERE name = '0008_flagged_records';"
    )
    db.close()
    with SQLiteLedger(path) as ledger:
        assert _rollup(ledger._db) == want
