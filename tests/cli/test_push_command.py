"""``tokentrail push`` from the command line: the config file, push after every ingest,
``--dry-run``, one-line errors (never the password, never a traceback)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("clickhouse_connect")
pytest.importorskip("chdb")


def _tt(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tokentrail", *args], capture_output=True, text=True, env=env
    )


def test_config_pushes_after_every_ingest(tmp_path: Path) -> None:
    tree = tmp_path / "claude"
    subprocess.run(
        [sys.executable, "-m", "tokentrail.sample", str(tree), "--size", "1MB", "--seed", "3",
         "--quiet"],
        check=True,
    )  # fmt: skip
    truth = json.loads((tree / ".expected.json").read_text())
    team = f"chdb://{tmp_path / 'team'}"
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[ingest]\npush-to = "{team}"\nmachine = "box"\nuser = "ann"\n'
        f'[push]\nto = "{team}"\nmachine = "box"\nuser = "ann"\n'
    )
    env = {**os.environ, "HOME": str(tmp_path), "TZ": "UTC", "TOKENTRAIL_CONFIG": str(cfg),
           "TOKENTRAIL_LEDGER": str(tmp_path / "l.sqlite3")}  # fmt: skip
    r = _tt(["ingest", str(tree), "--quiet"], env)
    assert r.returncode == 0, r.stderr
    r = _tt(["push", "--dry-run", "--json"], env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["records"] == 0  # everything went with the ingest
    r = _tt(["user", "--ledger", team, "--json"], env)
    (row,) = json.loads(r.stdout)["users"]
    assert row["user"] == "ann"
    assert row["requests"] + row["synthetic_messages"] == truth["totals"]["messages"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["push"], "no team ledger"),
        (["push", "--to", "/tmp/not-a-url"], "--to must be a team ledger URL"),
        (["daily", "--ledger", "clickhouse://ann:hunter2@127.0.0.1:9/db"], "cannot connect"),
        (["daily", "--ledger", "chdb://relative"], "absolute path"),
    ],
)
def test_errors_are_one_line(tmp_path: Path, args: list[str], needle: str) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "TOKENTRAIL_LEDGER": str(tmp_path / "l.db")}
    r = _tt(args, env)
    assert r.returncode == 2
    assert needle in r.stderr
    assert "Traceback" not in r.stderr
    assert "hunter2" not in r.stderr + r.stdout


def test_without_the_extra_one_line_names_it(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['clickhouse_connect'] = None\n"
        "from tokentrail._entry import main\n"
        "sys.argv = ['tokentrail', 'daily', '--ledger', 'chdb:///tmp/x']\n"
        "main()"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 2
    assert "pip install 'tokentrail[clickhouse]'" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
