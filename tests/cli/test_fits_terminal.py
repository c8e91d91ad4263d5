"""Every table command fits COLUMNS (80, 100, 140) and never cuts an id or a model name:
each one shown is whole or a deliberate form (a session's unique prefix, a model id
without ``claude-`` or without its date)."""

from __future__ import annotations

import json
import re
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.cells import cell_len

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "reports"))
from _rep_helpers import gen_tree, make_env  # noqa: E402

from tokentrail.cli import _register, cli  # noqa: E402
from tokentrail.reports.render_table import _id_prefix, short_model  # noqa: E402

RUN_NAME = "nightly-evaluation-of-the-summarizer-pipeline-on-the-full-dataset"

COMMANDS = [
    ["daily"],
    ["weekly"],
    ["monthly"],
    ["session"],
    ["session", "-b"],
    ["project", "-b"],
    ["model"],
    ["blocks"],
    ["agent"],
    ["branch"],
    ["context", "--last"],
    ["cache"],
    ["cache", "--by", "project"],
    ["cache", "--by", "session"],
    ["prices"],
    ["whatif", "--model", "claude-haiku-4-5"],
    ["whatif", "--ttl", "5m"],
    ["report", "run"],
    ["problems"],
    ["doctor"],
]
NO_INGEST = {"daily", "weekly", "monthly", "session", "project", "model", "blocks", "agent"}
NO_INGEST |= {"branch", "context", "cache", "whatif"}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("fit")
    gen_tree(tmp / "tree", seed=42, size="1MB", malformed_rate="0.01")
    e = make_env(tmp, tmp / "tree")
    _register()
    CliRunner().invoke(cli, ["ingest", "-q"], env=e)
    from tokentrail.ledger import SQLiteLedger
    from tokentrail.ledger.runs import RunRow

    with SQLiteLedger(e["TOKENTRAIL_LEDGER"]) as led:
        led.save_runs([
            RunRow("r1", RUN_NAME, 1_700_000_000_000, None, 1_700_000_060_000,
                   Decimal("5.00"), {"team": "eval", "dataset": "cnn-dailymail-v3"}, "ok"),
            RunRow("r2", "extract", 1_700_000_001_000, "r1", None, None, {}, "running"),
        ])  # fmt: skip
    return e


def _run(args: list[str], env: dict[str, str], width: int | None = None) -> str:
    extra = ["--no-ingest"] if args[0] in NO_INGEST else []
    e = {**env, "NO_COLOR": "1"} | ({"COLUMNS": str(width)} if width else {})
    r = CliRunner().invoke(cli, [*args, *extra], env=e, catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r.stdout


def _known(env: dict[str, str]) -> tuple[list[str], list[str]]:
    sessions = [s["session_id"] for s in json.loads(_run(["session", "--json"], env))["sessions"]]
    models = [m["model"] for m in json.loads(_run(["model", "--json"], env))["models"]]
    return sessions, models


_SPLIT = re.compile(r"[\s│┃]+")


@pytest.mark.parametrize("width", [80, 100, 140])
@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_tables_fit_and_keep_ids_whole(env: dict[str, str], args: list[str], width: int) -> None:
    out = _run(args, env, width)
    assert out.strip()
    widest = max(cell_len(line) for line in out.splitlines())
    assert widest <= width, f"{args} at {width}: {widest} columns\n{out}"
    assert "…" not in out  # nothing cropped
    sessions, models = _known(env)
    prefix = _id_prefix(sessions)
    model_forms = {f for m in models for f in (m, m.removeprefix("claude-"), short_model(m))}
    for token in _SPLIT.split(out):
        word = token.strip(",()[]")
        if len(word) >= 8 and any(s.startswith(word) for s in sessions):
            assert word in sessions or len(word) == prefix, f"cut session id {word!r}\n{out}"
        hits = [m for m in model_forms if m.startswith(word) and m != word]
        if len(word) >= 5 and hits and word not in model_forms:
            pytest.fail(f"cut model name {word!r}\n{out}")
    if args == ["report", "run"]:
        assert RUN_NAME in out


def test_hints_never_reach_stdout(env: dict[str, str]) -> None:
    for args in (["daily"], ["session"], ["context", "--last"]):
        out = _run(args, env, 80)
        assert "widen" not in out
        assert "--agent ID" not in out
