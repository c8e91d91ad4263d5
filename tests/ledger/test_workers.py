"""The worker pool's process settings: the garbage collector pause and its restore."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from tokentrail.ledger import workers
from tokentrail.ledger.sqlite import SQLiteLedger
from tokentrail.ledger.sync import ingest_claude_code


def test_collector_paused_restores_an_enabled_collector() -> None:
    assert gc.isenabled()
    with workers.collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_collector_paused_restores_after_an_error() -> None:
    with pytest.raises(RuntimeError), workers.collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_collector_paused_leaves_a_disabled_collector_disabled() -> None:
    gc.disable()
    try:
        with workers.collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_ingest_runs_without_the_collector_and_gives_it_back(tmp_path: Path) -> None:
    seen: list[bool] = []
    proj = tmp_path / "projects" / "p"
    proj.mkdir(parents=True)
    (proj / "s.jsonl").write_text("not json\n")
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        summary = ingest_claude_code(
            ledger, [tmp_path / "projects"], progress=lambda d, t: seen.append(gc.isenabled())
        )
    assert summary.problems == 1
    assert seen
    assert not any(seen)
    assert gc.isenabled()


def test_ledger_connection_settings(tmp_path: Path) -> None:
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        db = ledger._db
        assert db.execute("PRAGMA cache_size").fetchone()[0] == -32768
        assert db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 40000
        assert db.execute("PRAGMA journal_size_limit").fetchone()[0] == 64 << 20
        assert db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
