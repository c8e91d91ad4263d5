"""The console entry point: `tokentrail statusline` answered without the CLI framework, and
every other call (or any doubt) handed to the full command line with the same result."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "reports"))
from _rep_helpers import gen_tree, make_env, run_cli  # noqa: E402

from tokentrail._entry import _report_args, _statusline_args  # noqa: E402


def _entry(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = (
        "import os, sys; from tokentrail._entry import main\n"
        "def mark():\n"
        "    print('CLICK' if 'click' in sys.modules else 'NOCLICK', file=sys.stderr, flush=True)\n"
        "leave = os._exit  # a fast path answers, then leaves without teardown\n"
        "os._exit = lambda code: (mark(), leave(code))\n"
        f"sys.argv = ['tokentrail', *{args!r}]\n"
        "try:\n    main()\nfinally:\n    mark()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )


@pytest.mark.parametrize(
    ("args", "parsed"),
    [
        (["statusline"], {}),
        (["statusline", "--ledger", "x.db", "-z", "UTC"], {"ledger": "x.db", "zone": "UTC"}),
        (["statusline", "--ledger=x.db", "--timezone=Asia/Tokyo"],
         {"ledger": "x.db", "zone": "Asia/Tokyo"}),
        (["statusline", "--hook", "-B", "emoji", "--context-low-threshold=40", "--color",
          "always", "--context-medium-threshold", "90"],
         {"hook": "1", "burn": "emoji", "low": "40", "medium": "90", "color": "always"}),
        (["statusline", "--help"], None),
        (["statusline", "--ledger"], None),
        (["statusline", "-z=UTC"], None),
        (["statusline", "--hook=1"], None),
        (["statusline", "-j"], None),
        (["daily"], None),
        ([], None),
    ],
)  # fmt: skip
def test_only_plain_status_line_calls_take_the_fast_path(
    args: list[str], parsed: dict[str, str] | None
) -> None:
    assert _statusline_args(args) == parsed


def test_fast_status_line_equals_the_full_command(tmp_path: Path) -> None:
    gen_tree(tmp_path / "tree", seed=31)
    env = make_env(tmp_path, tmp_path / "tree")
    assert run_cli(["ingest", "-q"], env).returncode in (0, 1)
    for zone, *more in (("UTC",), ("America/Los_Angeles", "-B", "text", "--color", "always")):
        fast = _entry(["statusline", "-z", zone, *more], env)
        assert fast.returncode == 0, fast.stderr
        assert fast.stderr.strip() == "NOCLICK"
        full = subprocess.run(
            [sys.executable, "-c", "from tokentrail.cli import main; main()",
             "statusline", "--timezone", zone, *more],
            capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip
        assert full.returncode == 0, full.stderr
        assert fast.stdout == full.stdout
        assert fast.stdout.startswith("today ")


def test_doubtful_calls_go_to_the_full_command_line(tmp_path: Path) -> None:
    env = make_env(tmp_path, None)
    missing = _entry(["statusline", "--ledger", str(tmp_path / "none.sqlite3")], env)
    assert missing.returncode == 0
    assert "no ledger yet" in missing.stdout
    assert not (tmp_path / "none.sqlite3").exists()
    bad = _entry(["statusline", "--context-low-threshold", "90", "--context-medium-threshold",
                  "80", "--ledger", str(tmp_path / "none.sqlite3")], env)  # fmt: skip
    assert bad.returncode == 2
    assert "--context-low-threshold" in bad.stderr
    bad_zone = _entry(["statusline", "-z", "Nowhere/Bad"], env)
    assert bad_zone.returncode == 2
    assert "unknown time zone" in bad_zone.stderr
    assert "Traceback" not in bad_zone.stderr
    version = _entry(["--version"], env)
    assert version.returncode == 0
    assert "tokentrail, version" in version.stdout


_KW: dict[str, object] = {"models": (), "no_ingest": False}


@pytest.mark.parametrize(
    ("args", "parsed"),
    [
        (["daily", "--json"], ("daily", _KW, True, False, False)),
        (["session", "--json", "--ledger", "x.db", "-z", "UTC"],
         ("session", {**_KW, "ledger": "x.db", "zone": "UTC"}, True, False, False)),
        (["daily", "--ledger=x.db", "--timezone=Asia/Tokyo", "--json", "-q", "-b"],
         ("daily", {**_KW, "ledger": "x.db", "zone": "Asia/Tokyo"}, True, True, True)),
        (["model", "--json", "-m", "opus", "--model=haiku", "-p", "app", "--no-ingest"],
         ("model", {**_KW, "models": ("opus", "haiku"), "project": "app", "no_ingest": True},
          True, False, False)),
        (["daily", "--json", "-s", "20260101", "--until=2026-02-01", "-o", "desc", "-z", "A",
          "-z", "B"],
         ("daily", {**_KW, "since": "20260101", "until": "2026-02-01", "order": "desc",
                    "zone": "B"}, True, False, False)),
        (["weekly", "--json", "-w", "sunday"],
         ("weekly", {**_KW, "start_of_week": "sunday"}, True, False, False)),
        (["daily", "--json", "-w", "sunday"], None),  # weekly only
        (["daily"], ("daily", _KW, False, False, False)),  # a table
        (["session", "-b", "-z", "UTC"], ("session", {**_KW, "zone": "UTC"}, False, True, False)),
        (["daily", "--csv"], None),
        (["daily", "--json", "--csv"], None),
        (["daily", "--json", "--parquet", "x.parquet"], None),
        (["daily", "--json", "--help"], None),
        (["daily", "--json", "--ledger"], None),
        (["daily", "--json", "--ledger", "-x"], None),  # a value that looks like an option
        (["daily", "--json", "-zUTC"], None),
        (["daily", "--json", "-z=UTC"], None),
        (["daily", "--json=1"], None),
        (["daily", "--json", "--"], None),
        (["daily", "--json", "extra"], None),
        (["blocks", "--json", "--active"], None),
        (["--version"], None),
        (["statusline", "--json"], None),
        (["daily", "--blocks"], None),
        ([], None),
    ],
)  # fmt: skip
def test_only_plain_report_calls_take_the_fast_path(
    args: list[str], parsed: tuple[str, dict[str, object], bool, bool, bool] | None
) -> None:
    assert _report_args(args) == parsed


def test_completion_and_handed_over_calls_use_the_full_command_line(tmp_path: Path) -> None:
    gen_tree(tmp_path / "tree", seed=33, size="200KB")
    env = make_env(tmp_path, tmp_path / "tree")
    assert run_cli(["ingest", "-q"], env).returncode in (0, 1)
    fast = _entry(["daily", "--json"], env)
    assert fast.returncode == 0, fast.stderr
    assert fast.stderr.strip() == "NOCLICK"
    complete = _entry(["daily", "--json"], {**env, "_TOKENTRAIL_COMPLETE": "bash_source"})
    assert complete.stderr.strip().endswith("CLICK")
    assert not complete.stderr.strip().endswith("NOCLICK")
    table = _entry(["daily", "-z", "UTC", "-q"], env)
    assert table.returncode == 0
    assert table.stderr.strip() == "NOCLICK"
    csv = _entry(["daily", "--csv"], env)
    assert csv.returncode == 0
    assert csv.stderr.strip().endswith("CLICK")
    assert "NOCLICK" not in csv.stderr
    bad = _entry(["daily", "--json", "--since", "tomorrow"], env)
    assert bad.returncode == 2
    assert "is not a date" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_an_unexpected_error_on_the_fast_path_hands_over(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import tokentrail._entry as entry
    import tokentrail.reports.warm as warm

    def broken(kind: str, **kw: object) -> str:
        raise OverflowError("a bug")

    monkeypatch.setattr(warm, "warm_report", broken)
    for as_json in (True, False):
        assert (
            entry._fast_report("daily", {"models": (), "no_ingest": False}, as_json, False, False)
            is False
        )
    assert capsys.readouterr().out == ""


def test_changed_logs_are_listed_once_per_command(tmp_path: Path) -> None:
    """The warm check's listing goes to the full command's ingest: one walk, and the result
    equals a fresh full command's."""
    gen_tree(tmp_path / "tree", seed=34, size="200KB")
    env = make_env(tmp_path, tmp_path / "tree")
    assert run_cli(["ingest", "-q"], env).returncode in (0, 1)
    new = tmp_path / "tree" / "projects" / "-w-extra" / "0b7e6f1a-1111-4222-8333-944445555666.jsonl"
    new.parent.mkdir(parents=True)
    new.write_text(
        '{"type": "assistant", "timestamp": "2026-03-01T10:00:00Z", "sessionId": "s-extra", '
        '"requestId": "req_extra", "message": {"id": "msg_extra", "model": "claude-opus-4-6", '
        '"stop_reason": "end_turn", "usage": {"input_tokens": 7, "output_tokens": 9}}}\n'
    )
    code = (
        "import sys\n"
        "import tokentrail.ingest.found as found\n"
        "real = found._walk\n"
        "walks = []\n"
        "def counting(d, skipped=None):\n"
        "    walks.append(d)\n"
        "    return real(d, skipped)\n"
        "found._walk = counting\n"
        "from tokentrail._entry import main\n"
        "sys.argv = ['tokentrail', 'daily', '--json']\n"
        "try:\n    main()\n"
        "finally:\n    print('WALKS', len(walks), file=sys.stderr)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert "WALKS 1" in out.stderr
    import sqlite3

    db = sqlite3.connect(env["TOKENTRAIL_LEDGER"])
    keys = db.execute("SELECT dedup_key FROM records WHERE message_id = 'msg_extra'").fetchall()
    db.close()
    assert keys == [("msg_extra|req_extra",)]  # the new file was ingested
    again = run_cli(["daily", "--json", "--no-ingest"], env)
    assert again.stdout == out.stdout


def test_a_listing_is_handed_over_once_and_only_for_its_roots() -> None:
    from tokentrail.ingest.found import FoundFile, hand_over, take_over

    files = [FoundFile("/r/p/a.jsonl", ["p", "a.jsonl"])]
    hand_over(["/r"], files)
    assert take_over(["/other"]) is None
    assert take_over(["/r"]) is None  # the mismatch used it up
    hand_over(["/r"], files)
    assert take_over(["/r"]) == files
    assert take_over(["/r"]) is None


def test_a_stale_listing_is_not_taken_over(monkeypatch: pytest.MonkeyPatch) -> None:
    import tokentrail.ingest.found as found

    hand_over = found.hand_over
    hand_over(["/r"], [found.FoundFile("/r/p/a.jsonl", ["p", "a.jsonl"])])
    monkeypatch.setattr(found, "HANDOVER_SECONDS", 0.0)
    assert found.take_over(["/r"]) is None
    assert found._HANDOVER == []
