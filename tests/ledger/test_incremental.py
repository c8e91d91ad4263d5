"""Checkpoints: re-runs read only new bytes; truncation, replacement, deletion, crashes."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import timezone
from pathlib import Path

import pytest
from _cc_tree import SESSION, append, assistant, generate, usage, write

from tokentrail.ledger import AggregateQuery, SQLiteLedger, ingest_claude_code

PROJ = "-home-alice-src-shop"


def _snapshot(ledger: SQLiteLedger) -> list[tuple[str, object]]:
    rows = ledger.aggregate(AggregateQuery("session", timezone.utc))
    return [(r.key, r.totals) for r in rows]


def _line(i: int, out: int = 10, stop: str | None = "end_turn") -> dict[str, object]:
    return assistant(f"msg_{i}", f"req_{i}", f"2026-05-04T09:{i // 60:02d}:{i % 60:02d}Z",
                     usage(out=out), stop=stop)  # fmt: skip


def test_twice_changes_nothing(tmp_path: Path) -> None:
    tree = tmp_path / "t"
    generate(tree, "300KB", 5, 0.02)
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        first = ingest_claude_code(ledger, [tree / "projects"])
        snap = _snapshot(ledger)
        probs = ledger.problems()
        second = ingest_claude_code(ledger, [tree / "projects"])
        assert first.added > 0
        assert first.files_read == first.files
        assert (second.files_read, second.bytes, second.added, second.problems) == (0, 0, 0, 0)
        assert _snapshot(ledger) == snap
        assert ledger.problems() == probs


def test_append_reads_only_new_bytes(tmp_path: Path) -> None:
    f = tmp_path / "projects" / PROJ / f"{SESSION}.jsonl"
    write(f, [_line(1), _line(2)])
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        ingest_claude_code(ledger, [tmp_path / "projects"])
        size = f.stat().st_size
        append(f, [_line(3), b"{broken", _line(2, out=10)])
        s = ingest_claude_code(ledger, [tmp_path / "projects"])
        assert s.bytes == f.stat().st_size - size
        assert (s.added, s.duplicates, s.problems) == (1, 1, 1)
        (p,) = ledger.problems()
        assert (p.line, p.kind) == (4, "invalid_json")
        assert ledger.count_records() == 3


def test_incomplete_last_line_waits_for_the_next_run(tmp_path: Path) -> None:
    import json

    f = tmp_path / "projects" / PROJ / f"{SESSION}.jsonl"
    full = json.dumps(_line(2)).encode()
    write(f, [_line(1), full[:40]], newline_at_end=False)
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        s1 = ingest_claude_code(ledger, [tmp_path / "projects"])
        assert (s1.added, s1.problems) == (1, 0)
        with open(f, "ab") as fh:
            fh.write(full[40:] + b"\n")
        s2 = ingest_claude_code(ledger, [tmp_path / "projects"])
        assert (s2.added, s2.problems) == (1, 0)
        assert ledger.problems() == []
        assert sorted(r.line for r in ledger.record_rows()) == [1, 2]


def test_truncated_and_replaced_files_are_reread_without_double_counting(tmp_path: Path) -> None:
    f = tmp_path / "projects" / PROJ / f"{SESSION}.jsonl"
    write(f, [_line(i) for i in range(1, 6)] + [b"bad line"])
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        ingest_claude_code(ledger, [tmp_path / "projects"])
        assert ledger.count_records() == 5
        assert len(ledger.problems()) == 1
        # truncated: shorter than the checkpoint offset
        write(f, [_line(1), _line(7)])
        s = ingest_claude_code(ledger, [tmp_path / "projects"])
        assert (s.reread, s.added, s.duplicates) == (1, 1, 1)
        assert ledger.problems() == []  # the bad line is gone with the old content
        # replaced: longer, but a different head (e.g. atomically rewritten)
        tmp = f.with_suffix(".tmp")
        write(tmp, [_line(8), _line(1), _line(7), _line(9)])
        os.replace(tmp, f)
        s = ingest_claude_code(ledger, [tmp_path / "projects"])
        assert (s.reread, s.added, s.duplicates) == (1, 2, 2)
        total = sum(r.totals.requests for r in ledger.aggregate(AggregateQuery("day")))
        assert total == ledger.count_records() == 8  # 1-5, 7, 8, 9


def test_records_stay_after_logs_are_deleted(tmp_path: Path) -> None:
    tree = tmp_path / "t"
    generate(tree, "200KB", 4, 0.0)
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        ingest_claude_code(ledger, [tree / "projects"])
        snap = _snapshot(ledger)
        shutil.rmtree(tree / "projects")
        (tree / "projects").mkdir()
        s = ingest_claude_code(ledger, [tree / "projects"])
        assert s.files == 0
        assert _snapshot(ledger) == snap


_RUNNER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import tokentrail.ledger.sync as sync
    from tokentrail.ledger import SQLiteLedger, ingest_claude_code
    db, root, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
    workers = int(sys.argv[4]) if len(sys.argv) > 4 else None
    if workers:  # the big-ingest path: worker pool and background WAL checkpoints
        sync.PARALLEL_MIN_BYTES = 0
    with SQLiteLedger(db, timeout=120) as ledger:
        s = ingest_claude_code(
            ledger, [Path(root)], batch_records=batch, block_size=8192, workers=workers
        )
    print(s.added, s.duplicates)
    """
)


