"""The generator as a program: ``python -m tokentrail.sample OUT --size 600KB --seed 1``."""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from datetime import date
from pathlib import Path

from tokentrail.sample.tree import TreeSpec, write_tree

__all__ = ["main", "parse_size"]

_UNITS = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9}
_BINARY = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}


def parse_size(text: str) -> int:
    """Bytes in ``"600KB"``, ``"100MB"``, ``"1GB"``, ``"2MiB"`` or ``"5000"``."""
    m = re.fullmatch(r"\s*(\d+)(?:\.(\d+))?\s*([kKmMgG]?)(i?[bB])?\s*", text)
    if m is None:
        raise argparse.ArgumentTypeError(f"bad size {text!r} (e.g. 600KB, 100MB, 1GB)")
    whole, frac, unit, suffix = m.groups()
    table = _BINARY if suffix and suffix.lower() == "ib" else _UNITS
    mult = table[unit.lower()]
    value = int(whole) * mult
    if frac:
        value += int(frac) * mult // 10 ** len(frac)
    return value


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"bad date {text!r} (want YYYY-MM-DD)") from exc


def _rate(text: str) -> float:  # float ok: a rate
    value = float(text)  # float ok: a probability
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError("a rate is in [0, 1)")
    return value


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m tokentrail.sample",
        description="Write a realistic, seeded Claude Code log tree (OUT/projects/...) and "
        "OUT/.expected.json, its ground truth: token totals per UTC day, model and session, "
        "and every planted malformed line. Point tokentrail at it with CLAUDE_CONFIG_DIR=OUT.",
    )
    p.add_argument("out", metavar="OUT", help="folder to create (missing or empty)")
    p.add_argument(
        "--size",
        type=parse_size,
        default=TreeSpec.size,
        help="approximate bytes of JSONL (600KB, 100MB, 1GB; default 100MB)",
    )
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--projects", type=int, default=8, help="project folders (default 8)")
    p.add_argument("--days", type=int, default=30, help="days covered (default 30)")
    p.add_argument(
        "--start", type=_day, default=TreeSpec.start, help="first day, UTC (default 2026-01-01)"
    )
    p.add_argument(
        "--malformed-rate",
        type=_rate,
        default=0.0,
        help="chance of a malformed line after each line (default 0)",
    )
    p.add_argument(
        "--dup-rate",
        type=_rate,
        default=0.3,
        help="share of streamed extra lines among usage lines (default 0.3)",
    )
    p.add_argument("--quiet", action="store_true", help="print no summary")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the generator with command-line ``argv``; exit status."""
    p = _parser()
    a = p.parse_args(argv)
    if a.projects < 1 or a.days < 1 or a.size < 1:
        p.error("--size, --projects and --days must be positive")
    out = Path(a.out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        p.error(f"{out} exists and is not an empty folder")
    spec = TreeSpec(
        size=a.size,
        seed=a.seed,
        projects=a.projects,
        days=a.days,
        start=a.start,
        malformed_rate=a.malformed_rate,
        dup_rate=a.dup_rate,
    )
    t = time.perf_counter()
    truth = write_tree(out, spec)
    took = time.perf_counter() - t  # float ok: seconds
    if not a.quiet:
        st = truth["stats"]
        print(
            f"wrote {st['bytes'] / 1e6:.1f} MB in {st['files']} files ({st['sessions']} sessions, "
            f"{st['unique_messages']} messages, {st['malformed_lines']} malformed lines) to "
            f"{os.fspath(out)} in {took:.1f} s",
            file=sys.stderr,
        )
    return 0
