"""Find Claude Code transcript files.

Roots: ``CLAUDE_CONFIG_DIR`` (a comma-separated list; each entry is a config dir or its
``projects/`` child) *replaces* the defaults ``~/.config/claude`` and ``~/.claude``.
Missing roots are skipped silently; a root that exists is scanned recursively under
``projects/`` for ``*.jsonl`` files, in every layout Claude Code has used:

* main transcripts: ``projects/<escaped-cwd>/<sessionId>.jsonl``
* subagents: ``projects/<escaped-cwd>/<sessionId>/subagents/agent-<id>.jsonl`` with an
  optional sidecar ``agent-<id>.meta.json`` holding ``agentType``
* workflow subagents: ``…/<sessionId>/subagents/workflows/<runId>/agent-<id>.jsonl``
* legacy sidechains: ``projects/<escaped-cwd>/agent-<id>.jsonl`` beside the sessions

Symlinked directories are not followed (no loops); symlinked files are read. Paths are
returned absolute and resolved, so the same file reached through two roots is listed once.

A path that cannot be used is never dropped without a trace when the caller asks: pass a
``skipped`` list to :func:`discover_claude_files` and it receives a :class:`SkippedPath`
for each ``*.jsonl`` entry that is not a readable regular file (a dangling symlink, a
symlink to a directory, a FIFO or socket) and each directory that cannot be listed. The
default (no list) costs nothing more: those entries are rare and found on the way.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from tokentrail.ingest.found import FoundFile as FoundFile
from tokentrail.ingest.found import find_claude_files as find_claude_files
from tokentrail.ingest.found import root_dirs
from tokentrail.ingest.storable import storable

__all__ = [
    "SkippedPath",
    "SourceFile",
    "claude_roots",
    "discover_claude_files",
    "read_agent_type",
    "roots_from_paths",
    "with_agent_type",
]

#: File kinds, from the directory layout.
MAIN = "main"
SUBAGENT = "subagent"
WORKFLOW = "workflow"
LEGACY_AGENT = "legacy_agent"


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One transcript file and what its location says about it.

    ``session_hint`` is the session id implied by the path (the file stem for a main
    transcript, the parent directory for subagents); lines carrying ``sessionId`` win over
    it. ``agent_id`` comes from an ``agent-<id>.jsonl`` name; ``agent_type`` from the
    sidecar ``.meta.json`` (``None`` when absent or unreadable). These three strings are
    :func:`~tokentrail.ingest.records.storable` (a name that is not valid UTF-8 keeps its
    odd bytes as ``\\xNN`` escapes); ``path`` is the real path, for opening the file.
    """

    path: Path
    kind: str
    session_hint: str | None
    agent_id: str | None
    agent_type: str | None


@dataclass(frozen=True, slots=True)
class SkippedPath:
    """A path found while scanning that could not be used: ``path`` as found (not
    resolved), ``kind`` (``"unreadable"``, as the ingest's problem kind for a file that
    cannot be read) and a short ``message`` saying why."""

    path: Path
    kind: str
    message: str


def claude_roots(env: Mapping[str, str] | None = None, home: Path | None = None) -> list[Path]:
    """The ``projects/`` directories to scan, in order, without duplicates.

    ``env`` defaults to ``os.environ``; ``home`` to the user's home directory. Entries of
    ``CLAUDE_CONFIG_DIR`` may name a config dir (``projects/`` is appended) or a
    ``projects/`` dir itself; ``~`` is expanded; empty entries are ignored. Roots that do
    not exist are kept (the caller skips them) so a message can name them.
    """
    return [Path(p) for p in root_dirs(env, home)]


def roots_from_paths(paths: Sequence[str | Path]) -> list[Path]:
    """Roots for explicit command-line paths.

    A directory holding a ``projects/`` child is a config dir (its ``projects/`` is
    scanned); any other directory or a single ``.jsonl`` file is scanned as given.
    """
    out: list[Path] = []
    for raw in paths:
        p = Path(os.path.expanduser(str(raw)))
        if p.is_dir() and (p / "projects").is_dir():
            p = p / "projects"
        if p not in out:
            out.append(p)
    return out


def with_agent_type(sf: SourceFile) -> SourceFile:
    """``sf`` with ``agent_type`` read from its sidecar (unchanged if not an agent file)."""
    if sf.agent_id is None or sf.agent_type is not None:
        return sf
    name = sf.path.name
    meta = sf.path.with_name(name[: -len(".jsonl")] + ".meta.json")
    return replace(sf, agent_type=read_agent_type(meta))


def read_agent_type(meta_path: Path) -> str | None:
    """``agentType`` from an ``agent-<id>.meta.json`` sidecar, or ``None``.

    A missing, unreadable or malformed sidecar is not an error: the agent type is simply
    unknown. Only a non-empty string value is accepted.
    """
    try:
        with open(meta_path, "rb") as fh:
            data = json.loads(fh.read(1 << 20))
    except (OSError, ValueError):
        return None
    if isinstance(data, dict):
        value = data.get("agentType")
        if isinstance(value, str) and value:
            return storable(value)
    return None


def _classify(rel: list[str], path: Path, with_agent_types: bool = True) -> SourceFile:
    """What ``path`` (parts ``rel`` below the ``projects/`` root) is, from its layout."""
    name = rel[-1]
    stem = name[: -len(".jsonl")]
    agent_id = storable(stem[len("agent-") :]) if stem.startswith("agent-") else None
    agent_type = None
    if agent_id is not None and with_agent_types:
        agent_type = read_agent_type(path.with_name(stem + ".meta.json"))
    # rel = (project, session.jsonl) | (project, session, "subagents", agent.jsonl)
    #     | (project, session, "subagents", "workflows", run, agent.jsonl) | deeper/odd ones
    if "subagents" in rel[:-1]:
        i = rel.index("subagents")
        session = storable(rel[i - 1]) if i >= 1 else None
        kind = WORKFLOW if "workflows" in rel[i + 1 : -1] else SUBAGENT
        return SourceFile(path, kind, session, agent_id, agent_type)
    if agent_id is not None:
        return SourceFile(path, LEGACY_AGENT, None, agent_id, agent_type)
    return SourceFile(path, MAIN, storable(stem), None, None)


def classify(found: FoundFile, *, with_agent_types: bool = True) -> SourceFile:
    """The :class:`SourceFile` of a found path (its layout says what it is)."""
    path = Path(found.path)
    if found.rel is None:
        return SourceFile(path, MAIN, storable(path.stem), None, None)
    return _classify(found.rel, path, with_agent_types)


def discover_claude_files(
    roots: Sequence[Path],
    *,
    with_agent_types: bool = True,
    skipped: list[SkippedPath] | None = None,
) -> list[SourceFile]:
    """Every transcript file under ``roots`` (``projects/`` dirs or single ``.jsonl`` files).

    ``with_agent_types=False`` skips reading the agents' ``.meta.json`` sidecars
    (``agent_type`` is then ``None``; fill it with :func:`with_agent_type` for the files
    actually read — an incremental run over thousands of unchanged files stays fast).

    A root that is itself a ``.jsonl`` file is returned as a main transcript; a missing
    root is skipped (not reported: the default roots need not exist). ``skipped``, when
    given, receives every unusable path met below the roots (see the module docstring).
    Order: roots in the given order, then paths sorted by name, so runs are reproducible.
    """
    return [
        classify(f, with_agent_types=with_agent_types)
        for f in find_claude_files(roots, skipped=skipped)
    ]
