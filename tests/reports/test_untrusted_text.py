"""Strings from logs (model ids, project paths, branches) in every table and CSV: no
escape sequence, bidirectional override, invisible character, emoji code or rich markup
reaches the terminal as it is, and an absurdly long value is cut, not the table."""

from __future__ import annotations

import json

import pytest
from _rep_helpers import make_env, run_cli

HOSTILE_MODEL = ":smile: [bold]claude[/bold]\u202e"
HOSTILE_CWD = "/home/\x1b]0;owned\x07evil\u202elive/" + "x" * 5000
HOSTILE_BRANCH = ":thumbs_up:\u200bmain\u2028"
RAW = ("\x1b", "\x07", "\u202e", "\u200b", "\u2028", "😄", "👍")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("untrusted")
    d = tmp / "tree" / "projects" / "-home-evil"
    d.mkdir(parents=True)
    line = {
        "type": "assistant", "sessionId": "s-1", "cwd": HOSTILE_CWD, "gitBranch": HOSTILE_BRANCH,
        "timestamp": "2026-05-04T09:00:00.000Z", "requestId": "r1", "uuid": "u1",
        "message": {"id": "m1", "model": HOSTILE_MODEL, "stop_reason": "end_turn",
                    "usage": {"input_tokens": 10, "output_tokens": 5}},
    }  # fmt: skip
    (d / "s-1.jsonl").write_text(json.dumps(line) + "\n")
    e = {**make_env(tmp, tmp / "tree"), "COLUMNS": "140"}
    assert run_cli(["ingest", "-q"], e).returncode in (0, 1)
    return e


@pytest.mark.parametrize("kind", ["daily", "session", "project", "model", "branch", "agent"])
@pytest.mark.parametrize("fmt", [[], ["--csv"]], ids=["table", "csv"])
def test_untrusted_strings_are_shown_inert(env: dict[str, str], kind: str, fmt: list[str]) -> None:
    r = run_cli([kind, "--no-ingest", "-z", "UTC", *fmt], env)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert not any(c in out for c in RAW), out
    if not fmt:
        assert max(len(line) for line in out.splitlines()) <= 140
        assert "x" * 300 not in out  # the 5,000-character path is cut
    if kind == "model":
        assert ":smile:" in out
        assert "[bold]" in out  # markup shown, not applied
    if kind == "branch":
        assert ":thumbs_up:" in out
