"""Where a cold Claude Code ingest's time goes: tokentrail's stages against ccusage.

Usage (from the repository root, venv active)::

    python benchmarks/cold_floor.py                  # 300MB tree, 5 runs
    python benchmarks/cold_floor.py --size 1GB --runs 3

Same trees, work dir and ccusage as ``benchmarks/ingest_vs_ccusage.py`` (imported from
beside this file). Each run alternates, in a fresh process each:

* ``ccusage``: ``ccusage daily --json --offline``;
* ``tokentrail cold``: ``python -m tokentrail daily --json`` on an empty ledger;
* ``parse only``: the same discovery and worker pool (read, decode, dedup per file,
  price), every result decoded in the parent and dropped: no ledger at all;
* ``validate only``: one forked process per core, each reading its share of the files
  and checking every line for UTF-8 and JSON (msgspec, into an empty struct): the least
  any ingest that reports bad lines does in Python, with nothing kept;
* ``read only``: the same processes reading the bytes;
* ``startup``: the interpreter, the CLI's imports and the pricing catalog.

The tree is read once, untimed, first. Prints the median seconds of each and its ratio to
ccusage. A stage's ratio bounds what any change to the stages after it can reach.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import ingest_vs_ccusage as base  # noqa: E402  (this directory's own benchmark)

STAGES = ("parse", "validate", "read", "startup")


def _files(tree: Path) -> list[Path]:
    return sorted((tree / "projects").rglob("*.jsonl"))


def _fork_each(files: list[Path], work: Callable[[list[Path]], None]) -> None:
    """Run ``work(share)`` in one forked process per core over round-robin shares."""
    n = len(os.sched_getaffinity(0))
    pids = []
    for k in range(n):
        pid = os.fork()
        if pid == 0:
            try:
                work(files[k::n])
            finally:
                os._exit(0)
        pids.append(pid)
    for pid in pids:
        os.waitpid(pid, 0)


def _bytes(f: Path) -> bytes:
    """The file's bytes, in one read sized to it (as the ingest reads a file)."""
    with open(f, "rb", buffering=0) as fh:
        return fh.read(os.fstat(fh.fileno()).st_size + 1)


def _read(share: list[Path]) -> None:
    for f in share:
        _bytes(f)


def _validate(share: list[Path]) -> None:
    import msgspec

    class Empty(msgspec.Struct):
        pass

    decode = msgspec.json.Decoder(Empty).decode
    for f in share:
        data = _bytes(f)
        with contextlib.suppress(UnicodeDecodeError):
            codecs.utf_8_decode(data, "strict", True)
        view = memoryview(data)
        pos = 0
        while True:
            end = data.find(b"\n", pos)
            if end < 0:
                break
            try:  # noqa: SIM105  (a context manager per line would cost more than the floor)
                decode(view[pos:end])
            except (msgspec.DecodeError, msgspec.ValidationError):
                pass
            pos = end + 1


def _parse(tree: Path) -> None:
    from collections import deque

    from tokentrail.ingest.discover import classify, find_claude_files
    from tokentrail.ledger.workers import FilePool, FileTask

    tasks: deque[tuple[FileTask, int]] = deque()
    total = 0
    for found in find_claude_files([tree]):
        sf = classify(found, with_agent_types=False)
        size = os.stat(sf.path).st_size
        task = FileTask(str(sf.path), sf.kind, sf.session_hint, sf.agent_id, sf.agent_type,
                        0, 0, "new", 64 << 20)  # fmt: skip
        tasks.append((task, size))
        total += size
    records = 0
    with FilePool() as pool:
        for _, res in pool.results(tasks, total):
            records += len(res.records)
    print(records)


def _stage(name: str, tree: Path) -> None:
    if name == "parse":
        _parse(tree)
    elif name == "validate":
        _fork_each(_files(tree), _validate)
    elif name == "read":
        _fork_each(_files(tree), _read)
    elif name == "startup":
        import tokentrail.cli  # noqa: F401
        from tokentrail.ledger.costing import Coster

        Coster().preload()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="300MB")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)
    ap.add_argument("tree", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.stage:
        _stage(args.stage, args.tree)
        return
    base._compile()
    cc = base.ccusage_cmd()
    tree = base.tree_for(args.size, args.seed)
    home = base.WORK / "home"
    home.mkdir(parents=True, exist_ok=True)
    ledger = base.WORK / f"ledger-floor-{args.size}.sqlite3"
    env = base.bench_env(tree, home, ledger)
    base.warm_page_cache(tree)
    me = [sys.executable, str(Path(__file__).resolve())]
    cmds = {
        "ccusage": cc,
        "tokentrail cold": [sys.executable, "-m", "tokentrail", "daily", "--json"],
        "parse only": [*me, "--stage", "parse", str(tree)],
        "validate only": [*me, "--stage", "validate", str(tree)],
        "read only": [*me, "--stage", "read", str(tree)],
        "startup": [*me, "--stage", "startup", str(tree)],
    }
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for i in range(args.runs):
        names = list(cmds) if i % 2 == 0 else list(reversed(cmds))
        for name in names:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{ledger}{suffix}").unlink(missing_ok=True)
            t0 = time.perf_counter()
            subprocess.run(cmds[name], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)  # fmt: skip
            times[name].append(time.perf_counter() - t0)
    cc_med = statistics.median(times["ccusage"])
    print(f"{args.size} tree, medians of {args.runs} runs (alternating order)")
    print(f"{'stage':16s} | {'seconds':>7s} | ratio to ccusage")
    print(f"{'-' * 16}-|-{'-' * 7}-|-----------------")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:16s} | {med:7.3f} | {med / cc_med:.2f}x")


if __name__ == "__main__":
    main()
