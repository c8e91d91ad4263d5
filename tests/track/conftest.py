from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _track_server import ReplayServer


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    s = ReplayServer().start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    return tmp_path / "ledger.sqlite3"
