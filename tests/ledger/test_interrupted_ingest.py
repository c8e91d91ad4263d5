"""A parallel ingest stopped by Ctrl-C, kill or a closed terminal: one line, exit 128 + n,
no worker left, and the next run ends with exact totals (whole batches only were kept)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _cc_tree import assistant, usage

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

FILES, LINES = 60, 1200  # ~30 MB: over the size that starts the worker pool


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sig")
    pad = "x" * 300  # what a transcript line carries besides usage (never stored)
    for f in range(FILES):
        session = f"00000000-0000-4000-8000-{f:012d}"
        path = root / "projects" / "-home-alice-src-shop" / f"{session}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w") as fh:
            for i in range(LINES):
                ts = f"2026-05-{1 + f % 28:02d}T{i // 60 % 24:02d}:{i % 60:02d}:00.000Z"
                line = assistant(f"msg_{f}_{i}", f"req_{f}_{i}", ts, usage(out=i + 1),
                                 session=session, text=pad)  # fmt: skip
                fh.write(json.dumps(line) + "\n")
    return root


def _children(pid: int) -> list[int]:
    kids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    fields = fh.read().rsplit(") ", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                kids.append(int(d))
    return kids


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(") ", 1)[1][:1] != "Z"
    except OSError:
        return False


def _run(tree: Path, ledger: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CLAUDE_CONFIG_DIR": str(tree), "TOKENTRAIL_LEDGER": str(ledger)}
    return subprocess.run(
        [sys.executable, "-m", "tokentrail", *args], env=env, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    ("sig", "group"),
    [(signal.SIGINT, True), (signal.SIGTERM, False), (signal.SIGHUP, True)],
    ids=["ctrl-c", "kill", "hangup"],
)
def test_a_signal_mid_ingest_stops_it_cleanly(
    tree: Path, tmp_path: Path, sig: signal.Signals, group: bool
) -> None:
    ledger = tmp_path / "l.sqlite3"
    env = {**os.environ, "CLAUDE_CONFIG_DIR": str(tree), "TOKENTRAIL_LEDGER": str(ledger)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tokentrail", "ingest", "--quiet"], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    workers: list[int] = []
    while not workers and proc.poll() is None and time.monotonic() < deadline:
        workers = _children(proc.pid)
        time.sleep(0.005)
    if proc.poll() is not None:
        pytest.skip("the ingest ended before its workers were seen (a very fast machine)")
    time.sleep(0.05)
    (os.killpg if group else os.kill)(proc.pid, sig)
    t0 = time.monotonic()
    out, err = proc.communicate(timeout=10)
    assert time.monotonic() - t0 < 2
    if proc.returncode == 0:
        pytest.skip("the ingest ended before the signal arrived")
    assert proc.returncode == 128 + sig
    assert err.strip().splitlines() == [
        f"tokentrail: interrupted by {sig.name}; what was written before is kept, "
        "run the command again to continue"
    ]
    assert "Traceback" not in out
    assert [p for p in workers if _running(p)] == []  # no worker left behind
    # Run again: every record exactly once.
    again = _run(tree, ledger, "ingest", "--quiet")
    assert again.returncode == 0, again.stderr
    report = json.loads(_run(tree, ledger, "daily", "--json", "--no-ingest", "-z", "UTC").stdout)
    totals = report["totals"]
    assert totals["requests"] == FILES * LINES
    assert totals["output_tokens"] == FILES * LINES * (LINES + 1) // 2
