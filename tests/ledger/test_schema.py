"""Migrations are append-only and named; the schema is pinned; the file is private."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from tokentrail.errors import LedgerError
from tokentrail.ledger import SQLiteLedger, resolve_ledger_path
from tokentrail.ledger.schema import MIGRATIONS

#: SHA-256 (first 16 hex digits) of each released migration's script: a released entry is
#: never edited (ledgers that applied it would differ from new ones). Append, never change.
RELEASED = {
    "0001_initial": "66fc4ffe644ae108",
    "0002_rollup_dims": "25f33631332330ba",
    "0003_sources_tags_runs": "752b300a1120d462",
    "0004_checkpoint_tail_requestless": "301e3bb151434295",
    "0005_partial_source_run_indexes": "84f122c333d90c95",
    "0006_batch_outcomes": "2268e8b000429fb9",
    "0007_price_memo": "6965c12ea6d84f2c",
    "0008_flagged_records": "e6075e4ca7c72a9d",
    "0009_timestamps_in_range": "dd358be1ea2082b9",
    "0010_wide_rollup_cost": "8829a03ae80e7523",
    "0011_billing": "8e3aef0271274bd7",
}

SCHEMA = {
    "records": [
        "id", "source", "dedup_key", "message_id", "request_id", "ts_ms", "model", "session_id",
        "project", "agent_id", "agent_type", "git_branch", "client_version", "is_sidechain",
        "stop_reason", "is_final", "synthetic", "input_tokens", "cache_creation_tokens",
        "cache_5m_tokens", "cache_1h_tokens", "ttl_known", "cache_read_tokens", "output_tokens",
        "total_tokens", "web_search_requests", "web_fetch_requests", "usage_json", "cost_pico",
        "price_flags", "file", "line", "tags", "run_id",
    ],
    "rollup_q15": [
        "q", "model", "project", "session_id", "requests", "synthetic", "incomplete", "unpriced",
        "input_tokens", "cache_creation_tokens", "cache_5m_tokens", "cache_1h_tokens",
        "cache_read_tokens", "output_tokens", "web_search_requests", "web_fetch_requests",
        "cost_usd", "cost_sub",
    ],
    "checkpoints": [
        "path", "dev", "ino", "size", "mtime_ns", "byte_offset", "lines", "head_hash",
        "updated_ms", "tail_hash",
    ],
    "problems": ["id", "file", "line", "field", "kind", "message", "seen_ms"],
    "rollup_dims_q15": [
        "q", "model", "project", "agent", "branch", "requests", "synthetic", "incomplete",
        "unpriced", "input_tokens", "cache_creation_tokens", "cache_5m_tokens",
        "cache_1h_tokens", "cache_read_tokens", "output_tokens", "web_search_requests",
        "web_fetch_requests", "cost_usd", "cost_sub",
    ],
    "_migrations": ["name", "applied_at"],
    "runs": [
        "id", "name", "parent_id", "started_ms", "ended_ms", "budget_pico", "tags", "status",
    ],
    "batch_outcomes": [
        "content_hash", "file", "ts_ms", "ingested_ms", "succeeded", "errored", "expired",
        "canceled", "problems",
    ],
    "price_memo": ["fingerprint", "data", "updated_ms"],
    "rollup_flags_q15": [
        "q", "model", "project", "session_id", "agent", "branch", "flags", "requests",
    ],
    "billing_usage": [
        "width", "bucket_ms", "end_ms", "grp", "model", "api_key_id", "workspace_id",
        "service_tier", "context_window", "inference_geo", "speed", "uncached_input_tokens",
        "cache_5m_tokens", "cache_1h_tokens", "cache_read_tokens", "output_tokens",
        "web_search_requests",
    ],
    "billing_cost": [
        "bucket_ms", "end_ms", "grp", "workspace_id", "description", "cost_type", "token_type",
        "model", "service_tier", "context_window", "currency", "amount_cents",
    ],
    "billing_analytics": ["kind", "width", "bucket_ms", "end_ms", "grp", "data"],
    "billing_pulls": ["id", "report", "width", "since_ms", "until_ms", "pulled_ms", "rows"],
    "push_checkpoint": ["target", "last_id", "last_seq", "updated_ms"],
    "push_changes": ["seq", "dedup_key"],
}  # fmt: skip
TRIGGERS = {
    "records_rollup_delete",
    "records_rollup_update",
    "records_dims_delete",
    "records_dims_update",
    "records_flags_delete",
    "records_flags_update_old",
    "records_flags_update_new",
    "push_records_update",
    "push_records_delete",
    "push_records_reused_id",
}
INDEXES = {
    "records_message_id",
    "records_ts_ms",
    "records_run_id",
    "records_source_api",
    "runs_started",
    "records_requestless",
}


def test_migration_names_are_append_only() -> None:
    names = [n for n, _ in MIGRATIONS]
    assert names[: len(RELEASED)] == list(RELEASED)
    assert len(set(names)) == len(names)


def test_schema_is_pinned(tmp_path: Path) -> None:
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        assert ledger.applied_migrations() == [n for n, _ in MIGRATIONS]
        assert ledger.migrate() == []  # idempotent
    db = sqlite3.connect(tmp_path / "l.sqlite3")
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == set(SCHEMA)
    for table, cols in SCHEMA.items():
        assert [r[1] for r in db.execute(f"PRAGMA table_info({table})")] == cols, table
    kinds = {(r[0], r[1]) for r in db.execute("SELECT type, name FROM sqlite_master")}
    assert {n for t, n in kinds if t == "trigger"} == TRIGGERS
    assert {n for t, n in kinds if t == "index"} >= INDEXES
    partial = {
        r[0]: r[1] for r in db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'")
    }
    assert "WHERE run_id IS NOT NULL" in partial["records_run_id"]
    assert "records_source" not in partial  # a full index on source: every insert paid for it
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_file_mode_is_0600_even_with_a_loose_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        path = tmp_path / "sub" / "dir" / "l.sqlite3"
        with SQLiteLedger(path) as ledger:
            ledger.add([])
            for p in path.parent.iterdir():
                assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_ledger_path_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKENTRAIL_LEDGER", str(tmp_path / "env.sqlite3"))
    assert resolve_ledger_path("x.sqlite3") == Path("x.sqlite3")
    assert resolve_ledger_path(None) == tmp_path / "env.sqlite3"
    monkeypatch.delenv("TOKENTRAIL_LEDGER")
    assert resolve_ledger_path(None).name == "ledger.sqlite3"


def test_unusable_ledger_is_a_ledger_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(LedgerError):
        SQLiteLedger(bad)
    with pytest.raises(LedgerError):
        SQLiteLedger(tmp_path)  # a directory


def test_opening_a_current_ledger_does_not_wait_for_a_writer(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite3"
    SQLiteLedger(path).close()
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # e.g. an ingest holding the write lock
    try:
        with SQLiteLedger(path, timeout=0.2) as ledger:  # a report opening it
            assert ledger.count_records() == 0
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_an_older_ledger_is_migrated_on_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tokentrail.ledger.opening as opening_mod
    from tokentrail.ingest.reader import FileCheckpoint

    path = tmp_path / "l.sqlite3"
    monkeypatch.setattr(opening_mod, "MIGRATIONS", MIGRATIONS[:3])
    SQLiteLedger(path).close()
    old = sqlite3.connect(path, isolation_level=None)
    old.execute(
        "INSERT INTO checkpoints (path, dev, ino, size, mtime_ns, byte_offset, lines, "
        "head_hash, updated_ms) VALUES ('/f', 1, 2, 3, 4, 5, 6, 'h', 0)"
    )
    old.close()
    monkeypatch.setattr(opening_mod, "MIGRATIONS", MIGRATIONS)
    with SQLiteLedger(path) as ledger:
        assert ledger.applied_migrations() == [n for n, _ in MIGRATIONS]
        assert ledger.checkpoints() == {"/f": FileCheckpoint("/f", 1, 2, 3, 4, 5, 6, "h", "")}


def test_the_planner_never_scans_claude_code_records_by_source(tmp_path: Path) -> None:
    """The dedup merge looks up message ids among Claude Code records: with the partial
    source index that lookup uses a message-id index, not a scan of every record."""
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        plan = ledger._db.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM records WHERE request_id IS NULL AND "
            "message_id IS NOT NULL AND source = 'claude_code' AND message_id IN (?, ?)",
            ("a", "b"),
        ).fetchall()
        text = " ".join(str(r[-1]) for r in plan)
        assert "records_source" not in text
        assert "message_id" in text or "requestless" in text
        api = ledger._db.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM records WHERE source = ? "
            "AND source != 'claude_code'",
            ("sdk",),
        ).fetchall()
        assert "records_source_api" in " ".join(str(r[-1]) for r in api)


def test_released_migrations_are_never_edited() -> None:
    import hashlib

    got = {n: hashlib.sha256(s.encode()).hexdigest()[:16] for n, s in MIGRATIONS}
    assert {n: got[n] for n in RELEASED if n in got} == RELEASED
    assert list(got)[: len(RELEASED)] == list(RELEASED)
