"""Helpers of the billing tests: run the CLI in this process against the fake Admin API."""

from __future__ import annotations

from pathlib import Path

import pytest
from _scenario import ADMIN_KEY, Run

from tokentrail.cli import main


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """``run(*args, key=ADMIN_KEY)`` -> (exit code, stdout, stderr)."""

    def go(*args: str, key: str | None = ADMIN_KEY) -> tuple[int, str, str]:
        if key is None:
            monkeypatch.delenv("ANTHROPIC_ADMIN_KEY", raising=False)
        else:
            monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", key)
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return go


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return tmp_path / "ledger.sqlite3"
