from __future__ import annotations

import subprocess
import sys

from tokentrail import __version__


def test_python_m_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tokentrail", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert __version__ in out.stdout


def test_help_lists_commands() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tokentrail", "--help"], capture_output=True, text=True, check=True
    )
    assert "tokentrail" in out.stdout
