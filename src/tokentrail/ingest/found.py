"""Transcript paths below the Claude Code roots, as plain strings (standard library only).

The walk behind :func:`tokentrail.ingest.discover.find_claude_files` and the root rule of
:func:`tokentrail.ingest.discover.claude_roots`, without :mod:`pathlib` or dataclasses, so
a warm report can list thousands of files and compare them with their checkpoints before
anything heavier is loaded. Layouts, symlink handling and order are described in
:mod:`tokentrail.ingest.discover`; the results here are the same paths, as ``str``:
:func:`root_dirs` gives ``str(p)`` for each ``p`` of ``claude_roots()``.
"""

from __future__ import annotations

import errno
import os
from collections import namedtuple
from collections.abc import Iterator, Mapping, Sequence
from operator import attrgetter

TYPE_CHECKING = False  # typing's constant without importing typing (~10 ms a run)

if TYPE_CHECKING:
    from typing import NamedTuple

    from tokentrail.ingest.discover import SkippedPath

__all__ = ["FoundFile", "find_claude_files", "hand_over", "root_dirs", "take_over"]

_name = attrgetter("name")
# errno values pathlib's is_file / is_dir treat as "no" rather than raising (3.10-3.12).
_IGNORED = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)


_FOUND_DOC = """A transcript path found below a root: ``path`` (real path, a plain string) and
    ``rel`` (its parts below the ``projects/`` root, ``None`` for a root that is itself a
    file). :func:`~tokentrail.ingest.discover.classify` turns it into a
    :class:`~tokentrail.ingest.discover.SourceFile` when it is needed."""

if TYPE_CHECKING:

    class FoundFile(NamedTuple):
        path: str
        rel: list[str] | None

else:  # collections.namedtuple: cheaper to define than typing.NamedTuple (see checkpoint)
    FoundFile = namedtuple("FoundFile", ["path", "rel"])
    FoundFile.__doc__ = _FOUND_DOC


def _pure(path: str) -> str:
    """``str(PurePath(path))``: repeated separators and ``.`` parts dropped (not ``..``)."""
    if os.name != "posix":  # pragma: no cover - drive letters, two separators
        from pathlib import PurePath

        return str(PurePath(path))
    root = ""
    if path.startswith("/"):
        root = "//" if path.startswith("//") and not path.startswith("///") else "/"
    parts = [p for p in path.split("/") if p and p != "."]
    return root + "/".join(parts) or "."


def _projects(base: str) -> str:
    """``base`` itself when it is named ``projects``, else its ``projects`` child."""
    if os.name != "posix":  # pragma: no cover
        from pathlib import PurePath

        pure = PurePath(base)
        return str(pure if pure.name == "projects" else pure / "projects")
    name = "" if base == "." else base.rpartition("/")[2]
    return base if name == "projects" else _child(base, "projects")


def _child(base: str, name: str) -> str:
    """``str(PurePath(base) / name)`` for a normalised ``base`` and a plain ``name``."""
    if os.name != "posix":  # pragma: no cover
        from pathlib import PurePath

        return str(PurePath(base) / name)
    return _pure(base + name if base.endswith("/") else base + "/" + name)


def root_dirs(
    env: Mapping[str, str] | None = None, home: str | os.PathLike[str] | None = None
) -> list[str]:
    """The ``projects/`` directories to scan, in order, without duplicates (the rule of
    :func:`~tokentrail.ingest.discover.claude_roots`, which wraps these in ``Path``).

    ``env`` defaults to ``os.environ``; ``home`` to the user's home directory (a
    :class:`RuntimeError` when it cannot be determined, as ``Path.home()``)."""
    env = os.environ if env is None else env
    raw = env.get("CLAUDE_CONFIG_DIR", "")
    entries = [e.strip() for e in raw.split(",") if e.strip()]
    if entries:
        bases = [_pure(os.path.expanduser(e)) for e in entries]
    else:
        if home is not None:
            h = _pure(os.fspath(home))
        else:
            h = os.path.expanduser("~")
            if h[:1] == "~":
                raise RuntimeError("Could not determine home directory.")
            h = _pure(h)
        bases = [_child(_child(h, ".config"), "claude"), _child(h, ".claude")]
    out: list[str] = []
    for base in bases:
        proj = _projects(base)
        if proj not in out:
            out.append(proj)
    return out


def _stat_is(path: str, want_dir: bool) -> bool:
    """``Path(path).is_dir()`` / ``.is_file()`` (3.10-3.12): False when missing, a loop or
    not a directory on the way; other errors (permission) raise."""
    try:
        mode = os.stat(path).st_mode
    except OSError as e:
        if e.errno in _IGNORED:
            return False
        raise
    except ValueError:
        return False
    kind = mode & 0o170000
    return kind == (0o040000 if want_dir else 0o100000)


