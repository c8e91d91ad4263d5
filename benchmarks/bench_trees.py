"""Generated Claude Code trees for benchmarks, kept under the gitignored ``benchmarks/_work``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
GEN = Path(
    os.environ.get(
        "TOKENTRAIL_GEN_CLAUDE_LOGS", HERE.parent.parent / "shared/tools/gen_claude_logs.py"
    )
)


def make_tree(size: str, seed: int = 1) -> Path:
    """A tree of about ``size`` (``150MB``), made once per size and seed, with .expected.json."""
    out = WORK / f"tree-{size}-s{seed}"
    if not (out / ".expected.json").exists():
        out.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, str(GEN), str(out), "--size", size, "--seed", str(seed), "--quiet"],
            check=True,
        )
    return out
