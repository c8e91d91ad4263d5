"""``tokentrail statusline --hook`` vs ``ccusage statusline``, fed the same hook JSON.

Usage (from the repository root, venv active)::

    python benchmarks/statusline_hook.py                  # a 30MB tree, 15 runs
    python benchmarks/statusline_hook.py --size 100MB --runs 21

Same work dir, trees and ccusage as ``benchmarks/ingest_vs_ccusage.py`` (its helpers are
imported: ccusage from npm into the gitignored ``benchmarks/_work/``, trees from the shared
generator). tokentrail runs as its console script (``tokentrail``, beside the interpreter)
when it is installed, else as ``python -m tokentrail``. The hook JSON names the tree's
largest main transcript (its session id, path, model, workspace and cwd), as Claude Code
sends it on every update. Each run is one fresh
process, stdin = the JSON, runs alternating between the tools:

* *warm*: the ledger holds the whole tree (tokentrail answers from it, read-only);
* *warm +1 msg*: one new assistant line was appended to the transcript just before the
  run (tokentrail prints at once and ingests the line in a detached background process:
  it is waited for, untimed, and the transcript and ledger are restored after each run);
* *fresh*: no ledger at all (tokentrail's first run: it creates the ledger and ingests
  the transcript in the foreground).

ccusage runs as ``statusline --offline --no-cache`` (its 1-second output cache would
otherwise answer repeated runs without reading anything); it keeps no state, so its three
rows measure the same work. Prints the medians (ms) and the tokentrail/ccusage ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import ingest_vs_ccusage as base  # noqa: E402  (this directory's own benchmark)


def _run(cmd: list[str], env: dict[str, str], stdin: bytes) -> tuple[float, float, bytes]:
    """(wall seconds, CPU seconds (user + system), stdout) of one process fed ``stdin``."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdin.write(stdin)  # a few hundred bytes: never blocks
    proc.stdin.close()
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)  # not communicate(): it reaps without rusage
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {err.decode()[-500:]}")
    return seconds, usage.ru_utime + usage.ru_stime, out


def _transcript(tree: Path) -> Path:
    files = [p for p in (tree / "projects").rglob("*.jsonl") if "subagents" not in p.parts]
    return max(files, key=lambda p: p.stat().st_size)


def _hook_json(transcript: Path) -> bytes:
    model = "claude-sonnet-4-5-20250929"
    with open(transcript, "rb") as f:
        for raw in f:
            if b'"usage"' in raw and b'"assistant"' in raw:
                m = json.loads(raw).get("message", {}).get("model")
                model = m if isinstance(m, str) else model
    cwd = "/" + transcript.parent.name.lstrip("-").replace("-", "/")
    return json.dumps(
        {
            "hook_event_name": "Status",
            "session_id": transcript.stem,
            "transcript_path": str(transcript),
            "cwd": cwd,
            "model": {"id": model, "display_name": model},
            "workspace": {"current_dir": cwd, "project_dir": cwd},
            "version": "2.0.0",
        }
    ).encode()


def _append_one(transcript: Path, n: int) -> int:
    """Append one new assistant line (fresh ids); return the old size."""
    size = transcript.stat().st_size
    template = None
    with open(transcript, "rb") as f:
        for raw in f:
            if b'"usage"' in raw and b'"assistant"' in raw:
                template = raw
    assert template is not None
    obj = json.loads(template)
    obj["message"]["id"] = f"msg_hookbench_{n}"
    obj["requestId"] = f"req_hookbench_{n}"
    obj["uuid"] = f"uuid-hookbench-{n}"
    with open(transcript, "ab") as f:
        f.write(json.dumps(obj, separators=(",", ":")).encode() + b"\n")
    return size


