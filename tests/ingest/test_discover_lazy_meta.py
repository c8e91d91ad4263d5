"""Discovery can skip agent sidecars; with_agent_type fills them in for files read."""

from __future__ import annotations

from pathlib import Path

from tokentrail.ingest.discover import discover_claude_files, with_agent_type


def test_agent_types_read_lazily(tmp_path: Path) -> None:
    sub = tmp_path / "projects" / "-p" / "sess" / "subagents"
    sub.mkdir(parents=True)
    (sub / "agent-a1.jsonl").write_text("{}\n")
    (sub / "agent-a1.meta.json").write_text('{"agentType": "Explore"}')
    (sub / "agent-a2.jsonl").write_text("{}\n")  # no sidecar
    (tmp_path / "projects" / "-p" / "sess.jsonl").write_text("{}\n")
    eager = {f.path.name: f for f in discover_claude_files([tmp_path / "projects"])}
    lazy = {
        f.path.name: f
        for f in discover_claude_files([tmp_path / "projects"], with_agent_types=False)
    }
    assert eager["agent-a1.jsonl"].agent_type == "Explore"
    assert lazy["agent-a1.jsonl"].agent_type is None
    assert {k: with_agent_type(v) for k, v in lazy.items()} == eager
    assert with_agent_type(lazy["sess.jsonl"]) is lazy["sess.jsonl"]
