"""What may be opened as a ledger (tokentrail.ledger.opening): a new one appears whole, and
a file that is not a ledger this version can write is refused before any write."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from pathlib import Path

import pytest

from tokentrail.errors import LedgerError
from tokentrail.ledger import SQLiteLedger
from tokentrail.ledger.schema import MIGRATIONS


def _state(path: Path) -> tuple[str, int, list[str]]:
    """(content hash, mode, files beside it): what a refusal must leave unchanged."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest, path.stat().st_mode, sorted(p.name for p in path.parent.iterdir())


def _refused(path: Path, match: str) -> None:
    before = _state(path)
    with pytest.raises(LedgerError, match=match):
        SQLiteLedger(path)
    assert _state(path) == before


def test_an_empty_file_is_not_a_new_ledger(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite3"
    path.touch(mode=0o644)
    _refused(path, "empty file, not a tokentrail ledger")


def test_another_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    os.chmod(path, 0o644)
    _refused(path, "not an SQLite database")


def test_another_programs_database_keeps_its_journal_mode(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    os.chmod(path, 0o664)
    _refused(path, "another program")
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert db.execute("SELECT name FROM sqlite_master").fetchall() == [("t",)]
    db.close()


def test_a_ledger_of_a_newer_version_is_refused_before_any_write(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite3"
    SQLiteLedger(path).close()
    db = sqlite3.connect(path)
    db.execute("INSERT INTO _migrations VALUES ('0999_from_the_future', 'x')")
    db.commit()
    db.close()
    _refused(path, "newer tokentrail .migration 0999_from_the_future")


def test_a_new_ledger_is_private_and_whole(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "l.sqlite3"
    with SQLiteLedger(path) as ledger:
        assert ledger.applied_migrations() == [n for n, _ in MIGRATIONS]
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".new")] == []


def test_an_existing_ledger_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite3"
    SQLiteLedger(path).close()
    os.chmod(path, 0o640)
    SQLiteLedger(path).close()
    assert path.stat().st_mode & 0o777 == 0o640


def test_first_runs_at_once_share_one_ledger(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite3"
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            SQLiteLedger(path).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with SQLiteLedger(path) as ledger:
        assert ledger.applied_migrations() == [n for n, _ in MIGRATIONS]
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("l.sqlite3-")) == [
        "l.sqlite3"
    ]
