"""The read-only ledger URI: odd characters in the path are escaped, never parsed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tokentrail.ledger import SQLiteLedger
from tokentrail.ledger.uri import readonly_uri
from tokentrail.reports.statusline import open_readonly


@pytest.mark.parametrize("name", ["plain", "a?mode=rw", "b#frag", "c%3fd", "sp ace"])
def test_a_ledger_under_an_odd_name_opens_read_only(tmp_path: Path, name: str) -> None:
    path = tmp_path / name / "ledger.sqlite3"
    with SQLiteLedger(path):
        pass
    for db in (sqlite3.connect(readonly_uri(str(path)), uri=True), open_readonly(path)):
        assert db is not None
        assert db.execute("SELECT count(*) FROM _migrations").fetchone()[0] > 0
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            db.execute("CREATE TABLE t (x)")
        db.close()
    assert not (tmp_path / "a").exists()  # "?mode=rw" was never read as a query


def test_the_uri_is_absolute() -> None:
    uri = readonly_uri("rel/x.sqlite3")
    assert uri.startswith("file:///")
    assert uri.endswith("/rel/x.sqlite3?mode=ro")
