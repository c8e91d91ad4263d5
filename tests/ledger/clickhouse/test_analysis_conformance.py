"""The analysis commands (``context``, ``cache``, ``whatif``, ``report run``) print the same
JSON on a SQLite ledger and on a chDB team ledger holding the same records (pushed)."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from tokentrail.cli import cli
from tokentrail.errors import UserInputError
from tokentrail.ledger import SQLiteLedger, ingest_claude_code
from tokentrail.ledger.clickhouse.store import ClickHouseLedger
from tokentrail.ledger.push import push
from tokentrail.ledger.runs import RunRow


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tree") / "claude"
    subprocess.run(
        [sys.executable, "-m", "tokentrail.sample", str(out), "--size", "300KB", "--seed", "3",
         "--quiet"],
        check=True,
    )  # fmt: skip
    return out


@pytest.fixture
def ledgers(tree: Path, tmp_path: Path, chdb_url: str) -> tuple[str, str]:
    """(SQLite path, chDB URL) holding the same records and runs (a parent run with a
    child, each owning some records)."""
    path = tmp_path / "l.sqlite3"
    local = SQLiteLedger(path)
    ingest_claude_code(local, [tree])
    local.save_runs(
        [
            RunRow("r1", "nightly", 1_000, budget=Decimal("2.5"), tags={"env": "ci"}),
            RunRow("r2", "step", 2_000, parent_id="r1", ended_ms=3_000, status="ok"),
            RunRow("r3", "other", 4_000),
        ]
    )
    db = local._db  # test set-up only: give the runs some records
    db.execute("UPDATE records SET run_id = 'r1' WHERE id % 7 = 0")
    db.execute("UPDATE records SET run_id = 'r2' WHERE id % 11 = 0")
    db.commit()
    team = ClickHouseLedger(chdb_url, machine="m", user="u")
    push(local, team, machine="m", user="u")
    local.close()
    return str(path), chdb_url


def _json(*args: str) -> object:
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    if isinstance(doc, dict):
        doc.pop("generated_at", None)
        doc.pop("as_of", None)
    return doc


@pytest.mark.parametrize(
    "args",
    [
        ("context", "--json"),
        ("cache", "--json"),
        ("cache", "--json", "--timezone", "UTC", "--since", "2000-01-01"),
        ("whatif", "--json", "--model", "claude-haiku-4-5"),
        ("whatif", "--json", "--ttl", "1h", "--batch"),
        ("report", "run", "--json"),
        ("report", "run", "--json", "--name", "nightly"),
    ],
)
def test_same_json_on_both_backends(ledgers: tuple[str, str], args: tuple[str, ...]) -> None:
    path, url = ledgers
    no_ingest = () if args[0] == "report" else ("--no-ingest",)
    local = _json(*args, *no_ingest, "--ledger", path)
    team = _json(*args, *no_ingest, "--ledger", url)
    assert team == local
    assert local  # not trivially empty


def test_context_of_a_session_prefix_and_every_session(ledgers: tuple[str, str]) -> None:
    path, url = ledgers
    with SQLiteLedger(path) as local:
        sessions = sorted({s for s in local.session_ids("", 1000) if s})
    assert sessions
    for sid in sessions[:: max(1, len(sessions) // 4)]:
        a = _json("context", sid[:12], "--json", "--no-ingest", "--ledger", path)
        b = _json("context", sid[:12], "--json", "--no-ingest", "--ledger", url)
        assert a == b
    w = ("whatif", "--json", "--model", "claude-sonnet-4-5", "--no-ingest", "--session")
    assert _json(*w, sessions[0], "--ledger", path) == _json(*w, sessions[0], "--ledger", url)


def test_run_totals_on_the_team_ledger(ledgers: tuple[str, str]) -> None:
    doc = _json("report", "run", "--json", "--ledger", ledgers[1])
    assert isinstance(doc, dict)
    runs = {r["id"]: r for r in doc["runs"]}
    assert set(runs) == {"r1", "r2", "r3"}
    assert runs["r1"]["requests"] > runs["r2"]["requests"] > 0
    assert runs["r3"]["requests"] == 0


def test_doctor_and_statusline_on_a_team_ledger(ledgers: tuple[str, str]) -> None:
    url = ledgers[1]
    r = CliRunner().invoke(cli, ["doctor", "--ledger", url], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert "(team ledger)" in r.stdout
    assert "machines: 1; users: 1" in r.stdout
    # one error line (the entry point prints a UserInputError as one line)
    r = CliRunner().invoke(cli, ["statusline", "--ledger", url])
    assert isinstance(r.exception, UserInputError)
    assert "not a team ledger URL" in str(r.exception)
