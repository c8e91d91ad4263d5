"""Fixtures of the report tests: one generated tree, ingested once per module, read from
each backend (the SQLite ledger, and a chDB team ledger it was pushed to): the report
tests that take ``tree`` are the backend-conformance suite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _rep_helpers import gen_tree, make_env, run_cli


@pytest.fixture(scope="module", params=["sqlite", "chdb"])
def tree(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any], dict[str, str]]:
    """One generated tree (with subagents and malformed lines), ingested once; for
    ``chdb`` pushed to a team ledger that ``$TOKENTRAIL_LEDGER`` then names."""
    if request.param == "chdb":
        pytest.importorskip("clickhouse_connect")
        pytest.importorskip("chdb")
    tmp = tmp_path_factory.mktemp("reports")
    expected = gen_tree(tmp / "tree", seed=11, size="600KB", malformed_rate="0.01", days="40")
    env = make_env(tmp, tmp / "tree")
    r = run_cli(["ingest", "--quiet"], env)
    assert r.returncode in (0, 1), r.stderr
    if request.param == "chdb":
        team = f"chdb://{tmp / 'team'}"
        r = run_cli(["push", "--to", team, "--quiet"], env)
        assert r.returncode == 0, r.stderr
        env = {**env, "TOKENTRAIL_LEDGER": team}
    return tmp, expected, env
