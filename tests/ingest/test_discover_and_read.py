"""Discovery of roots and layouts; incremental block reading."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tokentrail.ingest import (
    claude_roots,
    discover_claude_files,
    iter_blocks,
    plan_read,
    roots_from_paths,
)
from tokentrail.ingest.reader import ReadStart
from tokentrail.ingest.records import Problem  # noqa: F401  (public re-export)


def test_roots_from_env_and_defaults(tmp_path: Path) -> None:
    env = {"CLAUDE_CONFIG_DIR": f" {tmp_path / 'a'} ,{tmp_path / 'b' / 'projects'},, "}
    assert claude_roots(env) == [tmp_path / "a" / "projects", tmp_path / "b" / "projects"]
    assert claude_roots({}, home=tmp_path) == [
        tmp_path / ".config" / "claude" / "projects",
        tmp_path / ".claude" / "projects",
    ]
    assert claude_roots({"CLAUDE_CONFIG_DIR": ""}, home=tmp_path)[1] == tmp_path / ".claude" / (
        "projects"
    )


def test_layouts(tmp_path: Path) -> None:
    p = tmp_path / "projects" / "-home-x"
    files = {
        "s1.jsonl": ("main", "s1", None, None),
        "s1/subagents/agent-a1.jsonl": ("subagent", "s1", "a1", "Explore"),
        "s1/subagents/workflows/run9/agent-w2.jsonl": ("workflow", "s1", "w2", None),
        "agent-old.jsonl": ("legacy_agent", None, "old", "Plan"),
    }
    for rel in files:
        (p / rel).parent.mkdir(parents=True, exist_ok=True)
        (p / rel).write_text("")
    (p / "s1/subagents/agent-a1.meta.json").write_text('{"agentType": "Explore"}')
    (p / "agent-old.meta.json").write_text('{"agentType": "Plan"}')
    (p / "notes.txt").write_text("ignored")
    found = discover_claude_files([tmp_path / "projects", tmp_path / "missing"])
    got = {str(f.path.relative_to(p.resolve())): (f.kind, f.session_hint, f.agent_id, f.agent_type)
           for f in found}  # fmt: skip
    assert got == files
    # The same tree through two roots is listed once; explicit files and config dirs work.
    assert len(discover_claude_files([tmp_path / "projects", p])) == 4
    assert roots_from_paths([tmp_path]) == [tmp_path / "projects"]
    assert len(discover_claude_files([p / "s1.jsonl"])) == 1


def test_plan_and_blocks(tmp_path: Path) -> None:
    f = tmp_path / "x.jsonl"
    f.write_bytes(b"a\nbb\nccc")
    blocks = list(iter_blocks(str(f), ReadStart(0, 0, "new"), block_size=3))
    assert b"".join(b.data for b in blocks) == b"a\nbb\n"
    last = blocks[-1]
    assert (last.end_offset, last.end_lines) == (5, 2)
    from tokentrail.ingest.reader import FileCheckpoint, head_hash

    st = os.stat(f)
    cp = FileCheckpoint(str(f), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, 5, 2,
                        head_hash(str(f), 5))  # fmt: skip
    assert plan_read(str(f), st, cp) is None
    with open(f, "ab") as fh:
        fh.write(b"\n")
    start = plan_read(str(f), os.stat(f), cp)
    assert start == ReadStart(5, 2, "appended")
    (b,) = list(iter_blocks(str(f), start))
    assert (b.data, b.first_line) == (b"ccc\n", 3)
    f.write_bytes(b"zz\n")
    assert plan_read(str(f), os.stat(f), cp) == ReadStart(0, 0, "truncated")
    f.write_bytes(b"Z\nbb\nccc\nddd\n")
    assert plan_read(str(f), os.stat(f), cp) == ReadStart(0, 0, "replaced")


def test_overlong_lines_are_skipped_not_held(tmp_path: Path) -> None:
    f = tmp_path / "x.jsonl"
    f.write_bytes(b"ok\n" + b"x" * 5000 + b"\nfine\n")
    blocks = list(iter_blocks(str(f), ReadStart(0, 0, "new"), block_size=1000, max_line=2000))
    assert b"".join(b.data for b in blocks) == b"ok\nfine\n"
    assert [ln for b in blocks for ln in b.too_long] == [2]
    assert blocks[-1].end_lines == 3
    assert blocks[-1].end_offset == f.stat().st_size
    firsts = {b.first_line for b in blocks if b.data.startswith(b"fine")}
    assert firsts == {3}


def test_tail_hash_and_newline_guard_a_resume(tmp_path: Path) -> None:
    from tokentrail.ingest.reader import FileCheckpoint, content_hashes

    f = tmp_path / "x.jsonl"
    body = b"".join(b"%05d" % i + b"y" * 200 + b"\n" for i in range(40))  # > 4 KiB
    f.write_bytes(body)
    st = os.stat(f)
    off = len(body) - 206  # after line 39
    head, tail, last = content_hashes(str(f), off)
    assert last == b"\n"
    cp = FileCheckpoint(str(f), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, off, 39,
                        head, tail)  # fmt: skip
    with open(f, "ab") as fh:
        fh.write(b"more\n")
    assert plan_read(str(f), os.stat(f), cp) == ReadStart(off, 39, "appended")
    # same head, same length up to the offset, a line in the middle changed: replaced
    f.write_bytes(body[:3000] + b"Z" + body[3001:] + b"more\n")
    assert plan_read(str(f), os.stat(f), cp) == ReadStart(0, 0, "replaced")
    # a checkpoint without a tail hash (older ledgers) still refuses a mid-line offset
    old = FileCheckpoint(str(f), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, off - 1, 39,
                         head)  # fmt: skip
    assert plan_read(str(f), os.stat(f), old) == ReadStart(0, 0, "replaced")


def test_unusable_jsonl_entries_are_reported_not_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tokentrail.ingest.discover import SkippedPath

    p = tmp_path / "projects" / "-home-x"
    (p / "s1").mkdir(parents=True)
    (p / "good.jsonl").write_text("")
    (p / "dangling.jsonl").symlink_to(tmp_path / "gone.jsonl")
    (p / "dirlink.jsonl").symlink_to(p / "s1")
    os.mkfifo(p / "fifo.jsonl")
    (p / "folder.jsonl").mkdir()  # a folder with that name is scanned, not reported
    (p / "folder.jsonl" / "inner.jsonl").write_text("")
    (p / "locked").mkdir()
    (p / "other.txt").symlink_to(tmp_path / "gone.txt")  # not a transcript name: ignored
    real_scandir = os.scandir

    def scandir(path: str) -> Any:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    plain = discover_claude_files([tmp_path / "projects"])
    skipped: list[SkippedPath] = []
    found = discover_claude_files([tmp_path / "projects"], skipped=skipped)
    assert found == plain  # asking for the skipped paths changes nothing else
    assert sorted(f.path.name for f in found) == ["good.jsonl", "inner.jsonl"]
    base = p.resolve()
    assert {(s.path, s.kind, s.message) for s in skipped} == {
        (base / "dangling.jsonl", "unreadable", "dangling symlink (its target does not exist)"),
        (base / "dirlink.jsonl", "unreadable", "symlink to a directory (not followed)"),
        (base / "fifo.jsonl", "unreadable", "not a regular file"),
        (base / "locked", "unreadable", "cannot list directory: Permission denied"),
    }
