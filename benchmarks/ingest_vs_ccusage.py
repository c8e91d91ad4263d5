"""tokentrail vs ccusage on generated Claude Code trees: cold, warm, +1% appended.

Usage (from the repository root, venv active)::

    python benchmarks/ingest_vs_ccusage.py                 # 300MB and 1GB trees, 3 runs
    python benchmarks/ingest_vs_ccusage.py --sizes 100MB,300MB --runs 5

Work dir ``benchmarks/_work/`` (gitignored): ``ccusage@20.0.24`` is installed there from
npm if missing; trees are generated there with ``python -m tokentrail.sample`` (the
package's generator, run as a program) and reused. Each command runs with
``CLAUDE_CONFIG_DIR`` = the tree, ``HOME`` = an empty dir and ``TZ=UTC``:

* ccusage: ``ccusage daily --json --offline`` (the native binary when present);
* tokentrail: ``python -m tokentrail daily --json`` with its own ledger file.

Scenarios, runs alternating between the two tools: *cold* (tokentrail with an empty
ledger: ingest + report), *warm* (nothing new since the last run), *append* (1% new
lines appended to the tree since the warm state; undone after each run). Prints medians,
the tokentrail/ccusage ratio, and the peak RSS (max over runs, from ``wait4``).
The tree is read once, untimed, before the first run, so no run pays for the disk alone.
"""

from __future__ import annotations

import argparse
import json
import os
import random
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
CCUSAGE_VERSION = "20.0.24"


def ccusage_cmd() -> list[str]:
    """The ccusage command, installing it under _work/ccusage if needed."""
    base = WORK / "ccusage"
    native = base / "node_modules/@ccusage/ccusage-linux-x64/bin/ccusage"
    shim = base / "node_modules/.bin/ccusage"
    if not shim.exists():
        base.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(base), "--no-audit", "--no-fund",
             f"ccusage@{CCUSAGE_VERSION}"],
            check=True,
        )  # fmt: skip
    if native.exists() and not os.access(native, os.X_OK):
        native.chmod(0o755)  # the npm tarball ships it without the execute bit
    exe = str(native) if native.exists() else str(shim)
    return [exe, "daily", "--json", "--offline"]


def tree_for(size: str, seed: int) -> Path:
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


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, bytes]:
    """(seconds, peak RSS MB, stdout) of one command."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[0]} failed with exit code {proc.returncode}")
    return seconds, usage.ru_maxrss / 1024, out


def append_one_percent(tree: Path, rng: random.Random) -> dict[Path, int]:
    """Append new assistant lines (fresh ids) worth ~1% of the tree; return old sizes."""
    files = sorted(p for p in (tree / "projects").rglob("*.jsonl") if "subagents" not in p.parts)
    total = sum(p.stat().st_size for p in (tree / "projects").rglob("*.jsonl"))
    budget = total // 100
    sizes: dict[Path, int] = {}
    n = 0
    while budget > 0:
        f = rng.choice(files)
        template = None
        with open(f, "rb") as fh:
            for line in fh:
                if b'"usage"' in line and b'"assistant"' in line:
                    template = line
        if template is None:
            continue
        obj = json.loads(template)
        sizes.setdefault(f, f.stat().st_size)
        with open(f, "ab") as fh:
            for _ in range(20):
                n += 1
                obj["message"]["id"] = f"msg_bench_{rng.getrandbits(64):x}_{n}"
                obj["requestId"] = f"req_bench_{rng.getrandbits(64):x}_{n}"
                data = json.dumps(obj, separators=(",", ":")).encode() + b"\n"
                fh.write(data)
                budget -= len(data)
    return sizes


def undo(sizes: dict[Path, int]) -> None:
    for f, size in sizes.items():
        os.truncate(f, size)


def totals_tokentrail(out: bytes) -> tuple[int, int, int, int]:
    t = json.loads(out)["totals"]
    return (t["input_tokens"], t["output_tokens"], t["cache_creation_input_tokens"],
            t["cache_read_input_tokens"])  # fmt: skip


def totals_ccusage(out: bytes) -> tuple[int, int, int, int]:
    t = json.loads(out)["totals"]
    return (t["inputTokens"], t["outputTokens"], t["cacheCreationTokens"], t["cacheReadTokens"])


def warm_page_cache(tree: Path) -> None:
    """Read every transcript once, untimed, so that the first timed run (whichever tool)
    does not pay for the disk while the others read from the page cache."""
    for f in (tree / "projects").rglob("*.jsonl"):
        with open(f, "rb", buffering=0) as fh:
            while fh.read(1 << 22):
                pass


def bench_env(tree: Path, home: Path, ledger: Path) -> dict[str, str]:
    """The environment both tools run in: the tree as ``CLAUDE_CONFIG_DIR``, an empty
    ``HOME``, ``TZ=UTC``, tokentrail's own ledger file and this checkout's sources."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "TZ": "UTC",
        "CLAUDE_CONFIG_DIR": str(tree),
        "TOKENTRAIL_LEDGER": str(ledger),
        "PYTHONPATH": str(REPO / "src"),
    }


