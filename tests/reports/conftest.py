"""Fixtures of the report tests: one generated tree, ingested once per module."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _rep_helpers import gen_tree, make_env, run_cli


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], dict[str, str]]:
    """One generated tree (with subagents and malformed lines), ingested once."""
    tmp = tmp_path_factory.mktemp("reports")
    expected = gen_tree(tmp / "tree", seed=11, size="600KB", malformed_rate="0.01", days="40")
    env = make_env(tmp, tmp / "tree")
    r = run_cli(["ingest", "--quiet"], env)
    assert r.returncode in (0, 1), r.stderr
    return tmp, expected, env
