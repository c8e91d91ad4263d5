"""Warm ``--json`` reports (tokentrail.reports.warm): the same bytes as the full command when
the ledger is up to date with the logs, and a hand-over (None) in every other case."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _rep_helpers import gen_tree, make_env, run_cli
from click.testing import CliRunner

from tokentrail.reports.render_json import render_json
from tokentrail.reports.warm import warm_report


def warm_report_json(kind: str, **options: Any) -> str | None:
    """The ``--json`` text the console entry prints (without its newline), or None."""
    report = warm_report(kind, **options)
    return None if report is None else render_json(report)


KINDS = ("daily", "weekly", "monthly", "session", "project", "model", "blocks", "agent", "branch")


def _point(env: dict[str, str], mp: pytest.MonkeyPatch) -> None:
    for k in ("HOME", "TZ", "TOKENTRAIL_LEDGER", "CLAUDE_CONFIG_DIR", "XDG_DATA_HOME"):
        mp.setenv(k, env[k])
    mp.delenv("TOKENTRAIL_LOCK_TIMEOUT", raising=False)
    time.tzset()


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated tree (subagents, malformed lines) and its ledger, ingested by the full
    command."""
    tmp = tmp_path_factory.mktemp("warm")
    gen_tree(tmp / "tree", seed=41, size="300KB", malformed_rate="0.01", days="20")
    env = make_env(tmp, tmp / "tree")
    r = run_cli(["ingest", "-q"], env)
    assert r.returncode in (0, 1), r.stderr
    return tmp


@pytest.fixture(scope="module")
def shared(base: Path) -> Iterator[dict[str, str]]:
    """This process's environment pointed at :func:`base` (HOME, logs, ledger, TZ), for
    tests that change nothing."""
    with pytest.MonkeyPatch.context() as mp:
        env = make_env(base, base / "tree")
        _point(env, mp)
        yield env
    time.tzset()


@pytest.fixture
def warm(base: Path, tmp_path: Path) -> Iterator[dict[str, str]]:
    """A copy of :func:`base` (tree and ledger, mtimes kept) for tests that change it."""
    shutil.copytree(base / "tree", tmp_path / "tree", symlinks=True)
    shutil.copy2(base / "ledger.sqlite3", tmp_path / "ledger.sqlite3")
    env = make_env(tmp_path, tmp_path / "tree")
    # the copies have new inodes: one full run records them, then the ledger is warm
    with pytest.MonkeyPatch.context() as mp:
        _point(env, mp)
        full(["ingest", "-q"])
        yield env
    time.tzset()


def full(args: list[str]) -> str:
    """stdout of the full command line (click), in this process."""
    from tokentrail.cli import _register, cli

    _register(args)
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code in ((0, 1) if args[0] == "ingest" else (0,)), result.output
    return result.stdout


def _logs(env: dict[str, str]) -> list[Path]:
    return sorted(Path(env["CLAUDE_CONFIG_DIR"]).rglob("*.jsonl"))


@pytest.mark.parametrize("kind", KINDS)
def test_warm_json_equals_the_full_command_for_every_kind(
    shared: dict[str, str], kind: str
) -> None:
    text = warm_report_json(kind)
    assert text is not None
    assert text + "\n" == full([kind, "--json"])


@pytest.mark.parametrize(
    ("args", "kw"),
    [
        (["-z", "America/Los_Angeles"], {"zone": "America/Los_Angeles"}),
        (["--timezone", "Asia/Kolkata", "-o", "desc"], {"zone": "Asia/Kolkata", "order": "desc"}),
        (["-z", "UTC", "--since", "20260105", "--until", "2026-01-12"],
         {"zone": "UTC", "since": "20260105", "until": "2026-01-12"}),
        (["-z", "Pacific/Chatham", "-s", "2026-01-03"],
         {"zone": "Pacific/Chatham", "since": "2026-01-03"}),
        (["-m", "opus", "-m", "sonnet-4-5"], {"models": ("opus", "sonnet-4-5")}),
        (["--no-ingest", "-q", "-b"], {"no_ingest": True}),
    ],
)  # fmt: skip
@pytest.mark.parametrize("kind", ["daily", "weekly", "session", "model", "agent", "blocks"])
def test_warm_json_equals_the_full_command_with_options(
    shared: dict[str, str], kind: str, args: list[str], kw: dict[str, Any]
) -> None:
    text = warm_report_json(kind, **kw)
    assert text is not None
    assert text + "\n" == full([kind, "--json", *args])


def test_weekly_start_and_project_filter(shared: dict[str, str]) -> None:
    project = json.loads(full(["project", "--json"]))["projects"][0]["project"]
    name = project.rstrip("/").rsplit("/", 1)[-1]
    for start in ("monday", "sunday", "thursday"):
        text = warm_report_json("weekly", start_of_week=start, project=name)
        assert text is not None
        assert text + "\n" == full(["weekly", "--json", "-w", start, "-p", name])


