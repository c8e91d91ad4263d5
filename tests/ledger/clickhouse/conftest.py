"""Backend fixtures: one chDB engine per test session (chDB runs one per process, on one
directory), a fresh database per test."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

pytest.importorskip("clickhouse_connect")
pytest.importorskip("chdb")

_N = itertools.count()


@pytest.fixture(scope="session")
def chdb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("chdb")


@pytest.fixture
def chdb_url(chdb_dir: Path) -> str:
    return f"chdb://{chdb_dir}?database=tt_{next(_N)}"
