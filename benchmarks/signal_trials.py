"""Signals at random moments of a parallel ingest: nothing lost, nothing doubled, no hang.

    python benchmarks/signal_trials.py [--size 150MB] [--trials 40] [--seed 1]

A generated Claude Code tree (big enough for the worker pool) is ingested into an empty
ledger, and at a random moment of the run the process gets one of:

* ``SIGINT`` to its process group (what Ctrl-C in a terminal does),
* ``SIGTERM`` to the parent (``kill PID``),
* ``SIGHUP`` to its process group (the terminal closed),
* ``SIGKILL`` to the parent (``kill -9``).

Each trial records how long the ingest took to end after the signal, its exit code, what
it printed (exit codes as a shell shows them: 128 + n for a signal), and whether any
process of its group outlived it (a worker left behind, or a
hang: still running 10 s after the signal). The ingest is then run again to the end on the
same ledger and its totals must equal those of one uninterrupted ingest: 0 lost, 0 doubled.
Prints one row per signal and the overall counts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_trees import make_tree  # noqa: E402

SIGNALS = (
    ("SIGINT", signal.SIGINT, True),
    ("SIGTERM", signal.SIGTERM, False),
    ("SIGHUP", signal.SIGHUP, True),
    ("SIGKILL", signal.SIGKILL, False),
)
TOTAL_KEYS = (
    "requests", "input_tokens", "output_tokens", "cache_creation_input_tokens",
    "cache_read_input_tokens", "ephemeral_5m_input_tokens", "ephemeral_1h_input_tokens",
    "web_search_requests", "synthetic_messages", "cost_usd",
)  # fmt: skip


def _env(tree: Path, ledger: Path) -> dict[str, str]:
    return {**os.environ, "CLAUDE_CONFIG_DIR": str(tree), "TOKENTRAIL_LEDGER": str(ledger)}


def _cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "tokentrail", *args]


def _totals(env: dict[str, str]) -> dict[str, object]:
    out = subprocess.run(
        _cmd("daily", "--json", "--no-ingest", "--timezone", "UTC"),
        env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    tot = json.loads(out)["totals"]
    return {k: tot[k] for k in TOTAL_KEYS}


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _trial(
    tree: Path, work: Path, name: str, sig: int, to_group: bool, delay: float
) -> dict[str, object]:
    ledger = work / f"trial-{name}-{delay:.3f}.sqlite3"
    env = _env(tree, ledger)
    proc = subprocess.Popen(
        _cmd("ingest", "--quiet"), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True, text=True,
    )  # fmt: skip
    pgid = proc.pid
    time.sleep(delay)
    sent = time.monotonic()
    finished_before = proc.poll() is not None
    if not finished_before:
        if to_group:
            os.killpg(pgid, sig)
        else:
            os.kill(proc.pid, sig)
    hung = False
    try:
        out, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        hung = True
        os.killpg(pgid, signal.SIGKILL)
        out, err = proc.communicate()
    ended = time.monotonic() - sent
    # Workers of a killed parent must go too: give them 2 s.
    deadline = time.monotonic() + 2
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.02)
    left_behind = _group_alive(pgid)
    if left_behind:
        os.killpg(pgid, signal.SIGKILL)
    subprocess.run(_cmd("ingest", "--quiet"), env=env, capture_output=True, check=False)
    totals = _totals(env)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{ledger}{suffix}").unlink(missing_ok=True)
    return {
        "signal": name,
        "finished_before": finished_before,
        "seconds": ended,
        "rc": proc.returncode,
        "stdout": out,
        "stderr": err,
        "hung": hung,
        "segfault": proc.returncode == -signal.SIGSEGV or "Segmentation" in err,
        "traceback": "Traceback" in err or "Traceback" in out,
        "left_behind": left_behind,
        "totals": totals,
    }


def _shell_code(rc: int) -> int:
    return 128 - rc if rc < 0 else rc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="150MB")
    ap.add_argument("--trials", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    tree = make_tree(args.size, seed=args.seed)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="tt-signals-") as tmp:
        work = Path(tmp)
        ref_env = _env(tree, work / "reference.sqlite3")
        t0 = time.monotonic()
        subprocess.run(_cmd("ingest", "--quiet"), env=ref_env, capture_output=True, check=False)
        full = time.monotonic() - t0
        reference = _totals(ref_env)
        print(f"tree {args.size} ({tree}); one uninterrupted ingest: {full:.2f} s")
        rows: dict[str, list[dict[str, object]]] = defaultdict(list)
        for i in range(args.trials):
            name, sig, group = SIGNALS[i % len(SIGNALS)]
            delay = rng.uniform(0.05, max(0.1, full * 0.9))
            rows[name].append(_trial(tree, work, name, sig, group, delay))
    print()
    print("signal  | trials | ended before | max s to end | exit codes | lost/doubled | hangs "
          "| segfaults | tracebacks | left behind | lines printed")  # fmt: skip
    print("--------|--------|--------------|--------------|------------|--------------|-------"
          "|-----------|------------|-------------|--------------")  # fmt: skip
    bad = 0
    for name, _, _ in SIGNALS:
        trials = rows[name]
        if not trials:
            continue
        wrong = sum(t["totals"] != reference for t in trials)
        hung = sum(bool(t["hung"]) for t in trials)
        seg = sum(bool(t["segfault"]) for t in trials)
        tb = sum(bool(t["traceback"]) for t in trials)
        left = sum(bool(t["left_behind"]) for t in trials)
        before = sum(bool(t["finished_before"]) for t in trials)
        interrupted = [t for t in trials if not t["finished_before"]]
        worst = max((float(t["seconds"]) for t in interrupted), default=0.0)  # float ok
        # as a shell sees them: a process ended by signal n (one that arrived before the
        # interpreter installed its handlers, or SIGKILL) is 128 + n too
        codes = sorted({_shell_code(int(t["rc"])) for t in interrupted})  # type: ignore[call-overload]
        lines = max((len(str(t["stderr"]).splitlines()) for t in interrupted), default=0)
        bad += wrong + hung + seg + tb + left
        print(f"{name:<7} | {len(trials):>6} | {before:>12} | {worst:>12.2f} | "
              f"{','.join(map(str, codes)):>10} | {wrong:>12} | {hung:>5} | {seg:>9} | "
              f"{tb:>10} | {left:>11} | {lines:>13}")  # fmt: skip
        for t in interrupted:
            if t["traceback"] or t["segfault"] or t["hung"]:
                print(f"  {name} rc={t['rc']}: {str(t['stderr']).strip()[-400:]}")
    print()
    print("OK: 0 lost, 0 doubled, 0 hangs, 0 segfaults" if not bad else f"FAILED: {bad} bad trials")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
