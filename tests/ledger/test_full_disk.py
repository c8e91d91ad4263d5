"""A full disk is a LedgerError (never a LedgerLockedError nor a raw sqlite3 error), the
failed batch leaves nothing behind, and the next ingest stores everything exactly."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from _cc_tree import generate

from tokentrail.errors import LedgerError, LedgerLockedError
from tokentrail.ledger import SQLiteLedger, ingest_claude_code


def test_a_full_disk_is_a_ledger_error_and_loses_nothing(tmp_path: Path) -> None:
    truth = generate(tmp_path / "tree", "400KB", 3, 0.0)
    roots = [tmp_path / "tree" / "projects"]
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        pages = ledger._db.execute("PRAGMA page_count").fetchone()[0]
        ledger._db.execute(f"PRAGMA max_page_count = {pages + 2}")  # the disk fills up
        with pytest.raises(LedgerError) as info:
            ingest_claude_code(ledger, roots, workers=1)
        assert not isinstance(info.value, LedgerLockedError)
        assert isinstance(info.value.__cause__, sqlite3.OperationalError)
        assert "full" in str(info.value)
        ledger._db.execute("PRAGMA max_page_count = 1073741823")  # space again
        ingest_claude_code(ledger, roots, workers=1)
        assert ledger.count_records() == truth["stats"]["unique_messages"]
