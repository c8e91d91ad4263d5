"""The log-tree generator (tokentrail.sample): deterministic, the documented layout, sizes."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from tokentrail.sample import TreeSpec, main, parse_size, write_tree


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def test_same_arguments_same_bytes(tmp_path: Path) -> None:
    spec = TreeSpec(size=300_000, seed=4, malformed_rate=0.02)
    write_tree(tmp_path / "a", spec)
    write_tree(tmp_path / "b", spec)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    write_tree(tmp_path / "c", TreeSpec(size=300_000, seed=5, malformed_rate=0.02))
    assert _digest(tmp_path / "c") != _digest(tmp_path / "a")


def test_layout_and_lines_follow_the_format(tmp_path: Path) -> None:
    truth = write_tree(tmp_path, TreeSpec(size=2_000_000, seed=10))
    mains = sorted((tmp_path / "projects").glob("*/*.jsonl"))
    agents = sorted((tmp_path / "projects").glob("*/*/subagents/agent-*.jsonl"))
    flows = sorted((tmp_path / "projects").glob("*/*/subagents/workflows/*/agent-*.jsonl"))
    assert mains
    assert agents
    assert flows
    assert len(mains) + len(agents) + len(flows) == truth["stats"]["files"]
    for p in flows:
        meta = json.loads(p.with_name(p.stem + ".meta.json").read_text())
        assert meta["agentType"]
    sizes = sum(p.stat().st_size for p in tmp_path.rglob("*.jsonl"))
    assert sizes == truth["stats"]["bytes"]
    for p in mains:
        for raw in p.read_text().splitlines():
            line = json.loads(raw)
            if line["type"] in ("summary", "file-history-snapshot"):
                continue
            assert line["timestamp"].endswith("Z")
            assert p.parent.name == line["cwd"].replace("/", "-").replace(".", "-").replace(
                "_", "-"
            )
            if line["type"] == "assistant" and line["message"]["model"] != "<synthetic>":
                assert line["requestId"].startswith("req_")
                u = line["message"]["usage"]
                cc = u["cache_creation"]
                assert u["cache_creation_input_tokens"] == (
                    cc["ephemeral_5m_input_tokens"] + cc["ephemeral_1h_input_tokens"]
                )
    sids = {p.stem for p in mains}
    assert set(truth["sessions"]) <= sids


def test_until_bounds_the_history(tmp_path: Path) -> None:
    until = datetime(2026, 3, 14, 15, 0, tzinfo=timezone.utc)
    spec = TreeSpec(size=400_000, seed=2, days=5, start=date(2026, 3, 10), until=until, active=True)
    truth = write_tree(tmp_path, spec)
    last = max(s["last_timestamp"] for s in truth["sessions"].values())
    latest = datetime.fromisoformat(last.replace("Z", "+00:00"))
    assert until - timedelta(hours=2) < latest <= until


@pytest.mark.parametrize(
    ("text", "n"),
    [("600KB", 600_000), ("1.5MB", 1_500_000), ("1GB", 10**9), ("2MiB", 2 * 2**20), ("77", 77)],
)
def test_sizes(text: str, n: int) -> None:
    assert parse_size(text) == n


def test_the_program_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("")
    with pytest.raises(SystemExit):
        main([str(tmp_path), "--quiet"])
    r = subprocess.run(
        [sys.executable, "-m", "tokentrail.sample", str(tmp_path / "t"), "--size", "50KB"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    assert "wrote" in r.stderr
    assert json.loads((tmp_path / "t" / ".expected.json").read_text())["schema_version"] == 1