def test_ledger_given_explicitly_instead_of_the_environment(
    shared: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moved = tmp_path / "elsewhere" / "my ledger?#%.sqlite3"  # URI characters in the name
    moved.parent.mkdir()
    shutil.copy(shared["TOKENTRAIL_LEDGER"], moved)
    monkeypatch.delenv("TOKENTRAIL_LEDGER")
    text = warm_report_json("session", ledger=str(moved), zone="Europe/Paris")
    assert text is not None
    assert text + "\n" == full(["session", "--json", "--ledger", str(moved), "-z", "Europe/Paris"])


def test_a_deleted_log_is_still_warm(warm: dict[str, str]) -> None:
    before = full(["daily", "--json"])
    _logs(warm)[0].unlink()  # its records stay in the ledger
    text = warm_report_json("daily")
    assert text is not None
    assert text + "\n" == full(["daily", "--json"]) == before


def _append_line(env: dict[str, str]) -> None:
    a, b = _logs(env)[:2]
    line = next(x for x in a.read_bytes().splitlines(keepends=True) if b'"usage"' in x)
    with open(b, "ab") as fh:
        fh.write(line.replace(b'"requestId":"', b'"requestId":"warm-test-'))


def _new_file(env: dict[str, str]) -> None:
    src = _logs(env)[0]
    shutil.copy(src, src.with_name("0000aaaa-0000-4000-8000-000000000000.jsonl"))


def _touch(env: dict[str, str]) -> None:
    f = _logs(env)[0]
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def _truncate(env: dict[str, str]) -> None:
    f = max(_logs(env), key=lambda p: p.stat().st_size)
    data = f.read_bytes()
    f.write_bytes(data[: data.index(b"\n", len(data) // 2) + 1])


def _replace(env: dict[str, str]) -> None:
    f = max(_logs(env), key=lambda p: p.stat().st_size)
    data = f.read_bytes()
    tmp = f.with_suffix(".tmp")
    tmp.write_bytes(data[: data.index(b"\n") + 1] + data)  # first line twice: new head
    os.replace(tmp, f)


@pytest.mark.parametrize("change", [_append_line, _new_file, _touch, _truncate, _replace])
def test_changed_logs_hand_over_to_the_full_command(warm: dict[str, str], change: Any) -> None:
    assert warm_report_json("daily") is not None
    change(warm)
    assert warm_report_json("daily") is None
    assert warm_report_json("session", zone="UTC") is None
    expected = full(["daily", "--json"])  # ingests the change
    text = warm_report_json("daily")
    assert text is not None  # warm again
    assert text + "\n" == expected
    assert warm_report_json("daily", no_ingest=True) is not None


def test_no_ingest_answers_even_when_logs_changed(warm: dict[str, str]) -> None:
    _append_line(warm)
    text = warm_report_json("model", no_ingest=True)
    assert text is not None
    assert text + "\n" == full(["model", "--json", "--no-ingest"])


def test_a_missing_ledger_is_not_created(shared: dict[str, str], tmp_path: Path) -> None:
    missing = tmp_path / "none" / "ledger.sqlite3"
    assert warm_report_json("daily", ledger=str(missing)) is None
    assert warm_report_json("daily", ledger=str(missing), no_ingest=True) is None
    assert not missing.parent.exists()


def test_an_old_schema_hands_over_and_the_full_command_migrates(warm: dict[str, str]) -> None:
    from tokentrail.ledger.schema import MIGRATIONS

    # The last migration that adds one new table, and every one after it, not applied yet.
    last = max(
        i
        for i, (_, script) in enumerate(MIGRATIONS)
        if len(re.findall(r"CREATE TABLE (\w+)", script)) == 1 and "DROP TABLE" not in script
    )
    (table,) = re.findall(r"CREATE TABLE (\w+)", MIGRATIONS[last][1])
    db = sqlite3.connect(warm["TOKENTRAIL_LEDGER"])
    for name, _ in MIGRATIONS[last:]:
        db.execute("DELETE FROM _migrations WHERE name = ?", (name,))
    db.execute(f"DROP TABLE {table}")
    db.commit()
    db.close()
    assert warm_report_json("daily") is None
    assert warm_report_json("daily", no_ingest=True) is None
    expected = full(["daily", "--json"])
    text = warm_report_json("daily")
    assert text is not None
    assert text + "\n" == expected


def test_an_empty_or_foreign_file_hands_over(shared: dict[str, str], tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite3"
    empty.write_bytes(b"")
    assert warm_report_json("daily", ledger=str(empty)) is None
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    assert warm_report_json("daily", ledger=str(junk)) is None


@pytest.mark.parametrize(
    "kw",
    [
        {"zone": "Nowhere/Bad"},
        {"since": "2026-13-01"},
        {"since": "2026-01-10T00:00:00Z"},
        {"since": "20260110", "until": "20260101"},
        {"project": "no-such-project"},
        {"models": ("no-such-model",)},
        {"order": "DESC"},
        {"start_of_week": "Monday"},
    ],
)
def test_bad_values_hand_over(shared: dict[str, str], kw: dict[str, Any]) -> None:
    assert warm_report_json("daily", **kw) is None


def test_a_bad_lock_timeout_hands_over(
    shared: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOKENTRAIL_LOCK_TIMEOUT", "soon")
    assert warm_report_json("daily") is None
    monkeypatch.setenv("TOKENTRAIL_LOCK_TIMEOUT", "2.5")
    assert warm_report_json("daily") is not None


def test_a_ledger_being_written_still_answers(shared: dict[str, str]) -> None:
    """WAL: a read-only reader is not blocked by a writer holding the lock."""
    writer = sqlite3.connect(shared["TOKENTRAIL_LEDGER"], isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        assert warm_report_json("daily") is not None
    finally:
        writer.execute("ROLLBACK")
        writer.close()


_PROBE = (
    "import os, sys; from tokentrail._entry import main\n"
    "def mark():\n"
    "    heavy = sorted(m for m in ('click', 'rich', 'msgspec', 'pydantic', 'platformdirs',"
    " 'dataclasses', 'hashlib', 'pathlib', 'json') if m in sys.modules)\n"
    "    print('LOADED ' + ','.join(heavy), file=sys.stderr, flush=True)\n"
    "leave = os._exit  # a fast path answers, then leaves without teardown\n"
    "os._exit = lambda code: (mark(), leave(code))\n"
    "sys.argv = ['tokentrail', *sys.argv[1:]]\n"
    "try:\n    main()\nfinally:\n    mark()\n"
)


def test_the_console_entry_answers_warm_without_heavy_imports(tmp_path: Path) -> None:
    gen_tree(tmp_path / "tree", seed=43, size="200KB")
    env = make_env(tmp_path, tmp_path / "tree")
    ledger = env.pop("TOKENTRAIL_LEDGER")
    env["TZ"] = "America/New_York"  # local time, no -z
    assert run_cli(["ingest", "-q", "--ledger", ledger], env).returncode in (0, 1)
    for args in (["daily", "--json", "--ledger", ledger],
                 ["session", "--ledger=" + ledger, "--json", "-q"]):  # fmt: skip
        fast = subprocess.run(
            [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, env=env
        )
        assert fast.returncode == 0, fast.stderr
        assert fast.stderr.strip() == "LOADED", fast.stderr
        slow = subprocess.run(
            [sys.executable, "-c", "from tokentrail.cli import main; main()", *args],
            capture_output=True, text=True, env=env,
        )  # fmt: skip
        assert slow.returncode == 0, slow.stderr
        assert fast.stdout == slow.stdout
    # logs changed: the entry hands over (click is loaded) and still prints the report
    log = next((tmp_path / "tree").rglob("*.jsonl"))
    os.utime(log, ns=(0, log.stat().st_mtime_ns + 10**9))
    changed = subprocess.run(
        [sys.executable, "-c", _PROBE, "daily", "--json", "--ledger", ledger],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    assert "click" in changed.stderr.splitlines()[-1]
    assert json.loads(changed.stdout)["report"] == "daily"
    again = subprocess.run(
        [sys.executable, "-c", _PROBE, "daily", "--json", "--ledger", ledger],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert again.stderr.strip() == "LOADED"  # warm again after that ingest
    assert again.stdout == changed.stdout


def test_a_ledger_the_full_command_could_not_open_hands_over(
    shared: dict[str, str], tmp_path: Path
) -> None:
    copy = tmp_path / "ro.sqlite3"
    shutil.copy(shared["TOKENTRAIL_LEDGER"], copy)
    assert warm_report_json("daily", ledger=str(copy)) is not None
    copy.chmod(0o400)
    try:
        if os.geteuid() != 0:  # root may write anyway, as SQLiteLedger would
            assert warm_report_json("daily", ledger=str(copy)) is None
    finally:
        copy.chmod(0o600)
    assert warm_report_json("daily", ledger=str(tmp_path)) is None  # a directory


@pytest.mark.parametrize("columns", ["200", "100", "60"])  # full, normal and narrow layouts
@pytest.mark.parametrize(
    "args",
    [["daily"], ["session", "-b"], ["monthly", "-z", "Asia/Kolkata"], ["blocks"], ["model"],
     ["weekly", "-w", "sunday", "-o", "desc"], ["agent", "--no-ingest", "-q"]],
)  # fmt: skip
def test_warm_tables_equal_the_full_command(
    shared: dict[str, str], args: list[str], columns: str
) -> None:
    """A table from the console entry's warm path (no click loaded) is the full command's
    table, byte for byte, at every width."""
    env = {**shared, "COLUMNS": columns, "PATH": os.environ.get("PATH", "")}
    fast = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, env=env
    )
    assert fast.returncode == 0, fast.stderr
    assert fast.stderr.strip().splitlines()[-1].startswith("LOADED"), fast.stderr
    assert "click" not in fast.stderr
    slow = subprocess.run(
        [sys.executable, "-c", "from tokentrail.cli import main; main()", *args],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert slow.returncode == 0, slow.stderr
    assert fast.stdout == slow.stdout
    assert "Totals" in fast.stdout or "Total" in fast.stdout
