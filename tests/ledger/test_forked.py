"""Forked workers that nothing can wedge (tokentrail.ledger.forked)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tokentrail.ledger.forked import ForkedWorkers, WorkerDied

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def _double(msg: bytes) -> bytes:
    if msg == b"boom":
        raise ValueError("boom inside a worker")
    if msg == b"slow":
        time.sleep(30)
    return msg * 2


def test_replies_come_back_per_worker_in_order() -> None:
    pool = ForkedWorkers(3, _double)
    try:
        sent = [(pool.submit(str(i).encode()), i) for i in range(40)]
        assert [pool.take(w) for w, _ in sent] == [str(i).encode() * 2 for _, i in sent]
        assert not pool.busy
    finally:
        pool.stop()
    assert all(w.proc.exitcode is not None for w in pool.workers)


def test_an_error_in_work_is_raised_in_the_parent() -> None:
    pool = ForkedWorkers(1, _double)
    try:
        w = pool.submit(b"boom")
        with pytest.raises(WorkerDied, match="boom inside a worker"):
            pool.take(w)
        assert pool.take(pool.submit(b"ok")) == b"okok"  # the worker lives on
    finally:
        pool.stop()


def test_a_killed_worker_is_an_error_not_a_hang() -> None:
    pool = ForkedWorkers(2, _double)
    try:
        w = pool.submit(b"slow")
        os.kill(w.proc.pid, signal.SIGKILL)
        t0 = time.monotonic()
        with pytest.raises(WorkerDied, match="ended without answering"):
            pool.take(w)
        assert time.monotonic() - t0 < 5
        assert pool.busy
    finally:
        t0 = time.monotonic()
        pool.kill()
        assert time.monotonic() - t0 < 5
    pool.kill()  # idempotent


def test_workers_ignore_ctrl_c_and_die_with_their_parent(tmp_path: Path) -> None:
    # A parent that starts workers, prints their pids, then is killed with SIGKILL.
    script = tmp_path / "parent.py"
    script.write_text(
        "import sys, time\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from tokentrail.ledger.forked import ForkedWorkers\n"
        "def work(m): return m\n"
        "pool = ForkedWorkers(2, work)\n"
        "import signal; signal.signal(signal.SIGINT, lambda *a: None)  # the parent lives on\n"
        "print(' '.join(str(w.proc.pid) for w in pool.workers), flush=True)\n"
        "time.sleep(60)\n"
    )
    src = str(Path(__file__).resolve().parents[2] / "src")
    proc = subprocess.Popen(
        [sys.executable, str(script), src], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True,
    )  # fmt: skip
    assert proc.stdout is not None
    pids = [int(p) for p in proc.stdout.readline().split()]
    assert len(pids) == 2
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole group...
    time.sleep(0.3)
    for pid in pids:
        os.kill(pid, 0)  # ...the workers ignore it (the parent decides)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 5
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if _alive(p)]
        time.sleep(0.05)
    assert alive == []
    assert proc.stderr is not None
    assert "Traceback" not in proc.stderr.read()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by init) counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[1][:1] != "Z"
    except OSError:
        return False
