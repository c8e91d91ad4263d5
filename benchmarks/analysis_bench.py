"""How long the context / cache / what-if analyses take on a big ledger.

Usage (from the repository root, venv active)::

    python benchmarks/analysis_bench.py                  # a 1GB generated tree
    python benchmarks/analysis_bench.py --size 100MB --runs 3

Work dir ``benchmarks/_work/`` (gitignored): the tree is generated there with
``python -m tokentrail.sample`` (the package's generator, run as a program) and reused, then
ingested into ``_work/analysis-<size>-s<seed>.sqlite3`` (reused when already complete).
Timed, best of ``--runs``:

* in process: reading analysis rows from the ledger, the cache report per day and per
  session, the context of every thread of every session, what-if (model, batch, TTL);
* end to end: ``python -m tokentrail cache|context|whatif --no-ingest --json`` subprocesses
  (interpreter start-up included).

Prints one table: step, requests, seconds, requests per second.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / "_work"
GEN = [sys.executable, "-m", "tokentrail.sample"]  # the log-tree generator


def tree_for(size: str, seed: int) -> Path:
    """The generated tree for (size, seed), generating it when missing."""
    out = WORK / "trees" / f"{size}-s{seed}"
    if not (out / ".expected.json").exists():
        shutil.rmtree(out, ignore_errors=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [*GEN, str(out), "--size", size, "--seed", str(seed),
             "--malformed-rate", "0.001"],
            check=True,
        )  # fmt: skip
    return out


def best(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """(fastest seconds, last result) of ``runs`` calls."""
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", default="1GB", help="tree size for the generator (default 1GB)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=1, help="runs per step; the best is shown")
    args = ap.parse_args()

    from tokentrail.analysis import cache_report, session_context, split_threads
    from tokentrail.analysis.whatif import reprice
    from tokentrail.ledger import ingest_claude_code, open_ledger
    from tokentrail.ledger.analysis_rows import request_rows

    tree = tree_for(args.size, args.seed)
    tree_bytes = sum(p.stat().st_size for p in tree.rglob("*.jsonl"))
    db = WORK / f"analysis-{args.size}-s{args.seed}.sqlite3"
    t0 = time.perf_counter()
    with open_ledger(db) as ledger:
        summary = ingest_claude_code(ledger, [tree])
    ingest_s = time.perf_counter() - t0

    table: list[tuple[str, int, float]] = []
    with open_ledger(db) as ledger:
        secs, rows = best(lambda: list(request_rows(ledger)), args.runs)
    n = len(rows)
    table.append(("read analysis rows from the ledger", n, secs))

    def contexts() -> int:
        threads = split_threads(rows)
        for thread in threads.values():
            session_context(thread)
        return len(threads)

    steps: list[tuple[str, Callable[[], Any]]] = [
        ("cache report by day", lambda: cache_report(rows, by="day")),
        ("cache report by session", lambda: cache_report(rows, by="session")),
        ("context of every thread", contexts),
        ("what-if --model claude-haiku-5-5", lambda: reprice(rows, model="claude-haiku-5-5")),
        ("what-if --batch", lambda: reprice(rows, batch=True)),
        ("what-if --ttl 1h", lambda: reprice(rows, ttl="1h")),
    ]
    for name, fn in steps:
        secs, _ = best(fn, args.runs)
        table.append((name, n, secs))

    env = dict(os.environ, TOKENTRAIL_LEDGER=str(db), TZ="UTC")
    for cmd in (
        ["cache", "--by", "session"],
        ["context", "--last"],
        ["whatif", "--model", "claude-haiku-5-5"],
    ):
        full = [sys.executable, "-m", "tokentrail", *cmd, "--no-ingest", "--json"]

        def run(full: list[str] = full) -> None:
            subprocess.run(full, env=env, check=True, stdout=subprocess.DEVNULL)

        secs, _ = best(run, args.runs)
        table.append(("CLI: tokentrail " + " ".join(cmd), n, secs))

    print(
        f"tree {args.size} seed {args.seed}: {tree_bytes / 1e9:.2f} GB JSONL, {n:,} requests "
        f"in the ledger; ingest {ingest_s:.1f}s ({summary.added:,} records added this run)"
    )
    w = max(len(r[0]) for r in table)
    print(f"| {'step':<{w}} | {'requests':>9} | {'seconds':>8} | {'requests/s':>11} |")
    print(f"|{'-' * (w + 2)}|{'-' * 11}|{'-' * 10}|{'-' * 13}|")
    for name, count, secs in table:
        rate = count / secs if secs else float("inf")
        print(f"| {name:<{w}} | {count:>9,} | {secs:>8.2f} | {rate:>11,.0f} |")


if __name__ == "__main__":
    main()
