"""Start-up time of `tokentrail --help` and `tokentrail -V` (goal: under 300 ms each).

    python benchmarks/cli_startup.py              # 15 fresh processes per command
    python benchmarks/cli_startup.py --runs 31

Each command runs ``--runs`` times as a fresh process (interpreter start, imports, output)
from this checkout's sources, and the median wall time is printed next to a bare
``python -c pass`` (the floor no command can beat). ``python -X importtime -m tokentrail
--help`` shows where the rest goes: the lazy command group imports click and no command
module for these two.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

COMMANDS: list[tuple[str, list[str]]] = [
    ("python -c pass", [sys.executable, "-c", "pass"]),
    ("tokentrail --help", [sys.executable, "-m", "tokentrail", "--help"]),
    ("tokentrail -V", [sys.executable, "-m", "tokentrail", "-V"]),
    ("tokentrail daily --help", [sys.executable, "-m", "tokentrail", "daily", "--help"]),
]


def median_seconds(cmd: list[str], runs: int, env: dict[str, str]) -> float:  # float ok
    """Median wall time of ``runs`` fresh runs of ``cmd`` (each must exit 0)."""
    samples: list[float] = []  # float ok: seconds
    for _ in range(runs):
        t0 = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, env=env)
        samples.append(time.perf_counter() - t0)
        if r.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed: {r.stderr.decode(errors='replace')}")
    return statistics.median(samples)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15, help="fresh processes per command")
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    print(f"{'command':<26} {'median':>9}")
    for label, cmd in COMMANDS:
        ms = median_seconds(cmd, args.runs, env) * 1000
        print(f"{label:<26} {ms:>6.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
