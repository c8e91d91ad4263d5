"""Generated Claude Code trees for benchmarks, kept under the gitignored ``benchmarks/_work``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"


def make_tree(size: str, seed: int = 1) -> Path:
    """A tree of about ``size`` (``150MB``) from the package's generator (``python -m
    tokentrail.sample``), made once per size and seed, with its ``.expected.json``."""
    out = WORK / f"tree-{size}-s{seed}"
    if not (out / ".expected.json").exists():
        out.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "tokentrail.sample", str(out), "--size", size,
             "--seed", str(seed), "--quiet"],
            check=True,
        )  # fmt: skip
    return out
