"""The report commands and tools from the user's side: messages, exit codes, formats."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "reports"))
from _rep_helpers import gen_tree, make_env, run_cli  # noqa: E402


def test_bare_tokentrail_without_logs_explains_and_exits_0(tmp_path: Path) -> None:
    env = make_env(tmp_path, None)
    r = run_cli([], env)
    assert r.returncode == 0, r.stderr
    assert "No Claude Code logs found" in r.stdout
    assert env["CLAUDE_CONFIG_DIR"] in r.stdout
    assert "CLAUDE_CONFIG_DIR" in r.stderr  # tips: on stderr, never in redirected output
    assert "tokentrail ingest PATH" in r.stderr
    assert "tokentrail demo" in r.stderr
    assert not Path(env["TOKENTRAIL_LEDGER"]).exists()  # looking never creates a ledger
    env.pop("CLAUDE_CONFIG_DIR")
    r = run_cli([], env)
    assert r.returncode == 0
    assert str(Path(env["HOME"]) / ".claude") in r.stdout


def test_bare_tokentrail_ingests_then_prints_daily(tmp_path: Path) -> None:
    expected = gen_tree(tmp_path / "tree", seed=21)
    env = make_env(tmp_path, tmp_path / "tree")
    r = run_cli([], {**env, "COLUMNS": "160"})
    assert r.returncode == 0, r.stderr
    assert "Daily usage" in r.stdout
    for day in expected["days"]:
        assert day in r.stdout
    again = run_cli(["daily", "--json", "--no-ingest"], env)
    assert len(json.loads(again.stdout)["daily"]) == len(expected["days"])


def test_bare_tokentrail_shows_stored_history_when_the_logs_are_gone(tmp_path: Path) -> None:
    # the default folders are empty (Claude Code's cleanup ran) but the ledger kept history
    expected = gen_tree(tmp_path / "tree", seed=23)
    env = make_env(tmp_path, None)
    assert run_cli(["ingest", "-q", str(tmp_path / "tree")], env).returncode in (0, 1)
    r = run_cli([], {**env, "COLUMNS": "160"})
    assert r.returncode == 0, r.stderr
    assert "No Claude Code logs found" not in r.stdout
    assert "Daily usage" in r.stdout
    for day in expected["days"]:
        assert day in r.stdout
    assert len(r.stderr.strip().splitlines()) == 1
    assert "no Claude Code logs in the default folders" in r.stderr


def test_new_bad_lines_found_by_a_report_are_noted_once(tmp_path: Path) -> None:
    gen_tree(tmp_path / "tree", seed=24, malformed_rate="0.05")
    env = make_env(tmp_path, tmp_path / "tree")
    quiet = run_cli(["daily", "--json", "--quiet"], env)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""
    problems = run_cli(["problems", "--json"], env)
    n = len(json.loads(problems.stdout)["problems"])
    assert n > 0
    (tmp_path / "ledger.sqlite3").unlink()
    r = run_cli(["daily", "--json"], env)
    assert r.returncode == 0  # bad lines never change a report's exit code
    assert r.stderr.strip() == (
        f"note: {n} new problem lines in the logs were skipped; see `tokentrail problems`"
    )
    again = run_cli(["daily", "--json"], env)
    assert again.stderr == ""  # already known: no note


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("cli")
    gen_tree(tmp / "tree", seed=22, malformed_rate="0.02")
    env = make_env(tmp, tmp / "tree")
    assert run_cli(["ingest", "-q"], env).returncode == 1  # bad lines were skipped
    return tmp, env


def _one_line_error(r: subprocess.CompletedProcess[str]) -> str:
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "Traceback" not in r.stderr
    return r.stderr


def test_user_errors_are_one_line_exit_2(ingested: tuple[Path, dict[str, str]]) -> None:
    tmp, env = ingested
    assert "--since" in _one_line_error(run_cli(["daily", "--since", "2026-13-01"], env))
    assert "--until" in _one_line_error(run_cli(["weekly", "--until", "soon"], env))
    # an instant is not cut to its date (it is another day boundary in most zones)
    err = _one_line_error(run_cli(["daily", "--since", "2025-11-01T00:00:00Z", "-z", "UTC"], env))
    assert "time of day" in err
    assert "after" in _one_line_error(
        run_cli(["monthly", "--since", "20260301", "--until", "20260201"], env)
    )
    assert "unknown project" in _one_line_error(run_cli(["daily", "-p", "nope-nope"], env))
    assert "unknown model" in _one_line_error(run_cli(["model", "-m", "gpt-5"], env))
    assert "time zone" in _one_line_error(run_cli(["blocks", "-z", "Mars/Base"], env))
    assert "exclusive" in _one_line_error(run_cli(["daily", "--json", "--csv"], env))
    _one_line_error(run_cli(["ingest", str(tmp / "missing")], env))
    (tmp / "notes.txt").write_text("x")
    assert ".jsonl" in _one_line_error(run_cli(["ingest", str(tmp / "notes.txt")], env))
    _one_line_error(run_cli(["daily", "--ledger", str(tmp)], env))  # a directory


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads everything")
def test_unreadable_path_is_a_user_error(tmp_path: Path) -> None:
    env = make_env(tmp_path, None)
    d = tmp_path / "locked"
    d.mkdir()
    d.chmod(0)
    try:
        _one_line_error(run_cli(["ingest", str(d)], env))
    finally:
        d.chmod(0o700)


def test_locked_ledger_is_a_user_error(tmp_path: Path) -> None:
    gen_tree(tmp_path / "tree", seed=25, size="100KB")
    env = make_env(tmp_path, tmp_path / "tree")
    assert run_cli(["ingest", "-q"], env).returncode in (0, 1)
    # a new transcript: the next report has something to write
    new = tmp_path / "tree" / "projects" / "-new" / "s.jsonl"
    new.parent.mkdir(parents=True)
    line = {"type": "assistant", "sessionId": "s-new", "timestamp": "2026-01-02T10:00:00Z",
            "cwd": "/new", "message": {"id": "msg_new", "model": "claude-sonnet-4-5-20250929",
            "usage": {"input_tokens": 1, "output_tokens": 1}}}  # fmt: skip
    new.write_text(json.dumps(line) + "\n")
    db = sqlite3.connect(env["TOKENTRAIL_LEDGER"], isolation_level=None)
    db.execute("BEGIN EXCLUSIVE")
    try:
        fast = {**env, "TOKENTRAIL_LOCK_TIMEOUT": "0.3"}
        # a report that ingests needs the write lock: one line, exit 2, after the timeout
        assert "locked" in _one_line_error(run_cli(["daily"], fast))
        # a --no-ingest report only reads: a writer elsewhere does not block it
        r = run_cli(["daily", "--no-ingest", "--json"], fast)
        assert r.returncode == 0, r.stderr
    finally:
        db.execute("ROLLBACK")
        db.close()


def test_project_and_model_filters_resolve_names(ingested: tuple[Path, dict[str, str]]) -> None:
    _, env = ingested
    projects = json.loads(run_cli(["project", "--json", "--no-ingest"], env).stdout)["projects"]
    first = projects[0]["project"]
    name = first.rsplit("/", 1)[-1]
    only = json.loads(run_cli(["daily", "--json", "--no-ingest", "-p", name], env).stdout)
    assert only["filters"]["project"] == first
    assert only["totals"]["input_tokens"] == projects[0]["input_tokens"]
    models = json.loads(run_cli(["model", "--json", "--no-ingest"], env).stdout)["models"]
    opus = [m for m in models if "opus" in m["model"]]
    got = json.loads(run_cli(["daily", "--json", "--no-ingest", "-m", "opus"], env).stdout)
    assert got["totals"]["output_tokens"] == sum(m["output_tokens"] for m in opus)
    desc = json.loads(run_cli(["daily", "--json", "--no-ingest", "-o", "desc"], env).stdout)
    asc = json.loads(run_cli(["daily", "--json", "--no-ingest"], env).stdout)
    assert desc["daily"] == asc["daily"][::-1]


def test_weekly_start_of_week(ingested: tuple[Path, dict[str, str]]) -> None:
    from datetime import date

    _, env = ingested
    for name, wd in (("monday", 0), ("sunday", 6)):
        out = json.loads(run_cli(["weekly", "--json", "--no-ingest", "-w", name], env).stdout)
        assert all(date.fromisoformat(w["week"]).weekday() == wd for w in out["weekly"])


def test_parquet_without_pyarrow_names_the_extra(
    ingested: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    _, env = ingested
    fake = tmp_path / "fake"
    (fake / "pyarrow").mkdir(parents=True)
    (fake / "pyarrow" / "__init__.py").write_text("raise ImportError('no pyarrow here')\n")
    r = run_cli(
        ["daily", "--no-ingest", "--parquet", str(tmp_path / "x.parquet")],
        {**env, "PYTHONPATH": str(fake)},
    )
    assert "tokentrail[parquet]" in _one_line_error(r)


def test_csv_neutralizes_formulas(tmp_path: Path) -> None:
    tree = tmp_path / "tree" / "projects" / "-x"
    tree.mkdir(parents=True)
    line = {
        "type": "assistant", "sessionId": "s1", "cwd": "=HYPERLINK(1)", "gitBranch": "+evil",
        "timestamp": "2026-02-01T10:00:00.000Z", "requestId": "r1", "uuid": "u1",
        "message": {"id": "m1", "model": "@model", "stop_reason": "end_turn",
                    "usage": {"input_tokens": 5, "output_tokens": 7}},
    }  # fmt: skip
    (tree / "s1.jsonl").write_text(json.dumps(line) + "\n")
    env = make_env(tmp_path, tmp_path / "tree")
    for kind, col in (("project", "project"), ("branch", "branch"), ("model", "model")):
        r = run_cli([kind, "--csv"], env)
        assert r.returncode == 0, r.stderr
        rows = list(csv.DictReader(io.StringIO(r.stdout)))
        assert rows[0][col].startswith("'"), rows[0]
        assert not any(v.startswith(("=", "+", "@")) for row in rows for v in row.values())
    out = json.loads(run_cli(["model", "--json", "--no-ingest"], env).stdout)
    assert out["models"][0]["cost_usd"] is None  # unknown model: unpriced, never $0
    assert out["models"][0]["unpriced_requests"] == 1
    table = run_cli(["model", "--no-ingest"], {**env, "COLUMNS": "120"}).stdout
    assert "unpriced" in table
    assert "$0.00" not in table


def test_doctor_statusline_completion_version(ingested: tuple[Path, dict[str, str]]) -> None:
    tmp, env = ingested
    r = run_cli(["doctor"], env)
    assert r.returncode == 0, r.stderr
    assert env["TOKENTRAIL_LEDGER"] in r.stdout
    assert "cleanupPeriodDays" in r.stdout
    assert "malformed" in r.stdout
    (tmp / "tree" / "settings.json").write_text('{"cleanupPeriodDays": 99999}')
    assert "cleanupPeriodDays" not in run_cli(["doctor"], env).stdout
    (tmp / "tree" / "settings.json").write_text('{"cleanupPeriodDays": 7}')
    assert "cleanupPeriodDays is 7" in run_cli(["doctor"], env).stdout
    (tmp / "tree" / "settings.json").write_text('{"cleanupPeriodDays": "10"}')
    assert "cleanupPeriodDays is 10:" in run_cli(["doctor"], env).stdout  # a numeric string
    (tmp / "tree" / "settings.json").write_text('{"cleanupPeriodDays": "99999"}')
    assert "cleanupPeriodDays" not in run_cli(["doctor"], env).stdout
    (tmp / "tree" / "settings.json").write_text('{"cleanupPeriodDays": "soon\\u001b[2J"}')
    out = run_cli(["doctor"], env).stdout
    assert 'cleanupPeriodDays is "soon\\u001b[2J", not a whole number of days' in out
    (tmp / "tree" / "settings.json").write_text('{"cleanupPeriodDays": 7}')
    s = run_cli(["statusline"], env)
    assert s.returncode == 0, s.stderr
    assert s.stdout.startswith("today $")
    assert len(s.stdout.strip().splitlines()) == 1
    for shell in ("bash", "zsh", "fish"):
        c = run_cli(["completion", shell], env)
        assert c.returncode == 0
        assert "_TOKENTRAIL_COMPLETE" in c.stdout
    v = run_cli(["--version"], env)
    assert v.returncode == 0
    assert "tokentrail" in v.stdout


def test_demo_never_touches_the_user_ledger(tmp_path: Path) -> None:
    env = make_env(tmp_path, None)
    r = run_cli(["demo", "--seed", "3", "--days", "5", "--end", "2026-03-10"], env)
    assert r.returncode == 0, r.stderr
    assert ("Daily usage" in r.stdout and "2026-03-10" in r.stdout) or "2026-03-0" in r.stdout
    assert "Usage by agent" in r.stdout
    assert "Your own numbers" in r.stderr  # the closing tip: stderr only
    assert "Your own numbers" not in r.stdout
    assert not Path(env["TOKENTRAIL_LEDGER"]).exists()
    again = run_cli(["demo", "--seed", "3", "--days", "5", "--end", "2026-03-10"], env)
    assert again.stdout == r.stdout  # seeded: identical


def test_completion_offers_every_command(tmp_path: Path) -> None:
    env = make_env(tmp_path, None)
    env.update(_TOKENTRAIL_COMPLETE="bash_complete", COMP_WORDS="tokentrail ", COMP_CWORD="1")
    r = subprocess.run(
        [sys.executable, "-c", "from tokentrail.cli import main; main()"],
        capture_output=True,
        text=True,
        env=env,
    )
    offered = {line.split(",", 1)[1] for line in r.stdout.splitlines() if "," in line}
    assert {"daily", "statusline", "price", "doctor", "demo", "blocks"} <= offered


def test_piped_output_has_no_colour_codes(ingested: tuple[Path, dict[str, str]]) -> None:
    _, env = ingested
    for args in (["daily", "--no-ingest", "-b"], ["blocks", "--no-ingest", "--recent"]):
        r = run_cli(args, {**env, "COLUMNS": "150"})
        assert r.returncode == 0, r.stderr
        assert "\x1b[" not in r.stdout
    r = run_cli(["blocks", "--no-ingest", "--active"], env)
    assert r.returncode == 0
    assert "No active block" in r.stdout  # generated logs are in the past


def test_statusline_hook_ingests_the_transcript(tmp_path: Path) -> None:
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc) - timedelta(minutes=5)
    ts = now.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    line = {
        "type": "assistant", "sessionId": "s-hook", "cwd": "/w", "timestamp": ts,
        "requestId": "r1", "uuid": "u1", "isSidechain": False,
        "message": {"id": "m1", "model": "claude-sonnet-4-5-20250929", "stop_reason": "end_turn",
                    "usage": {"input_tokens": 1000, "output_tokens": 10,
                              "cache_read_input_tokens": 49000}},
    }  # fmt: skip
    transcript = tmp_path / "t" / "s-hook.jsonl"
    transcript.parent.mkdir()
    transcript.write_text(json.dumps(line) + "\n")
    env = make_env(tmp_path, None)
    hook = json.dumps({"session_id": "s-hook", "transcript_path": str(transcript)})
    r = subprocess.run(
        [sys.executable, "-m", "tokentrail", "statusline", "--hook", "-z", "UTC"],
        input=hook, capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "ctx 25% (sonnet-4-5)" in r.stdout  # 50,000 of 200,000 tokens
    assert "block $" in r.stdout
    none = run_cli(["statusline", "--ledger", str(tmp_path / "nope.sqlite3")], env)
    assert none.returncode == 0
    assert "no ledger yet" in none.stdout
