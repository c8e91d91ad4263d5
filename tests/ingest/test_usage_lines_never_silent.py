"""Issue 15.8: every Claude Code line that should carry usage and does not is a problem
(file, line, field, kind), in the serial and the parallel ingest alike; lines that carry no
usage by nature (user, summary, system, progress, snapshots, an assistant message without
an id) stay silent, and a ``<synthetic>`` line without usage is a zero-usage record."""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ledger"))
from _cc_tree import assistant, usage, user, write

from tokentrail.ledger import SQLiteLedger, ingest_claude_code

TS = "2026-05-04T09:00:0{}.000Z"


def _without(line: dict[str, Any], *path: str) -> dict[str, Any]:
    out = copy.deepcopy(line)
    d = out
    for k in path[:-1]:
        d = d[k]
    del d[path[-1]]
    return out


def _with(line: dict[str, Any], value: Any, *path: str) -> dict[str, Any]:
    out = copy.deepcopy(line)
    d = out
    for k in path[:-1]:
        d = d[k]
    d[path[-1]] = value
    return out


def _tree(root: Path) -> Path:
    good = assistant("msg_good", "req_good", TS.format(1), usage())
    synthetic = assistant("msg_syn", None, TS.format(2), usage(0, 0, 0, 0, 0), model="<synthetic>")
    lines: list[Any] = [
        user(TS.format(0)),  # 1: no usage by nature
        good,  # 2: a record
        _without(assistant("msg_a", "req_a", TS.format(3), usage()), "message"),  # 3
        _with(assistant("msg_b", "req_b", TS.format(3), usage()), None, "message"),  # 4
        _with(assistant("msg_c", "req_c", TS.format(3), usage()), "text", "message"),  # 5
        _without(assistant("msg_d", "req_d", TS.format(3), usage()), "message", "usage"),  # 6
        _with(assistant("msg_e", "req_e", TS.format(3), usage()), None, "message", "usage"),  # 7
        _with(assistant("msg_f", "req_f", TS.format(3), usage()), 12, "message", "usage"),  # 8
        # 9: an assistant message without an id and without usage: not an API response
        _without(
            _without(assistant("x", "req_g", TS.format(4), usage()), "message", "id"),
            "message",
            "usage",
        ),
        _without(synthetic, "message", "usage"),  # 10: <synthetic>, no usage: zero record
        {"type": "summary", "summary": "Cart", "leafUuid": "u-1"},  # 11
        {"type": "system", "subtype": "stop_hook_summary", "timestamp": TS.format(5)},  # 12
        {"type": "progress", "data": {"type": "hook_progress"}, "timestamp": TS.format(5)},  # 13
        {"type": "file-history-snapshot", "messageId": "m", "snapshot": {}},  # 14
        {"type": "user", "message": None, "timestamp": TS.format(5)},  # 15: not ours
    ]
    write(root / "projects" / "-home-alice-src-shop" / "s.jsonl", lines)
    return root / "projects"


EXPECTED = [
    (3, "message", "missing_field"),
    (4, "message", "missing_field"),
    (5, "message", "wrong_type"),
    (6, "message.usage", "missing_field"),
    (7, "message.usage", "missing_field"),
    (8, "message.usage", "wrong_type"),
]


@pytest.mark.parametrize("workers", [1, 2], ids=["serial", "parallel"])
def test_lines_without_usage_are_named_problems(tmp_path: Path, workers: int) -> None:
    projects = _tree(tmp_path)
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        summary = ingest_claude_code(ledger, [projects], workers=workers)
        got = sorted((p.line, p.field, p.kind) for p in ledger.problems())
        assert got == EXPECTED
        assert all(p.file.endswith("s.jsonl") for p in ledger.problems())
        assert summary.problems == len(EXPECTED)
        # the good line and the usage-less <synthetic> line are records; nothing else is
        rows = ledger._db.execute(
            "SELECT message_id, model, synthetic, input_tokens + output_tokens "
            "FROM records ORDER BY line"
        ).fetchall()
        assert [tuple(r) for r in rows] == [
            ("msg_good", "claude-sonnet-4-5-20250929", 0, 4 + 10),
            ("msg_syn", "<synthetic>", 1, 0),
        ]


def test_problem_messages_name_what_is_missing(tmp_path: Path) -> None:
    projects = _tree(tmp_path)
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        ingest_claude_code(ledger, [projects], workers=1)
        text = {p.line: p.message for p in ledger.problems()}
    for line, words in ((3, "no `message`"), (4, "no `message`"), (6, "no `usage`"),
                        (7, "no `usage`")):  # fmt: skip
        assert words in text[line]