def _runner(
    tmp_path: Path, db: Path, root: Path, batch: int, workers: int = 0
) -> subprocess.Popen[str]:
    script = tmp_path / "runner.py"
    script.write_text(_RUNNER)
    return subprocess.Popen(
        [sys.executable, str(script), str(db), str(root), str(batch), str(workers)],
        stdout=subprocess.PIPE,
        text=True,
    )


def test_two_concurrent_ingests_neither_fail_nor_double_count(tmp_path: Path) -> None:
    tree = tmp_path / "t"
    generate(tree, "1500KB", 8, 0.01)
    db = tmp_path / "l.sqlite3"
    SQLiteLedger(db).close()
    procs = [_runner(tmp_path, db, tree / "projects", 5) for _ in range(2)]
    outs = [p.communicate(timeout=240)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    added = sum(int(o.split()[0]) for o in outs)
    with SQLiteLedger(tmp_path / "clean.sqlite3") as clean:
        ingest_claude_code(clean, [tree / "projects"])
        with SQLiteLedger(db) as ledger:
            assert added == ledger.count_records() == clean.count_records()
            assert _snapshot(ledger) == _snapshot(clean)
            assert ledger.problems() == clean.problems()


@pytest.mark.parametrize("workers", [0, 2], ids=["in_process", "pool_and_background_checkpoints"])
def test_kill_9_mid_ingest_then_rerun_equals_a_clean_run(tmp_path: Path, workers: int) -> None:
    tree = tmp_path / "t"
    generate(tree, "3MB", 9, 0.01)
    db = tmp_path / "l.sqlite3"
    SQLiteLedger(db).close()
    proc = _runner(tmp_path, db, tree / "projects", 3, workers)
    killed = False
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        con = sqlite3.connect(db, timeout=5)
        try:
            n = con.execute("SELECT count(*) FROM records").fetchone()[0]
        except sqlite3.OperationalError:
            n = 0
        finally:
            con.close()
        if n > 0:  # at least one batch committed: kill mid-ingest
            proc.send_signal(signal.SIGKILL)
            killed = True
            break
        time.sleep(0.002)
    proc.wait()
    assert killed, "the ingest finished before it could be killed"
    with SQLiteLedger(db) as ledger:
        partial = ledger.count_records()
        ingest_claude_code(ledger, [tree / "projects"])
        with SQLiteLedger(tmp_path / "clean.sqlite3") as clean:
            ingest_claude_code(clean, [tree / "projects"])
            assert partial <= clean.count_records()
            assert ledger.count_records() == clean.count_records()
            assert _snapshot(ledger) == _snapshot(clean)
            assert ledger.problems() == clean.problems()


def test_rewrite_in_place_with_the_same_head_is_read_again(tmp_path: Path) -> None:
    # 10 lines (> 4 KiB, so the head hash alone cannot see the change), then the file is
    # rewritten without line 8 and with two new lines: read again, never resumed mid-line.
    f = tmp_path / "projects" / PROJ / f"{SESSION}.jsonl"
    pad = "x" * 600
    lines = [dict(_line(i), cwd=f"/w/{pad}") for i in range(1, 11)]
    write(f, lines)
    assert f.stat().st_size > 4096 + 2000
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        ingest_claude_code(ledger, [tmp_path / "projects"])
        write(f, [*lines[:7], *lines[8:], *(dict(_line(i), cwd=f"/w/{pad}") for i in (11, 12))])
        s = ingest_claude_code(ledger, [tmp_path / "projects"])
        assert s.reread == 1
        assert ledger.problems() == []
        assert ledger.count_records() == 12  # line 8's record stays: records are kept
        (row,) = ledger.aggregate(AggregateQuery("day", timezone.utc))
        assert (row.totals.requests, row.totals.output_tokens) == (12, 120)