def bench(size: str, runs: int, seed: int, cc: list[str]) -> list[tuple[str, ...]]:
    tree = tree_for(size, seed)
    home = WORK / "home"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    ledger = WORK / f"ledger-{size}.sqlite3"
    warm_copy = WORK / f"ledger-{size}.warm.sqlite3"
    env = bench_env(tree, home, ledger)
    warm_page_cache(tree)
    tt = [sys.executable, "-m", "tokentrail", "daily", "--json"]
    times: dict[tuple[str, str], list[float]] = {}
    rss: dict[tuple[str, str], float] = {}

    def record(scn: str, tool: str, sec: float, mb: float) -> None:
        times.setdefault((scn, tool), []).append(sec)
        rss[(scn, tool)] = max(rss.get((scn, tool), 0.0), mb)

    def clear_ledger() -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{ledger}{suffix}").unlink(missing_ok=True)

    rng = random.Random(seed)
    check: list[str] = []
    for i in range(runs):
        order = ["cc", "tt"] if i % 2 == 0 else ["tt", "cc"]
        for tool in order:  # cold
            if tool == "cc":
                sec, mb, out = run(cc, env)
                cc_tot = totals_ccusage(out)
            else:
                clear_ledger()
                sec, mb, out = run(tt, env)
                tt_tot = totals_tokentrail(out)
            record("cold", tool, sec, mb)
        if i == 0:
            check.append("same totals" if cc_tot == tt_tot else f"DIFFER cc={cc_tot} tt={tt_tot}")
    shutil.copyfile(ledger, warm_copy)
    for i in range(runs):
        for tool in ["cc", "tt"] if i % 2 == 0 else ["tt", "cc"]:  # warm
            sec, mb, _ = run(cc if tool == "cc" else tt, env)
            record("warm", tool, sec, mb)
    for i in range(runs):
        sizes = append_one_percent(tree, rng)
        try:
            for tool in ["cc", "tt"] if i % 2 == 0 else ["tt", "cc"]:  # +1% appended
                if tool == "tt":
                    clear_ledger()
                    shutil.copyfile(warm_copy, ledger)
                sec, mb, out = run(cc if tool == "cc" else tt, env)
                record("append", tool, sec, mb)
        finally:
            undo(sizes)
    clear_ledger()
    warm_copy.unlink(missing_ok=True)
    rows = []
    for scn in ("cold", "warm", "append"):
        c = statistics.median(times[(scn, "cc")])
        t = statistics.median(times[(scn, "tt")])
        rows.append((size, scn, f"{c:.3f}", f"{t:.3f}", f"{t / c:.2f}x",
                     f"{rss[(scn, 'cc')]:.0f}", f"{rss[(scn, 'tt')]:.0f}"))  # fmt: skip
    print(f"  {size}: {check[0]} (cold run 1, input/output/cache totals)", file=sys.stderr)
    return rows


def _compile() -> None:
    """Byte-compile tokentrail first, as a wheel install does: with PYTHONDONTWRITEBYTECODE
    set (as on some machines) every run would otherwise compile its modules again."""
    import tokentrail

    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(Path(tokentrail.__file__).parent)],
        check=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="300MB,1GB", help="comma list, e.g. 100MB,300MB,1GB")
    ap.add_argument("--runs", type=int, default=3, help="runs per scenario (median)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    _compile()
    cc = ccusage_cmd()
    print(f"ccusage {CCUSAGE_VERSION}: {cc[0]}", file=sys.stderr)
    rows: list[tuple[str, ...]] = []
    for size in args.sizes.split(","):
        rows.extend(bench(size.strip(), args.runs, args.seed, cc))
    head = ("tree", "scenario", "ccusage s", "tokentrail s", "ratio", "cc RSS MB", "tt RSS MB")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    line = " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))
    print(line)
    print("-|-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))
    print(f"medians of {args.runs} runs; ratio = tokentrail / ccusage; RSS = peak over runs")


if __name__ == "__main__":
    main()
