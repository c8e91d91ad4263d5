"""Wall time of `tokentrail statusline` and `tokentrail daily` on a warm ledger.

    python benchmarks/reports_bench.py                 # 1 GB of logs (goal: < 100 / 300 ms)
    python benchmarks/reports_bench.py --size 50MB     # a smaller tree

The log tree comes from the package's generator run as a program (``python -m
tokentrail.sample``) into the gitignored ``benchmarks/_work/``, and is kept for later
runs; the ledger is built once by `tokentrail ingest` (not timed here: see
``ingest_vs_ccusage.py``). Each command then runs ``--runs`` times as a fresh process (what
a user or a prompt hook pays: interpreter start, imports, queries, output) and the median
wall time is printed. `daily` is timed twice: as the bare report (it first checks every
log file for new bytes) and with ``--no-ingest``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / "_work"
GEN = [sys.executable, "-m", "tokentrail.sample"]  # the log-tree generator


def _tree(size: str, seed: int) -> Path:
    out = WORK / f"tree-{size}-s{seed}"
    if (out / ".expected.json").exists():
        return out
    if out.exists():
        shutil.rmtree(out)
    WORK.mkdir(parents=True, exist_ok=True)
    print(f"generating {size} of logs into {out} ...", file=sys.stderr)
    subprocess.run(
        [*GEN, str(out), "--size", size, "--seed", str(seed), "--quiet"],
        check=True,
    )
    return out


def _time(cmd: list[str], env: dict[str, str], runs: int) -> tuple[float, float, str]:
    samples: list[float] = []
    out = ""
    for _ in range(runs):
        t0 = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, text=True, env=env)
        samples.append(time.perf_counter() - t0)
        if r.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed: {r.stderr.strip()}")
        out = r.stdout
    return statistics.median(samples), min(samples), out


def _compile() -> None:
    """Byte-compile tokentrail first, as a wheel install does: with PYTHONDONTWRITEBYTECODE
    set (as on some machines) every run would otherwise compile its modules again."""
    import tokentrail

    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(Path(tokentrail.__file__).parent)],
        check=True,
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="1GB", help="log tree size (default 1GB)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=9, help="runs per command (median)")
    args = ap.parse_args()
    _compile()
    tree = _tree(args.size, args.seed)
    ledger = WORK / f"ledger-{args.size}-s{args.seed}.sqlite3"
    exe = shutil.which("tokentrail", path=str(Path(sys.executable).parent)) or "tokentrail"
    env = dict(os.environ)
    env.update(CLAUDE_CONFIG_DIR=str(tree), TOKENTRAIL_LEDGER=str(ledger), TZ="UTC", COLUMNS="120")
    t0 = time.perf_counter()
    r = subprocess.run([exe, "ingest", "--quiet"], env=env, capture_output=True, text=True)
    if r.returncode not in (0, 1):
        raise SystemExit(f"ingest failed: {r.stderr.strip()}")
    warm_s = time.perf_counter() - t0
    logs = sum(p.stat().st_size for p in tree.rglob("*.jsonl"))
    rows = [
        ("statusline", [exe, "statusline"], 0.100),
        ("daily --no-ingest", [exe, "daily", "--no-ingest"], 0.300),
        ("daily (checks logs first)", [exe, "daily"], 0.300),
        ("python -c pass (floor)", [sys.executable, "-c", "pass"], None),
    ]
    print(
        f"logs: {logs / 1e9:.2f} GB in {tree.name}; ledger {ledger.stat().st_size / 1e6:.0f} MB "
        f"(ingest/update before timing: {warm_s:.1f} s); {args.runs} runs each"
    )
    print(f"{'command':<28} {'median ms':>10} {'min ms':>8} {'goal ms':>8}  ok")
    for name, cmd, goal in rows:
        med, low, _ = _time(cmd, env, args.runs)
        g = f"{goal * 1000:.0f}" if goal else "-"
        ok = "" if goal is None else ("yes" if med < goal else "NO")
        print(f"{name:<28} {med * 1000:>10.1f} {low * 1000:>8.1f} {g:>8}  {ok}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