def _wait_background(ledger: Path) -> None:
    lock = Path(f"{ledger}.hook-ingest")
    deadline = time.monotonic() + 60
    while lock.exists() and time.monotonic() < deadline:
        time.sleep(0.02)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="30MB", help="generated tree size (default 30MB)")
    ap.add_argument("--runs", type=int, default=15, help="processes per scenario (median)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    base._compile()
    cc = [base.ccusage_cmd()[0], "statusline", "--offline", "--no-cache"]
    tree = base.tree_for(args.size, args.seed)
    base.warm_page_cache(tree)
    home = base.WORK / "home-hook"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    ledger = base.WORK / "ledger-hook.sqlite3"
    warm_copy = base.WORK / "ledger-hook.warm.sqlite3"
    env = base.bench_env(tree, home, ledger)
    # the console script, as Claude Code runs it (python -m tokentrail adds runpy's imports)
    script = Path(sys.executable).parent / "tokentrail"
    tt = [str(script)] if script.exists() else [sys.executable, "-m", "tokentrail"]
    tt += ["statusline", "--hook"]
    transcript = _transcript(tree)
    stdin = _hook_json(transcript)

    def clear_ledger() -> None:
        for suffix in ("", "-wal", "-shm", ".hook-ingest"):
            Path(f"{ledger}{suffix}").unlink(missing_ok=True)

    def restore_ledger() -> None:
        clear_ledger()
        shutil.copyfile(warm_copy, ledger)

    clear_ledger()
    base_cmd = tt[:-2]
    subprocess.run([*base_cmd, "ingest", "-q"], env=env, check=False)
    subprocess.run([*base_cmd, "statusline"], env=env, check=True, capture_output=True)
    shutil.copyfile(ledger, warm_copy)
    times: dict[tuple[str, str], list[float]] = {}
    cpu: dict[tuple[str, str], list[float]] = {}
    lines: dict[str, bytes] = {}

    def record(scn: str, tool: str, sec: float, cpu_s: float) -> None:
        times.setdefault((scn, tool), []).append(sec)
        cpu.setdefault((scn, tool), []).append(cpu_s)

    for i in range(args.runs):
        for tool in ("cc", "tt") if i % 2 == 0 else ("tt", "cc"):
            cmd = cc if tool == "cc" else tt
            sec, cpu_s, out = _run(cmd, env, stdin)  # warm
            record("warm", tool, sec, cpu_s)
            lines[tool] = out
            old = _append_one(transcript, i)  # warm +1 message
            try:
                sec, cpu_s, _ = _run(cmd, env, stdin)
                record("warm +1 msg", tool, sec, cpu_s)
                if tool == "tt":
                    _wait_background(ledger)
            finally:
                os.truncate(transcript, old)
                if tool == "tt":
                    restore_ledger()
            if tool == "tt":  # fresh: no ledger
                clear_ledger()
                sec, cpu_s, _ = _run(cmd, env, stdin)
                restore_ledger()
            else:
                sec, cpu_s, _ = _run(cmd, env, stdin)
            record("fresh", tool, sec, cpu_s)
    clear_ledger()
    warm_copy.unlink(missing_ok=True)
    print(f"tree {args.size} (seed {args.seed}); transcript {transcript.stat().st_size:,} B")
    for tool in ("cc", "tt"):
        name = "ccusage" if tool == "cc" else "tokentrail"
        print(f"  {name}: {lines[tool].decode().strip()}")
    head = ("scenario", "ccusage ms", "tokentrail ms", "ratio", "cc CPU ms", "tt CPU ms")
    print(" | ".join(head))
    print("-|-".join("-" * len(h) for h in head))
    for scn in ("warm", "warm +1 msg", "fresh"):
        c, t = (statistics.median(times[(scn, k)]) * 1000 for k in ("cc", "tt"))
        cc_cpu, tt_cpu = (statistics.median(cpu[(scn, k)]) * 1000 for k in ("cc", "tt"))
        print(f"{scn} | {c:.0f} | {t:.0f} | {t / c:.2f}x | {cc_cpu:.0f} | {tt_cpu:.0f}")
    print(
        f"medians of {args.runs} fresh processes (wall clock, and CPU = user + system of the "
        "process itself); ratio = tokentrail / ccusage (wall)"
    )


if __name__ == "__main__":
    main()
