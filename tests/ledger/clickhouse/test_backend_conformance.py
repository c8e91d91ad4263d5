"""Backend conformance: the same records in SQLite and in ClickHouse (chDB) give the same
aggregates, spans, points and reports; the ground truth comes from the generator."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timezone
from decimal import Decimal
from pathlib import Path

import pytest

from tokentrail.ledger import SQLiteLedger, ingest_claude_code
from tokentrail.ledger.clickhouse.store import ClickHouseLedger
from tokentrail.ledger.push import push
from tokentrail.ledger.totals import AggregateQuery
from tokentrail.reports.build import build_report, options_for


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tree") / "claude"
    subprocess.run(
        [sys.executable, "-m", "tokentrail.sample", str(out), "--size", "2MB", "--seed", "7",
         "--quiet"],
        check=True,
    )  # fmt: skip
    return out


@pytest.fixture(params=["sqlite", "chdb"])
def backend(
    request: pytest.FixtureRequest, tree: Path, tmp_path: Path, chdb_url: str
) -> SQLiteLedger | ClickHouseLedger:
    local = SQLiteLedger(tmp_path / "l.sqlite3")
    ingest_claude_code(local, [tree])
    if request.param == "sqlite":
        return local
    team = ClickHouseLedger(chdb_url, machine="m", user="u")
    push(local, team, machine="m", user="u")
    local.close()
    return team


def test_totals_match_the_ground_truth(
    backend: SQLiteLedger | ClickHouseLedger, tree: Path
) -> None:
    truth = json.loads((tree / ".expected.json").read_text())
    rows = backend.aggregate(AggregateQuery("day", timezone.utc))
    assert {r.key for r in rows} == set(truth["days"])
    for r in rows:
        t = truth["days"][r.key]["totals"]
        assert r.totals.requests + r.totals.synthetic == t["messages"]
        assert r.totals.output_tokens == t["output_tokens"]
        assert r.totals.cache_read_tokens == t["cache_read_input_tokens"]
    sessions = backend.aggregate(AggregateQuery("session", timezone.utc))
    assert {r.key for r in sessions} == set(truth["sessions"])  # no phantom session


@pytest.mark.parametrize(
    "kind", ["daily", "weekly", "monthly", "session", "project", "model", "agent", "branch",
             "blocks"],
)  # fmt: skip
def test_reports_agree_across_backends(
    kind: str, tree: Path, tmp_path: Path, chdb_url: str
) -> None:
    local = SQLiteLedger(tmp_path / "l.sqlite3")
    ingest_claude_code(local, [tree])
    team = ClickHouseLedger(chdb_url, machine="m", user="u")
    push(local, team, machine="m", user="u")
    reports = []
    for led in (local, team):
        opts = options_for(
            led, tz=timezone.utc, since=None, until=None, project=None, models=(), order="asc"
        )
        reports.append(build_report(led, kind, opts))
    assert reports[0] == reports[1]
    assert reports[0].totals.cost > Decimal(0)
    local.close()


@pytest.mark.parametrize("kind", ["daily", "monthly", "session", "project", "model", "agent"])
def test_filtered_reports_agree_across_backends(
    kind: str, tree: Path, tmp_path: Path, chdb_url: str
) -> None:
    from datetime import date

    local = SQLiteLedger(tmp_path / "l.sqlite3")
    ingest_claude_code(local, [tree])
    team = ClickHouseLedger(chdb_url, machine="m", user="u")
    push(local, team, machine="m", user="u")
    days = sorted(json.loads((tree / ".expected.json").read_text())["days"])
    project = local.distinct("project")[0]
    models = tuple(local.distinct("model")[:2])
    for since, until, proj, mods in (
        (date.fromisoformat(days[-1]), None, None, ()),
        (None, date.fromisoformat(days[0]), project, ()),
        (None, None, None, models),
    ):
        reports = []
        for led in (local, team):
            opts = options_for(
                led, tz=timezone.utc, since=since, until=until, project=proj, models=mods,
                order="desc",
            )  # fmt: skip
            reports.append(build_report(led, kind, opts))
        assert reports[0] == reports[1], (since, until, proj, mods)
    local.close()