def _entries(directory: str, skipped: list[SkippedPath] | None) -> list[os.DirEntry[str]]:
    """The entries of ``directory`` sorted by name (none when it cannot be listed)."""
    try:
        it = os.scandir(directory)
    except OSError as e:
        if skipped is not None:
            skipped.append(_skip(directory, f"cannot list directory: {_why(e)}"))
        return []
    with it:
        return sorted(it, key=_name)


def _walk(directory: str, skipped: list[SkippedPath] | None = None) -> Iterator[tuple[str, bool]]:
    """``(path, is_symlink)`` of every ``*.jsonl`` file below ``directory``, sorted by name
    at each level (depth first: a directory's files come where its name sorts);
    directory symlinks are not followed. Unusable entries go to ``skipped`` (when given).
    """
    stack = [iter(_entries(directory, skipped))]
    while stack:
        for entry in stack[-1]:
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(iter(_entries(entry.path, skipped)))
                    break
                if entry.name.endswith(".jsonl"):
                    if entry.is_file():
                        yield entry.path, entry.is_symlink()
                    elif skipped is not None:
                        skipped.append(_skip(entry.path, _not_a_file(entry.path)))
            except OSError as e:
                if skipped is not None:
                    skipped.append(_skip(entry.path, _why(e)))
        else:
            stack.pop()


def _skip(path: str, message: str) -> SkippedPath:
    from pathlib import Path

    from tokentrail.ingest.discover import SkippedPath

    return SkippedPath(Path(path), "unreadable", message)


def _why(e: OSError) -> str:
    return e.strerror or type(e).__name__


def _not_a_file(path: str) -> str:
    """Why the ``*.jsonl`` entry at ``path`` (not a regular file, not a real directory) is
    not read."""
    if os.path.islink(path):
        if not os.path.exists(path):
            return "dangling symlink (its target does not exist)"
        if os.path.isdir(path):
            return "symlink to a directory (not followed)"
    return "not a regular file"


def find_claude_files(
    roots: Sequence[str | os.PathLike[str]], *, skipped: list[SkippedPath] | None = None
) -> list[FoundFile]:
    """The transcript paths of :func:`~tokentrail.ingest.discover.discover_claude_files`,
    in the same order, as plain strings: no :class:`~pathlib.Path` and no classification
    per file, so an incremental run can compare thousands of unchanged files with their
    checkpoints cheaply. ``roots`` are ``projects/`` dirs or single ``.jsonl`` files
    (``Path`` or ``str``); missing ones are skipped."""
    seen: set[str] = set()
    out: list[FoundFile] = []
    for root in roots:
        r = os.fspath(root)
        if _stat_is(r, want_dir=False):
            p = os.path.realpath(r)
            if p not in seen:
                seen.add(p)
                out.append(FoundFile(p, None))
            continue
        if not _stat_is(r, want_dir=True):
            continue
        base = os.path.realpath(r)
        cut = len(base.rstrip(os.sep)) + 1
        for raw, is_link in _walk(base, skipped):
            # `base` is resolved and directory links are not followed: only a linked
            # file needs resolving (cheap on trees of thousands of files).
            real = os.path.realpath(raw) if is_link else raw
            if real in seen:
                continue
            seen.add(real)
            out.append(FoundFile(real, raw[cut:].split(os.sep)))
    return out


#: The listing a warm check made of the default roots, handed to the ingest of the same
#: command (see :func:`hand_over`): at most one ``(roots, files, monotonic time)``.
_HANDOVER: list[tuple[tuple[str, ...], list[FoundFile], float]] = []
#: Seconds a handed-over listing stays usable (the ingest follows within milliseconds).
HANDOVER_SECONDS = 2.0


def hand_over(roots: Sequence[str | os.PathLike[str]], files: list[FoundFile]) -> None:
    """Keep ``files`` (what :func:`find_claude_files` gave for ``roots`` a moment ago) for
    the next :func:`take_over` of the same roots. Used by the console entry point only:
    when its warm check finds the logs changed, the full command's ingest starts from that
    listing instead of walking the folders again (the listing is as fresh as a walk at the
    start of the command; every file is stat'ed again by the ingest)."""
    import time

    _HANDOVER[:] = [(tuple(os.fspath(r) for r in roots), files, time.monotonic())]


def take_over(roots: Sequence[str | os.PathLike[str]]) -> list[FoundFile] | None:
    """The listing handed over for ``roots`` less than :data:`HANDOVER_SECONDS` ago, or
    None; either way nothing stays handed over (it is used at most once)."""
    if not _HANDOVER:
        return None
    import time

    key, files, at = _HANDOVER.pop()
    fresh = time.monotonic() - at < HANDOVER_SECONDS
    return files if fresh and key == tuple(os.fspath(r) for r in roots) else None
