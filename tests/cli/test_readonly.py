"""Read commands never create a ledger; with nothing recorded they say where they looked;
"for these filters" only when filters were given; ``--parquet`` prints the table too."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "reports"))
from _rep_helpers import gen_tree, make_env, run_cli  # noqa: E402

TABLES = [
    ["daily"],
    ["session", "--no-ingest"],
    ["blocks"],
    ["model", "--no-ingest"],
    ["context"],
    ["cache"],
    ["cache", "--by", "session", "--no-ingest"],
    ["whatif", "--ttl", "5m"],
]
DATA = [
    ["weekly", "--json"],
    ["project", "--csv", "--no-ingest"],
    ["context", "--json"],
    ["cache", "--json"],
    ["whatif", "--batch", "--json", "--no-ingest"],
    ["problems"],
    ["problems", "--json"],
]


def _isolated(tmp_path: Path) -> tuple[dict[str, str], Path]:
    env = make_env(tmp_path, None)
    ledger = tmp_path / "data" / "tokentrail" / "ledger.sqlite3"
    env["TOKENTRAIL_LEDGER"] = str(ledger)
    return env, ledger


@pytest.mark.parametrize("args", TABLES + DATA, ids=" ".join)
def test_read_commands_never_create_a_ledger(tmp_path: Path, args: list[str]) -> None:
    env, ledger = _isolated(tmp_path)
    r = run_cli(args, env)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert not ledger.exists()
    assert not ledger.parent.exists()  # nor its directory
    if args in TABLES:
        assert str(ledger) in r.stdout  # where it looked: the ledger ...
        assert str(Path(env["CLAUDE_CONFIG_DIR"]) / "projects") in r.stdout  # ... and the logs
        assert "these filters" not in r.stdout
        assert "tokentrail ingest PATH" in r.stderr  # the tip: stderr only
    elif "--json" in args:
        json.loads(r.stdout)  # still a document


def test_no_ingest_with_logs_present_creates_nothing(tmp_path: Path) -> None:
    gen_tree(tmp_path / "tree", seed=51, size="100KB")
    env = make_env(tmp_path, tmp_path / "tree")
    ledger = Path(env["TOKENTRAIL_LEDGER"])
    for args in (["daily", "--no-ingest"], ["cache", "--no-ingest"], ["context", "--no-ingest"]):
        r = run_cli(args, env)
        assert r.returncode == 0, r.stderr
        assert "No usage recorded." in r.stdout
        assert not ledger.exists()
    assert run_cli(["daily", "-q"], env).returncode == 0  # a report that ingests does create
    assert ledger.exists()


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("ro")
    gen_tree(tmp / "tree", seed=52, size="150KB")
    env = make_env(tmp, tmp / "tree")
    assert run_cli(["ingest", "-q"], env).returncode in (0, 1)
    return tmp, env


def test_for_these_filters_only_when_filters_were_given(
    stored: tuple[Path, dict[str, str]],
) -> None:
    _, env = stored
    for args in (
        ["daily", "--since", "20990101", "--no-ingest"],
        ["session", "--until", "19990101", "--no-ingest"],
        ["cache", "--since", "2099-01-01", "--no-ingest"],
        ["whatif", "--ttl", "5m", "--since", "2099-01-01", "--no-ingest"],
    ):
        r = run_cli(args, env)
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == "No usage recorded for these filters.", args


def test_parquet_also_prints_the_table(stored: tuple[Path, dict[str, str]]) -> None:
    pytest.importorskip("pyarrow")
    tmp, env = stored
    out = tmp / "daily.parquet"
    r = run_cli(["daily", "--no-ingest", "--parquet", str(out)], {**env, "COLUMNS": "100"})
    assert r.returncode == 0, r.stderr
    assert out.exists()
    assert "Daily usage" in r.stdout
    assert "Total" in r.stdout
    assert f"wrote {out}" in r.stderr


def test_hints_go_to_stderr(tmp_path: Path) -> None:
    gen_tree(tmp_path / "tree", seed=53, size="100KB", malformed_rate="0.05")
    env = make_env(tmp_path, tmp_path / "tree")
    doctor = run_cli(["doctor"], env)
    assert "not created yet" in doctor.stdout
    assert "tokentrail ingest" not in doctor.stdout.split("Warnings:")[0]
    assert "create it with" in doctor.stderr
    r = run_cli(["ingest"], env)
    assert r.returncode == 1  # bad lines were skipped
    assert "problems" in r.stdout  # the count stays in the summary ...
    assert "tokentrail problems" not in r.stdout  # ... the hint does not
    assert "tokentrail problems" in r.stderr
