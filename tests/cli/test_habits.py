"""ccusage habits: --project by Claude Code folder name or part, partial model names for
``prices`` / ``whatif``, ``-j``, bare ``tokentrail --json`` (issue 15, point 5)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "reports"))
from _rep_helpers import gen_tree, make_env, run_cli  # noqa: E402


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("habits")
    gen_tree(tmp / "tree", seed=22, size="300KB", projects="3")
    env = make_env(tmp, tmp / "tree")
    assert run_cli(["ingest", "-q"], env).returncode in (0, 1)
    return tmp, env


def _ok(r: subprocess.CompletedProcess[str]) -> str:
    assert r.returncode == 0, (r.stdout, r.stderr)
    return r.stdout


def _error(r: subprocess.CompletedProcess[str]) -> str:
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    return r.stderr


def test_project_filter_takes_the_folder_name_and_parts(
    ingested: tuple[Path, dict[str, str]],
) -> None:
    _, env = ingested
    projects = [r["project"] for r in json.loads(_ok(run_cli(["project", "-j"], env)))["projects"]]
    path = projects[0]
    want = json.loads(_ok(run_cli(["daily", "--json", "-p", path], env)))
    folder = "".join(c if c.isalnum() else "-" for c in path)
    for spelling in (folder, path.rsplit("/", 1)[-1].upper(), folder[len(folder) // 2 :]):
        if sum(spelling.lower() in p.lower() for p in projects) > 1 and spelling != folder:
            continue
        got = json.loads(_ok(run_cli(["daily", "-j", "--no-ingest", "-p", spelling], env)))
        assert got == want, spelling
    assert "unknown project" in _error(run_cli(["daily", "-p", "zz-nothing-zz"], env))
    if len(projects) > 1:
        assert "ambiguous" in _error(run_cli(["daily", "-p", "/"], env))


def test_j_is_json_everywhere_and_bare_json_is_the_daily_report(
    ingested: tuple[Path, dict[str, str]],
) -> None:
    _, env = ingested
    daily = _ok(run_cli(["daily", "--json"], env))
    assert _ok(run_cli(["daily", "-j"], env)) == daily
    assert _ok(run_cli(["--json"], env)) == daily
    assert _ok(run_cli(["-j"], env)) == daily
    for args in (["whatif", "--batch", "-j", "--no-ingest"], ["prices", "-j", "haiku-4-5"]):
        json.loads(_ok(run_cli(args, env)))


def test_bare_json_without_anything_keeps_stdout_empty(tmp_path: Path) -> None:
    env = make_env(tmp_path, None)
    r = run_cli(["--json"], env)
    assert r.returncode == 0
    assert r.stdout == ""
    assert "No Claude Code logs found" in r.stderr


def test_prices_and_whatif_take_a_unique_part_of_a_model_id(
    ingested: tuple[Path, dict[str, str]],
) -> None:
    _, env = ingested
    one = json.loads(_ok(run_cli(["prices", "--json", "opus-4-5"], env)))
    assert [m["id"] for m in one] == ["claude-opus-4-5-20251101"]
    err = _error(run_cli(["prices", "opus"], env))
    assert "ambiguous" in err
    assert "claude-opus-4-5-20251101" in err
    assert "claude-nonexistent" in _error(run_cli(["prices", "claude-nonexistent"], env))
    w = json.loads(_ok(run_cli(["whatif", "--model", "haiku-4-5", "-j", "--no-ingest"], env)))
    assert w["scenario"]["model"] == "claude-haiku-4-5-20251001"
    assert "ambiguous" in _error(run_cli(["whatif", "--model", "sonnet", "--no-ingest"], env))
