"""The stdlib-only discovery (tokentrail.ingest.found): the same roots and files as the
pathlib-based API of tokentrail.ingest.discover."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tokentrail.ingest.discover import claude_roots, discover_claude_files, find_claude_files
from tokentrail.ingest.found import root_dirs


def _old_claude_roots(env: dict[str, str], home: Path) -> list[Path]:
    """The rule as it was written with pathlib (the reference)."""
    entries = [e.strip() for e in env.get("CLAUDE_CONFIG_DIR", "").split(",") if e.strip()]
    if entries:
        bases = [Path(os.path.expanduser(e)) for e in entries]
    else:
        bases = [home / ".config" / "claude", home / ".claude"]
    out: list[Path] = []
    for base in bases:
        proj = base if base.name == "projects" else base / "projects"
        if proj not in out:
            out.append(proj)
    return out


@pytest.mark.parametrize(
    "raw",
    [
        "", " , ", "/a", "/a/", "/a//b/./c", "a,a/,./a", "/x/projects", "/x/projects/",
        "projects", ".", "./", "/", "//", "///", "//srv/x", "~", "~/cfg,~/cfg/projects",
        "/a/../b", "rel/dir , /abs/dir", "/p/projects/projects",
    ],
)  # fmt: skip
def test_root_dirs_are_the_claude_roots_as_strings(raw: str, tmp_path: Path) -> None:
    env = {"CLAUDE_CONFIG_DIR": raw}
    assert root_dirs(env, tmp_path) == [str(p) for p in _old_claude_roots(env, tmp_path)]
    assert claude_roots(env, tmp_path) == _old_claude_roots(env, tmp_path)


@pytest.mark.parametrize("home", ["/", "//", "/home/x/", "rel", ".", "a//b/./c"])
def test_default_roots_under_any_home(home: str) -> None:
    assert root_dirs({}, Path(home)) == [str(p) for p in _old_claude_roots({}, Path(home))]
    assert root_dirs({}, home) == root_dirs({}, Path(home))


def test_home_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert root_dirs({}) == [
        str(tmp_path / ".config" / "claude" / "projects"),
        str(tmp_path / ".claude" / "projects"),
    ]
    assert claude_roots({}) == [Path(p) for p in root_dirs({})]


def test_files_are_found_from_str_or_path_roots(tmp_path: Path) -> None:
    proj = tmp_path / "cfg" / "projects" / "-home-me-app"
    (proj / "s1" / "subagents").mkdir(parents=True)
    for f in ("s1.jsonl", "s0.jsonl", "s1/subagents/agent-a.jsonl", "notes.txt"):
        (proj / f).write_text("{}\n")
    single = tmp_path / "one.jsonl"
    single.write_text("{}\n")
    (proj / "link.jsonl").symlink_to(single)
    roots = [tmp_path / "cfg" / "projects", single, tmp_path / "missing"]
    by_path = find_claude_files(roots)
    assert find_claude_files([str(r) for r in roots]) == by_path
    assert [f.path for f in by_path] == [
        str(single),  # link.jsonl, resolved; listed once though a root names it again
        str(proj / "s0.jsonl"),
        str(proj / "s1" / "subagents" / "agent-a.jsonl"),
        str(proj / "s1.jsonl"),
    ]
    assert [f.rel for f in by_path] == [
        ["-home-me-app", "link.jsonl"],
        ["-home-me-app", "s0.jsonl"],
        ["-home-me-app", "s1", "subagents", "agent-a.jsonl"],
        ["-home-me-app", "s1.jsonl"],
    ]
    assert [str(s.path) for s in discover_claude_files(roots)] == [f.path for f in by_path]
