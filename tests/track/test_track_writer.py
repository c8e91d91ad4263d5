"""The background writer: batches, flushes, survives fork, counts failures."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import pytest

from tokentrail.ingest.api_records import api_record
from tokentrail.track.writer import LedgerWriter, get_writer


def _rec(i: int) -> object:
    return api_record(
        b'{"input_tokens": 1, "output_tokens": 1}',
        source="sdk", model="claude-sonnet-4-6", ts_ms=1_800_000_000_000 + i,
        message_id=f"msg_{i}", request_id=f"req_{i}",
    )  # fmt: skip


def test_a_burst_is_one_or_few_commits(tmp_path: Path) -> None:
    w = LedgerWriter(tmp_path / "l.sqlite3")
    for i in range(500):
        w.submit(_rec(i))  # type: ignore[arg-type]
    assert w.flush(10)
    s = w.stats
    assert (s.queued, s.written, s.failed) == (500, 500, 0)
    assert s.batches <= 3
    db = sqlite3.connect(tmp_path / "l.sqlite3")
    assert db.execute("SELECT count(*) FROM records").fetchone()[0] == 500
    db.close()


def test_flush_without_anything_queued_is_immediate(tmp_path: Path) -> None:
    assert LedgerWriter(tmp_path / "x.sqlite3").flush(0.01)


def test_one_writer_per_ledger_path(tmp_path: Path) -> None:
    assert get_writer(tmp_path / "a.sqlite3") is get_writer(str(tmp_path / "a.sqlite3"))
    assert get_writer(tmp_path / "a.sqlite3") is not get_writer(tmp_path / "b.sqlite3")


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "win32", reason="needs fork")
def test_a_forked_child_writes_its_own_records(tmp_path: Path) -> None:
    path = tmp_path / "f.sqlite3"
    w = get_writer(path)
    w.submit(_rec(1))  # type: ignore[arg-type]
    assert w.flush(10)
    pid = os.fork()
    if pid == 0:  # child
        code = 1
        try:
            child = get_writer(path)
            child.submit(_rec(2))  # type: ignore[arg-type]
            code = 0 if child.flush(10) and child.stats.written == 1 else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    db = sqlite3.connect(path)
    assert db.execute("SELECT count(*) FROM records").fetchone()[0] == 2
    db.close()
