"""``tokentrail statusline --hook``: Claude Code's JSON on stdin and a real transcript; the
session's cost, the context from the transcript, ``ctx ?``, colours and burn rate, the
background ingest of the transcript's new bytes, and the fast path (no click)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from _rep_helpers import make_env

from tokentrail.reports.hook import session_files, transcript_context
from tokentrail.reports.statusline import Look, Status, format_status, make_look

SONNET = "claude-sonnet-4-5-20250929"
T0 = 1_767_225_600_000


def _line(i: int, ts: datetime, model: str = SONNET, **kw: Any) -> str:
    line = {
        "type": "assistant", "sessionId": "s-hook", "cwd": "/w/app", "isSidechain": False,
        "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "requestId": f"r{i}",
        "uuid": f"u{i}",
        "message": {"id": f"m{i}", "model": model, "stop_reason": "end_turn",
                    "usage": {"input_tokens": 1000, "output_tokens": 100 * i,
                              "cache_read_input_tokens": 49_000}},
        **kw,
    }  # fmt: skip
    return json.dumps(line) + "\n"


def _hook(env: dict[str, str], transcript: Path, *args: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import os, sys; from tokentrail._entry import main\n"
        "def mark():\n"
        "    print('CLICK' if 'click' in sys.modules else 'NOCLICK', file=sys.stderr, flush=True)\n"
        "leave = os._exit  # a fast path answers, then leaves without teardown\n"
        "os._exit = lambda code: (mark(), leave(code))\n"
        f"sys.argv = ['tokentrail', 'statusline', '--hook', '-z', 'UTC', *{list(args)!r}]\n"
        "try:\n    main()\nfinally:\n    mark()\n"
    )
    data = {
        "session_id": "s-hook",
        "transcript_path": str(transcript),
        "model": {"id": SONNET, "display_name": "Sonnet 4.5"},
        "workspace": {"current_dir": "/w/app"},
        "cwd": "/w/app",
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(data), capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip


def _settle(ledger: Path) -> None:
    """Wait for the background ingest (its lock file) to finish."""
    lock = Path(str(ledger) + ".hook-ingest")
    deadline = time.monotonic() + 30
    while lock.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not lock.exists()


def _cost(out: str) -> Decimal:
    return Decimal(out.split("session $", 1)[1].split(" ", 1)[0])


def test_hook_session_cost_context_and_background_ingest(tmp_path: Path) -> None:
    now = datetime.now(timezone.utc) - timedelta(minutes=30)
    transcript = tmp_path / "projects" / "-w-app" / "s-hook.jsonl"
    transcript.parent.mkdir(parents=True)
    transcript.write_text(_line(1, now))
    env = make_env(tmp_path, tmp_path / "none")
    ledger = Path(env["TOKENTRAIL_LEDGER"])

    first = _hook(env, transcript)  # no ledger: the full command ingests in the foreground
    assert first.returncode == 0, first.stderr
    assert "CLICK" in first.stderr
    assert first.stdout.startswith("session $")
    assert "ctx 25% (sonnet-4-5)" in first.stdout  # 50,000 of 200,000 tokens
    assert "block $" in first.stdout
    one = _cost(first.stdout)
    assert one > 0

    warm = _hook(env, transcript)  # warm and unchanged: the fast path, nothing to ingest
    assert warm.returncode == 0, warm.stderr
    assert warm.stderr.strip() == "NOCLICK"
    assert warm.stdout == first.stdout
    assert not Path(str(ledger) + ".hook-ingest").exists()

    with transcript.open("a") as f:  # two more requests: one main-thread, one subagent's
        f.write(_line(2, now + timedelta(minutes=1)))
        f.write(_line(3, now + timedelta(minutes=2), isSidechain=True))
    grown = _hook(env, transcript, "-B", "text")
    assert grown.stderr.strip() == "NOCLICK"
    assert _cost(grown.stdout) == one  # the ledger as it was...
    assert "ctx 25% (sonnet-4-5)" in grown.stdout  # ...the context from the transcript
    _settle(ledger)
    after = _hook(env, transcript, "-B", "text")
    assert _cost(after.stdout) > 2 * one  # ...and the new bytes from the next update on
    assert "(normal)" in after.stdout or "(moderate)" in after.stdout or "(high)" in after.stdout
    colored = _hook(env, transcript, "--color", "always", "--context-low-threshold", "20")
    assert "\x1b[33mctx 25%\x1b[0m" in colored.stdout
    plain = _hook({**env, "FORCE_COLOR": "1", "NO_COLOR": "1"}, transcript)
    assert "\x1b[" not in plain.stdout


def test_unknown_context_window_is_a_question_mark(tmp_path: Path) -> None:
    transcript = tmp_path / "s.jsonl"
    now = datetime.now(timezone.utc)
    transcript.write_text(_line(1, now) + _line(2, now, model="glm-4.6"))
    assert transcript_context(transcript) == (50_000, "glm-4.6")
    s = Status(T0, Decimal(0), 0, 0, context_tokens=50_000, context_window=None, model="glm-4.6")
    assert format_status(s).endswith("| ctx ? (glm-4.6)")
    transcript.write_text(
        _line(1, now)
        + _line(2, now, model="<synthetic>")
        + _line(3, now, isSidechain=True, model="claude-haiku-4-5")
    )
    assert transcript_context(transcript) == (50_000, SONNET)  # the last main-thread request


def test_burn_rate_and_colours_follow_ccusage_names() -> None:
    s = Status(
        T0 + 3_600_000, Decimal(1), 0, 2, block_start_ms=T0, block_end_ms=T0 + 18_000_000,
        block_cost=Decimal(1), block_requests=2, block_cost_per_hour=Decimal("0.5"),
        burn="moderate", context_tokens=170_000, context_window=200_000, model=SONNET,
    )  # fmt: skip
    assert "$0.50/h)" in format_status(s)
    assert "$0.50/h ⚠️)" in format_status(s, Look(burn="emoji"))
    assert "$0.50/h (moderate))" in format_status(s, Look(burn="text"))
    assert "$0.50/h ⚠️ (moderate))" in format_status(s, Look(burn="emoji-text"))
    red = format_status(s, Look(color=True))
    assert "\x1b[31mctx 85%\x1b[0m" in red
    assert "\x1b[32mctx 85%" in format_status(s, Look(low=90, medium=95, color=True))
    assert make_look(color="always").color
    assert not make_look(color="never", tty=True).color
    env_before = dict(os.environ)
    try:
        os.environ.pop("NO_COLOR", None)
        os.environ.pop("FORCE_COLOR", None)
        assert make_look(tty=True).color
        assert not make_look(tty=False).color
    finally:
        os.environ.clear()
        os.environ.update(env_before)


def test_session_files_include_the_subagents(tmp_path: Path) -> None:
    t = tmp_path / "abc.jsonl"
    t.write_text("")
    sub = tmp_path / "abc" / "subagents"
    sub.mkdir(parents=True)
    (sub / "agent-1.jsonl").write_text("")
    (sub / "notes.txt").write_text("")
    assert session_files(t) == [str(t), str(sub / "agent-1.jsonl")]


def test_a_locked_ledger_never_holds_the_hook_up(tmp_path: Path) -> None:
    """Another process holds the ledger's write lock (a long ingest): the first run waits at
    most about a second, then prints what the ledger holds."""
    import sqlite3

    from tokentrail.ledger import SQLiteLedger
    from tokentrail.ledger.schema import MIGRATIONS

    env = make_env(tmp_path, tmp_path / "logs")
    ledger = Path(env["TOKENTRAIL_LEDGER"])
    SQLiteLedger(ledger).close()
    transcript = tmp_path / "s-hook.jsonl"
    now = datetime.now(timezone.utc)
    transcript.write_text(_line(1, now - timedelta(minutes=3)))
    # A ledger the hook cannot read as it is (a migration pending, its table missing: the
    # hook must write to bring it up) ...
    db = sqlite3.connect(ledger, isolation_level=None)
    db.execute("DELETE FROM _migrations WHERE name = ?", (MIGRATIONS[0][0],))
    db.execute("DROP TABLE rollup_q15")
    # ... that a writer holds.
    db.execute("BEGIN IMMEDIATE")
    try:
        t0 = time.monotonic()
        r = _hook(env, transcript)
        took = time.monotonic() - t0
    finally:
        db.execute("ROLLBACK")
        db.close()
    assert took < 5, took  # not the 60 s of an ingest's lock timeout
    assert "Traceback" not in r.stderr
    assert len((r.stdout + r.stderr).strip().splitlines()) <= 2  # a line, or one error
