"""`tokentrail ingest / problems / daily / session / reprice` end to end (subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


def _gen(out: Path, seed: int = 2) -> dict[str, Any]:
    """A generated tree, written by ``python -m tokentrail.sample`` (a subprocess, as a user
    would run it)."""
    args = ["--size", "500KB", "--seed", str(seed), "--malformed-rate", "0.02", "--quiet"]
    subprocess.run([sys.executable, "-m", "tokentrail.sample", str(out), *args], check=True)
    data: dict[str, Any] = json.loads((out / ".expected.json").read_text())
    return data


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tokentrail", *args], capture_output=True, text=True, env=env
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    e = dict(os.environ)
    e.update(
        HOME=str(home),
        TZ="UTC",
        TOKENTRAIL_LEDGER=str(tmp_path / "ledger.sqlite3"),
        CLAUDE_CONFIG_DIR=str(tmp_path / "tree"),
        XDG_DATA_HOME=str(home / ".local"),
    )
    return e


def test_ingest_summary_exit_code_and_problems(tmp_path: Path, env: dict[str, str]) -> None:
    expected = _gen(tmp_path / "tree")
    r = _run(["ingest", "--json"], env)
    assert r.returncode == 1, r.stderr  # bad lines were found
    s = json.loads(r.stdout)
    assert s["records_added"] == expected["stats"]["unique_messages"]
    assert s["problems"] == len(expected["malformed"]) > 0
    assert s["files"] == expected["stats"]["files"]
    assert s["bytes"] == expected["stats"]["bytes"]
    assert s["duplicates"] == expected["stats"]["usage_lines"] - s["records_added"]
    again = _run(["ingest", "--json"], env)
    assert again.returncode == 0
    assert json.loads(again.stdout)["records_added"] == 0
    p = _run(["problems", "--json"], env)
    assert p.returncode == 0
    probs = json.loads(p.stdout)["problems"]
    assert {(x["file"], x["line"]) for x in probs} == {
        (str(tmp_path / "tree" / m["file"]), m["line"]) for m in expected["malformed"]
    }
    assert set(probs[0]) == {"file", "line", "field", "kind", "message"}
    text = _run(["problems"], env)
    assert f"{len(probs)} problems" in text.stdout


def test_daily_and_session_json_match_expected(tmp_path: Path, env: dict[str, str]) -> None:
    expected = _gen(tmp_path / "tree", seed=5)
    r = _run(["daily", "--json"], env)  # ingests the default sources first
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [d["date"] for d in out["daily"]] == sorted(expected["days"])
    keys = ("input_tokens", "output_tokens", "cache_creation_input_tokens",
            "cache_read_input_tokens")  # fmt: skip
    for d in out["daily"]:
        want = expected["days"][d["date"]]
        assert {k: d[k] for k in keys} == {k: want["totals"][k] for k in keys}
        assert d["requests"] + d["synthetic_messages"] == want["totals"]["messages"]
        assert d["models"] == sorted(m for m in want["models"] if m != "<synthetic>")
        assert isinstance(d["cost_usd"], str)
        assert float(d["cost_usd"]) >= 0
    assert {k: out["totals"][k] for k in keys} == {k: expected["totals"][k] for k in keys}
    s = json.loads(_run(["session", "--json"], env).stdout)
    got = {x["session_id"]: x for x in s["sessions"]}
    assert set(got) == set(expected["sessions"])
    for sid, want in expected["sessions"].items():
        assert {k: got[sid][k] for k in keys} == {k: want["totals"][k] for k in keys}
        assert got[sid]["project"].startswith("/")
    table = _run(["daily"], env)
    assert table.returncode == 0
    assert "Total" in table.stdout


def test_timezone_moves_day_boundaries(tmp_path: Path, env: dict[str, str]) -> None:
    _gen(tmp_path / "tree", seed=6)
    utc = json.loads(_run(["daily", "--json"], env).stdout)
    tokyo = json.loads(_run(["daily", "--json", "--timezone", "Asia/Tokyo"], env).stdout)
    env_tz = json.loads(_run(["daily", "--json"], {**env, "TZ": "Asia/Tokyo"}).stdout)
    assert tokyo == env_tz
    assert utc["totals"] == tokyo["totals"]
    assert [d["date"] for d in utc["daily"]] != [d["date"] for d in tokyo["daily"]] or all(
        a == b for a, b in zip(utc["daily"], tokyo["daily"], strict=False)
    )
    kolkata = json.loads(_run(["daily", "--json", "--timezone", "Asia/Kolkata"], env).stdout)
    assert kolkata["totals"] == utc["totals"]


def test_user_errors_exit_2_with_one_line(tmp_path: Path, env: dict[str, str]) -> None:
    for args in (
        ["daily", "--timezone", "Mars/Olympus"],
        ["daily", "--since", "yesterday"],
        ["ingest", str(tmp_path / "nope")],
        ["problems", "--ledger", str(tmp_path)],
    ):
        r = _run(args, env)
        assert r.returncode == 2, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1
        assert "Traceback" not in r.stderr


def test_reprice_and_explicit_paths(tmp_path: Path, env: dict[str, str]) -> None:
    _gen(tmp_path / "tree", seed=3)
    ledger = str(tmp_path / "other.sqlite3")
    r = _run(["ingest", str(tmp_path / "tree"), "--ledger", ledger, "--json"], env)
    assert r.returncode == 1
    assert json.loads(r.stdout)["records_added"] > 0
    before = json.loads(_run(["daily", "--json", "--no-ingest", "--ledger", ledger], env).stdout)
    rp = _run(["reprice", "--json", "--ledger", ledger], env)
    assert rp.returncode == 0
    assert json.loads(rp.stdout)["changed"] == 0
    after = json.loads(_run(["daily", "--json", "--no-ingest", "--ledger", ledger], env).stdout)
    assert before == after
    assert not Path(env["TOKENTRAIL_LEDGER"]).exists()


def _transcript(path: Path) -> None:
    line = {
        "type": "assistant", "sessionId": "s1", "timestamp": "2026-02-01T10:00:00.000Z",
        "requestId": "r1", "uuid": "u1", "cwd": "/w",
        "message": {"id": "m1", "model": "claude-sonnet-4-5-20250929", "stop_reason": "end_turn",
                    "usage": {"input_tokens": 5, "output_tokens": 7}},
    }  # fmt: skip
    path.write_text(json.dumps(line) + "\n")


def test_unusable_paths_in_a_folder_are_named_never_silent(
    tmp_path: Path, env: dict[str, str]
) -> None:
    p = tmp_path / "logs" / "-w"
    p.mkdir(parents=True)
    _transcript(p / "s1.jsonl")
    (p / "gone.jsonl").symlink_to(tmp_path / "missing.jsonl")
    os.mkfifo(p / "pipe.jsonl")
    r = _run(["ingest", str(tmp_path / "logs")], env)
    assert r.returncode == 1, r.stderr  # finished, but something was not read
    warnings = r.stderr.strip().splitlines()
    assert len(warnings) == 2, r.stderr
    assert "gone.jsonl: unreadable: dangling symlink" in warnings[0]
    assert "pipe.jsonl: unreadable: not a regular file" in warnings[1]
    assert "1 records added" in r.stdout
    assert "2 paths skipped" in r.stdout
    j = _run(["ingest", str(tmp_path / "logs"), "--json", "--quiet"], env)
    assert j.returncode == 1
    out = json.loads(j.stdout)
    assert [(Path(s["path"]).name, s["kind"]) for s in out["skipped_paths"]] == [
        ("gone.jsonl", "unreadable"),
        ("pipe.jsonl", "unreadable"),
    ]
    assert len(j.stderr.strip().splitlines()) == 2  # --quiet never hides them
    (p / "gone.jsonl").unlink()
    (p / "pipe.jsonl").unlink()
    clean = _run(["ingest", str(tmp_path / "logs"), "--json"], env)
    assert clean.returncode == 0, clean.stderr
    assert json.loads(clean.stdout)["skipped_paths"] == []
    assert clean.stderr == ""


def test_folder_without_transcripts_is_named(tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / "empty").mkdir()
    r = _run(["ingest", str(tmp_path / "empty")], env)
    assert r.returncode == 0
    want = f"tokentrail: warning: no .jsonl transcript under {tmp_path / 'empty'}"
    assert r.stderr.strip() == want


def test_path_arguments_that_are_not_transcripts_are_user_errors(
    tmp_path: Path, env: dict[str, str]
) -> None:
    (tmp_path / "dir.jsonl").mkdir()
    _transcript(tmp_path / "dir.jsonl" / "inside.jsonl")
    (tmp_path / "gone.jsonl").symlink_to(tmp_path / "missing.jsonl")
    os.mkfifo(tmp_path / "pipe.jsonl")
    (tmp_path / "notes.txt").write_text("x")
    cases = {
        "dir.jsonl": "is a directory, not a .jsonl transcript",
        "gone.jsonl": "is a dangling symlink",
        "pipe.jsonl": "is not a regular file",
        "notes.txt": "is not a .jsonl transcript or a folder",
        "nope.jsonl": "no such file or directory",
    }
    for name, why in cases.items():
        r = _run(["ingest", str(tmp_path / name)], env)
        assert r.returncode == 2, (name, r.stderr)
        (line,) = r.stderr.strip().splitlines()
        assert name in line
        assert why in line, line
        assert "Traceback" not in r.stderr
    assert not Path(env["TOKENTRAIL_LEDGER"]).exists()  # refused before opening the ledger
