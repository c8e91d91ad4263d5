"""ccusage habits: --project by Claude Code folder name or part, partial model names for
``prices`` / ``whatif``, ``-j``, bare ``tokentrail --json`` (issue 15, point 5)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "reports"))
from _rep_helpers import gen_tree, make_env, run_cli  # noqa: E402


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("habits")
    gen_tree(tmp / "tree", seed=22, size="600KB", projects="3")
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


def _assistant(i: int, ts: datetime, out: int, session: str = "s-blocks") -> str:
    line = {
        "type": "assistant", "sessionId": session, "cwd": "/w/app", "isSidechain": False,
        "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "requestId": f"r{i}",
        "uuid": f"u{i}",
        "message": {"id": f"m{i}", "model": "claude-sonnet-4-5-20250929",
                    "stop_reason": "end_turn",
                    "usage": {"input_tokens": 1000, "output_tokens": out}},
    }  # fmt: skip
    return json.dumps(line) + "\n"


@pytest.fixture(scope="module")
def recent(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Two sessions: an old block of two requests 2 h apart (21 000 tokens) and an active
    block (now) of two small requests."""
    tmp = tmp_path_factory.mktemp("blocks")
    now = datetime.now(timezone.utc)
    d = tmp / "tree" / "projects" / "-w-app"
    d.mkdir(parents=True)
    (d / "s-old-1234.jsonl").write_text(
        _assistant(1, now - timedelta(hours=20), 9000, "s-old-1234")
        + _assistant(2, now - timedelta(hours=18), 10000, "s-old-1234")
    )
    # At the top of this hour: the active block with 1-hour blocks too, whatever the time.
    hour = now.replace(minute=0, second=0, microsecond=0)
    (d / "s-new-5678.jsonl").write_text(
        _assistant(3, hour, 500, "s-new-5678") + _assistant(4, hour, 500, "s-new-5678")
    )
    env = make_env(tmp, tmp / "tree")
    assert run_cli(["ingest", "-q"], env).returncode == 0
    return env


def test_blocks_token_limit_and_session_length(recent: dict[str, str]) -> None:
    env = recent
    base = json.loads(_ok(run_cli(["blocks", "-j", "--no-ingest"], env)))
    assert len(base["blocks"]) == 2
    assert "token_limit" not in base
    got = json.loads(_ok(run_cli(["blocks", "-j", "--no-ingest", "-t", "max"], env)))
    lim = got["token_limit"]
    assert lim["limit"] == 21_000
    assert lim["source"] == "max"
    assert lim["active_tokens"] == 3_000
    assert lim["status"] in ("ok", "warning", "exceeds")
    assert [b["block_start"] for b in got["blocks"]] == [b["block_start"] for b in base["blocks"]]
    assert got["totals"] == base["totals"]
    small = json.loads(_ok(run_cli(["blocks", "-j", "--no-ingest", "--token-limit", "100"], env)))
    assert small["token_limit"]["status"] == "exceeds"
    assert small["token_limit"]["percent_used"] == 3000.0
    table = _ok(run_cli(["blocks", "--no-ingest", "-t", "100"], {**env, "COLUMNS": "160"}))
    assert "Token limit 100: active block 3,000 tokens (3000.0%)" in table
    assert "EXCEEDS" in table
    one_hour = json.loads(_ok(run_cli(["blocks", "-j", "--no-ingest", "-n", "1"], env)))
    old = [b for b in one_hour["blocks"] if b["output_tokens"] >= 9000]
    assert len(old) == 2  # the old requests 2 h apart: two 1-hour blocks (one of 5 h)
    assert one_hour["blocks"][-1]["is_active"]
    assert one_hour["blocks"][-1]["block_end"] != base["blocks"][-1]["block_end"]
    assert "--token-limit" in _error(run_cli(["blocks", "--no-ingest", "-t", "lots"], env))
    assert run_cli(["blocks", "--no-ingest", "--session-length", "0"], env).returncode == 2


def test_session_id_takes_a_prefix(recent: dict[str, str]) -> None:
    env = recent
    one = json.loads(_ok(run_cli(["session", "--id", "s-new", "-j", "--no-ingest"], env)))
    assert [s["session_id"] for s in one["sessions"]] == ["s-new-5678"]
    assert one["filters"]["session_id"] == "s-new-5678"
    assert one["totals"]["output_tokens"] == 1000
    table = _ok(run_cli(["session", "-i", "s-old-1234", "--no-ingest"], {**env, "COLUMNS": "160"}))
    assert "sonnet-4-5" in table  # broken down per model
    assert "s-new" not in table
    assert "no session" in _error(run_cli(["session", "--id", "zzz", "--no-ingest"], env))
    assert "ambiguous" in _error(run_cli(["session", "--id", "s-", "--no-ingest"], env))


def test_daily_instances_nest_projects_in_each_day(
    ingested: tuple[Path, dict[str, str]],
) -> None:
    _, env = ingested
    plain = json.loads(_ok(run_cli(["daily", "-j", "--no-ingest"], env)))
    got = json.loads(_ok(run_cli(["daily", "--instances", "-j", "--no-ingest"], env)))
    assert [d["date"] for d in got["daily"]] == [d["date"] for d in plain["daily"]]
    assert got["totals"] == plain["totals"]
    keys = ("input_tokens", "output_tokens", "cache_read_input_tokens", "total_tokens")
    seen = set()
    for day, want in zip(got["daily"], plain["daily"], strict=True):
        assert {k: v for k, v in day.items() if k != "projects"} == want
        assert day["projects"]
        for k in keys:
            assert sum(p[k] for p in day["projects"]) == day[k]
        names = [p["project"] for p in day["projects"]]
        assert names == sorted(names)
        seen.update(names)
    assert len(seen) > 1
    one = sorted(seen)[0]
    only = json.loads(_ok(run_cli(["daily", "-i", "-j", "--no-ingest", "-p", one], env)))
    assert {p["project"] for d in only["daily"] for p in d["projects"]} == {one}
    table = _ok(run_cli(["daily", "--instances", "--no-ingest"], {**env, "COLUMNS": "160"}))
    first = plain["daily"][0]["date"]
    assert f"│ {first} " in table
    assert table.count("│   └ ") == sum(len(d["projects"]) for d in got["daily"])
