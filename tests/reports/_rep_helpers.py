"""Helpers: generated Claude Code trees (tokentrail.sample), CLI runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tokentrail.sample import main as sample_main


def gen_tree(out: Path, seed: int, size: str = "400KB", **extra: str) -> dict[str, Any]:
    """Generate a tree into ``out`` (``python -m tokentrail.sample``'s options, in this
    process); its ``.expected.json``."""
    args = [str(out), "--size", size, "--seed", str(seed), "--quiet"]
    for k, v in extra.items():
        args += [f"--{k.replace('_', '-')}", v]
    assert sample_main(args) == 0
    data: dict[str, Any] = json.loads((out / ".expected.json").read_text())
    return data


def run_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python -m tokentrail ARGS`` in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "tokentrail", *args], capture_output=True, text=True, env=env
    )


def make_env(tmp: Path, tree: Path | None) -> dict[str, str]:
    """An isolated environment: empty HOME, its own ledger, logs at ``tree``."""
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    e = dict(os.environ)
    e.pop("NO_COLOR", None)
    e.pop("TOKENTRAIL_CONFIG", None)
    e.update(
        HOME=str(home),
        TZ="UTC",
        TOKENTRAIL_LEDGER=str(tmp / "ledger.sqlite3"),
        CLAUDE_CONFIG_DIR=str(tree if tree is not None else tmp / "empty-claude"),
        XDG_DATA_HOME=str(home / ".local"),
        XDG_CONFIG_HOME=str(home / ".config"),
    )
    return e
