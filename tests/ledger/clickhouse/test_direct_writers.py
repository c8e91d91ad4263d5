"""Services without a local ledger write straight to the team ledger: ``tokentrail ingest
--ledger chdb://...`` and the tracking writer (``track(client, ledger=URL)``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tokentrail.ingest.api_records import api_record
from tokentrail.ledger.clickhouse.store import ClickHouseLedger
from tokentrail.track.writer import get_writer


def test_tracking_writer_writes_to_the_team_ledger(chdb_url: str) -> None:
    w = get_writer(chdb_url)
    for i in range(20):
        w.submit(
            api_record(
                b'{"input_tokens": 3, "output_tokens": 2}',
                source="sdk",
                model="claude-sonnet-4-6",
                ts_ms=1_800_000_000_000 + i,
                message_id=f"msg_{i}",
                request_id=f"req_{i}",
            )
        )
    assert w.flush(30)
    assert w.stats.failed == 0
    team = ClickHouseLedger(chdb_url, migrate=False)
    recs = list(team.records())
    assert len(recs) == 20
    assert {r.source for r in recs} == {"sdk"}


def test_ingest_writes_to_the_team_ledger_incrementally(tmp_path: Path) -> None:
    tree = tmp_path / "claude"
    subprocess.run(
        [sys.executable, "-m", "tokentrail.sample", str(tree), "--size", "2MB", "--seed", "5",
         "--quiet"],
        check=True,
    )  # fmt: skip
    truth = json.loads((tree / ".expected.json").read_text())
    team = f"chdb://{tmp_path / 'team'}"
    env = {**os.environ, "TZ": "UTC", "HOME": str(tmp_path)}

    def tt(*args: str) -> dict[str, object]:
        r = subprocess.run(
            [sys.executable, "-m", "tokentrail", *args, "--ledger", team, "--json"],
            capture_output=True, text=True, env=env,
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
        out: dict[str, object] = json.loads(r.stdout)
        return out

    first = tt("ingest", str(tree))
    assert first["files_read"] == truth["stats"]["files"]
    second = tt("ingest", str(tree))
    assert second["files_read"] == 0  # checkpoints kept in the team ledger
    monthly = tt("monthly", "-z", "UTC")
    t = monthly["totals"]
    assert isinstance(t, dict)
    assert t["output_tokens"] == truth["totals"]["output_tokens"]
    assert t["requests"] + t["synthetic_messages"] == truth["totals"]["messages"]


def test_explain_and_problems_on_the_team_ledger(tmp_path: Path) -> None:
    tree = tmp_path / "claude"
    subprocess.run(
        [sys.executable, "-m", "tokentrail.sample", str(tree), "--size", "2MB", "--seed", "6",
         "--malformed-rate", "0.01", "--quiet"],
        check=True,
    )  # fmt: skip
    env = {**os.environ, "TZ": "UTC", "HOME": str(tmp_path)}
    local, team = str(tmp_path / "l.sqlite3"), f"chdb://{tmp_path / 'team'}"

    def tt(*args: str, ok: tuple[int, ...] = (0,)) -> str:
        r = subprocess.run(
            [sys.executable, "-m", "tokentrail", *args], capture_output=True, text=True, env=env
        )
        assert r.returncode in ok, r.stderr
        return r.stdout

    tt("ingest", str(tree), "--ledger", local, "-q", ok=(0, 1))
    tt("push", "--to", team, "--ledger", local, "-q")
    import sqlite3

    db = sqlite3.connect(local)
    (mid,) = db.execute("SELECT message_id FROM records WHERE synthetic = 0 LIMIT 1").fetchone()
    db.close()
    for args in (("explain", mid, "--json"), ("problems", "--json")):
        assert tt(*args, "--ledger", team) == tt(*args, "--ledger", local)
