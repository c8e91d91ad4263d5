"""Issue 17's acceptance: two machines' ledgers (different generated trees) pushed twice
each to one chDB team ledger, plus a push killed with SIGKILL mid-way and run again: the
team reports equal the sum of both trees' ground truth (the generator's
``.expected.json``), with no phantom session, split correctly by machine and user.

Everything runs in subprocesses: a chDB directory belongs to one process at a time."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("clickhouse_connect")
pytest.importorskip("chdb")

_KEYS = ("input_tokens", "output_tokens", "cache_creation_input_tokens",
         "cache_read_input_tokens", "web_search_requests", "web_fetch_requests")  # fmt: skip


def _tt(*args: str, env: dict[str, str]) -> str:
    r = subprocess.run(
        [sys.executable, "-m", "tokentrail", *args], capture_output=True, text=True, env=env
    )
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_two_machines_pushed_twice_and_killed_give_exact_totals(tmp_path: Path) -> None:
    env = {**os.environ, "TZ": "UTC", "HOME": str(tmp_path)}
    env.pop("TOKENTRAIL_LEDGER", None)
    truths = {}
    for machine, seed in (("a", "31"), ("b", "32")):
        tree = tmp_path / f"tree-{machine}"
        subprocess.run(
            [sys.executable, "-m", "tokentrail.sample", str(tree), "--size", "2MB", "--seed",
             seed, "--quiet"],
            check=True,
        )  # fmt: skip
        truths[machine] = json.loads((tree / ".expected.json").read_text())
        _tt("ingest", str(tree), "--ledger", str(tmp_path / f"{machine}.sqlite3"), "-q", env=env)
    team = f"chdb://{tmp_path / 'team'}"

    def push(machine: str, *extra: str) -> list[str]:
        return [sys.executable, "-m", "tokentrail", "push", "--to", team, "--ledger",
                str(tmp_path / f"{machine}.sqlite3"), "--machine", machine, "--user",
                f"user-{machine}", "-q", *extra]  # fmt: skip

    for machine in ("a", "a"):
        subprocess.run(push(machine), check=True, env=env)
    # killed mid-way: once the first batches are in the team ledger (the local checkpoint
    # moved) and before the last one
    killed = subprocess.Popen(push("b", "--batch-size", "1"), env=env)
    local_b = sqlite3.connect(tmp_path / "b.sqlite3")
    top = local_b.execute("SELECT max(id) FROM records").fetchone()[0]
    at = 0
    deadline = time.monotonic() + 120
    while killed.poll() is None and time.monotonic() < deadline:
        try:
            row = local_b.execute("SELECT max(last_id) FROM push_checkpoint").fetchone()
        except sqlite3.OperationalError:  # locked for a moment by the push's checkpoint write
            continue
        if row[0]:
            killed.send_signal(signal.SIGKILL)
            at = row[0]
            break
        time.sleep(0.005)
    killed.wait()
    local_b.close()
    assert 0 < at < top, "the push was not killed mid-way"
    for machine in ("b", "b"):
        subprocess.run(push(machine, "--batch-size", "50"), check=True, env=env)

    daily = json.loads(_tt("daily", "--ledger", team, "--json", "-z", "UTC", env=env))
    want_days: dict[str, dict[str, int]] = {}
    for truth in truths.values():
        for day, d in truth["days"].items():
            acc = want_days.setdefault(day, dict.fromkeys((*_KEYS, "messages"), 0))
            for k in (*_KEYS, "messages"):
                acc[k] += d["totals"][k]
    got_days = {r["date"]: r for r in daily["daily"]}
    assert set(got_days) == set(want_days)
    for day, want in want_days.items():
        row = got_days[day]
        for k in _KEYS:
            assert row[k] == want[k], (day, k)
        assert row["requests"] + row["synthetic_messages"] == want["messages"], day

    sessions = json.loads(_tt("session", "--ledger", team, "--json", "-z", "UTC", env=env))
    want_sessions = {sid: s for t in truths.values() for sid, s in t["sessions"].items()}
    got = {s["session_id"]: s for s in sessions["sessions"]}
    assert set(got) == set(want_sessions)  # no phantom session
    for sid, s in want_sessions.items():
        assert got[sid]["output_tokens"] == s["totals"]["output_tokens"]
        assert got[sid]["requests"] + got[sid]["synthetic_messages"] == s["totals"]["messages"]

    for kind, key in (("machine", "machines"), ("user", "users")):
        rows = json.loads(_tt(kind, "--ledger", team, "--json", "-z", "UTC", env=env))[key]
        by = {r[kind]: r for r in rows}
        assert set(by) == ({"a", "b"} if kind == "machine" else {"user-a", "user-b"})
        for machine, truth in truths.items():
            r = by[machine if kind == "machine" else f"user-{machine}"]
            assert r["output_tokens"] == truth["totals"]["output_tokens"]
            assert r["requests"] + r["synthetic_messages"] == truth["totals"]["messages"]
