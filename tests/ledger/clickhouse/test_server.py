"""Against a real ClickHouse server, when ``TOKENTRAIL_TEST_CLICKHOUSE_URL`` names one
(``clickhouse://user:pw@host:8123/scratch_db``: the database is dropped and recreated);
skipped otherwise. The same push and reads as on chDB, over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timezone
from pathlib import Path

import pytest

from tokentrail.ledger import SQLiteLedger, ingest_claude_code
from tokentrail.ledger.clickhouse.store import ClickHouseLedger
from tokentrail.ledger.push import push
from tokentrail.ledger.totals import AggregateQuery

URL = os.environ.get("TOKENTRAIL_TEST_CLICKHOUSE_URL", "")
pytestmark = pytest.mark.skipif(not URL, reason="TOKENTRAIL_TEST_CLICKHOUSE_URL is not set")


def test_push_twice_and_read_back(tmp_path: Path) -> None:
    tree = tmp_path / "claude"
    subprocess.run(
        [sys.executable, "-m", "tokentrail.sample", str(tree), "--size", "1MB", "--seed", "9",
         "--quiet"],
        check=True,
    )  # fmt: skip
    truth = json.loads((tree / ".expected.json").read_text())
    team = ClickHouseLedger(URL, machine="ci", user="ci", migrate=False)
    team.command("DROP DATABASE IF EXISTS {db}")
    team.migrate()
    with SQLiteLedger(tmp_path / "l.sqlite3") as local:
        ingest_claude_code(local, [tree])
        push(local, team, machine="ci", user="ci")
        push(local, team, machine="ci", user="ci")
        for by in ("day", "session", "model"):
            q = AggregateQuery(by, timezone.utc)
            assert team.aggregate(q) == local.aggregate(q)
    days = team.aggregate(AggregateQuery("day", timezone.utc))
    assert sum(d.totals.output_tokens for d in days) == truth["totals"]["output_tokens"]
