"""The worker pool's process settings: the garbage collector pause and its restore."""

from __future__ import annotations

import gc
import time
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


def test_wal_checkpointer_runs_after_a_poke_and_stops(tmp_path: Path) -> None:
    from tokentrail.ledger.checkpointer import WalCheckpointer

    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        ledger.commit_batch([], [], [])  # something in the WAL
        ck = WalCheckpointer(str(ledger.path))
        ck.close()  # never started: nothing to stop
        ck.poke()
        deadline = time.monotonic() + 10
        while ck.checkpoints == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert ck.checkpoints == 1
        ck.close()
        ck.close()  # idempotent
        assert ck._thread is None


def test_background_checkpoints_take_over_and_give_back(tmp_path: Path) -> None:
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        db = ledger._db
        with ledger.background_checkpoints():
            assert db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
            ledger.commit_batch([], [], [])
            assert ledger._checkpointer is not None
            ck = ledger._checkpointer
        assert ck._thread is None  # stopped
        assert ledger._checkpointer is None
        assert db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 40000


def test_big_ingest_checkpoints_in_the_background(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tokentrail.ledger.sync as sync_mod

    monkeypatch.setattr(sync_mod, "PARALLEL_MIN_BYTES", 0)
    used: list[bool] = []
    real = SQLiteLedger.background_checkpoints

    def spy(self: SQLiteLedger):  # type: ignore[no-untyped-def]
        used.append(True)
        return real(self)

    monkeypatch.setattr(SQLiteLedger, "background_checkpoints", spy)
    proj = tmp_path / "projects" / "p"
    proj.mkdir(parents=True)
    (proj / "s.jsonl").write_text('{"type": "user"}\n')
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        ingest_claude_code(ledger, [tmp_path / "projects"], workers=1)
        assert used == [True]
        assert ledger._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 40000
        assert ledger.checkpoints()
