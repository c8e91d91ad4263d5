"""``tokentrail statusline --hook``: Claude Code's ``statusLine`` command, standard library only.

Claude Code runs the command on every update of the conversation and sends JSON on stdin
(``session_id``, ``transcript_path``, ``model``, ``workspace``, ``cwd``...). The answer
must come fast (under 100 ms on a warm ledger), so the hook never walks the logs and never
waits for an ingest:

* the line is read from the ledger, read-only (:func:`~tokentrail.reports.statusline.
  status_line`): today, the active block, and the session's cost (its subagents included);
* the context comes from the tail of the hook's own transcript (the last main-thread
  request: exact now, whatever the ledger holds);
* when the transcript (or a subagent transcript of the session) has bytes the ledger has
  not read (its checkpoint differs), one detached background process ingests only those
  files (``python -m tokentrail.reports.hook``), so their cost shows from the next update
  (Claude Code re-runs the command at each message). A lock file beside the ledger keeps
  it to one such process at a time.

With no ledger yet (a first run) the command line ingests the transcript first, in the
foreground, and creates the ledger.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import sys
import time
from datetime import tzinfo

from tokentrail.reports.statusline import (
    Look,
    context_window,
    format_status,
    now_ms,
    open_readonly,
    read_status,
)

TYPE_CHECKING = False  # typing's constant without importing typing (~10 ms a run)
if TYPE_CHECKING:
    from typing import TextIO

__all__ = [
    "hook_line",
    "hook_session",
    "ingest_in_background",
    "pending_files",
    "read_hook_input",
    "session_files",
    "transcript_context",
]

_TAIL = 256 * 1024  # bytes of the transcript read for the context
_LOCK_STALE_S = 120  # a lock older than this is left over by a killed process


def read_hook_input(stream: TextIO | None = None) -> dict[str, object]:
    """The JSON Claude Code sends on stdin (``{}`` when there is none, or it is not an
    object)."""
    f = sys.stdin if stream is None else stream
    if f is None or f.isatty():
        return {}
    try:
        data = json.loads(f.read(1 << 20) or "{}")
    except (ValueError, OSError, RecursionError):  # not JSON, unreadable, nested too deeply
        return {}
    return data if isinstance(data, dict) else {}


def hook_session(data: dict[str, object]) -> tuple[str | None, str | None]:
    """``(session id, transcript file)`` of the hook input (None where missing)."""
    sid = data.get("session_id")
    transcript = data.get("transcript_path")
    path = transcript if isinstance(transcript, str) and transcript else None
    return (sid if isinstance(sid, str) and sid else None), path


def transcript_context(path: str | os.PathLike[str]) -> tuple[int, str] | None:
    """``(context tokens, model)`` of the last main-thread request in the last 256 KiB of
    the transcript (uncached input + cache writes + cache reads), or None."""
    try:
        with open(path, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            f.seek(max(0, size - _TAIL))
            tail = f.read()
    except OSError:
        return None
    for raw in reversed(tail.split(b"\n")):
        if b'"usage"' not in raw or b'"assistant"' not in raw:
            continue
        try:
            line = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        if not isinstance(line, dict):
            continue
        msg = line.get("message")
        if line.get("isSidechain") or not isinstance(msg, dict):
            continue
        usage, model = msg.get("usage"), msg.get("model")
        if not isinstance(usage, dict) or not isinstance(model, str) or model == "<synthetic>":
            continue
        try:
            tokens = sum(
                int(usage.get(k) or 0)
                for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
            )
        except (TypeError, ValueError, OverflowError):  # a count that is not a number
            continue
        if tokens < 0:
            continue
        return tokens, model
    return None


def session_files(transcript: str | os.PathLike[str]) -> list[str]:
    """The transcript and its session's subagent transcripts (``<id>/subagents/*.jsonl``)."""
    path = os.fspath(transcript)
    files = [path]
    sub = os.path.join(os.path.splitext(path)[0], "subagents")
    with contextlib.suppress(OSError):
        files += sorted(os.path.join(sub, n) for n in os.listdir(sub) if n.endswith(".jsonl"))
    return files


def pending_files(db: sqlite3.Connection, files: list[str]) -> list[str]:
    """The ``files`` whose (device, inode, size, mtime) differ from their ledger checkpoint
    (or that have none): the ingest's own first test of a file."""
    out: list[str] = []
    for f in files:
        try:
            st = os.stat(f)
        except OSError:
            continue
        row = db.execute(
            "SELECT dev, ino, size, mtime_ns FROM checkpoints WHERE path = ?",
            (os.path.realpath(f),),
        ).fetchone()
        if row is None or tuple(row) != (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns):
            out.append(f)
    return out


def hook_line(
    path: str | os.PathLike[str],
    tz: tzinfo | None,
    look: Look,
    data: dict[str, object],
    background: bool = True,
    defer: list[str] | None = None,
) -> str | None:
    """The status line for the hook input ``data`` from the ledger at ``path`` (None when
    there is no ledger yet; :class:`sqlite3.Error` when it cannot be read): with the
    session's cost, the context from the transcript, and (``background``) a background
    ingest of the session's files that the ledger has not read (see the module doc). With
    ``defer`` those files are added to it instead, for the caller to hand to
    :func:`ingest_in_background` once the line is out."""
    db = open_readonly(path)
    if db is None:
        return None
    sid, transcript = hook_session(data)
    try:
        status = read_status(db, now_ms(), tz, sid, session_cost=sid is not None)
        pending = (
            pending_files(db, session_files(transcript))
            if transcript is not None and background
            else []
        )
    finally:
        db.close()
    ctx = transcript_context(transcript) if transcript is not None else None
    if ctx is not None:
        tokens, model = ctx
        status = status.replace(
            context_tokens=tokens, context_window=context_window(model, tokens), model=model
        )
    if defer is not None:
        defer.extend(pending)
    elif pending:
        ingest_in_background(os.fspath(path), pending)
    return format_status(status, look)


def _take_lock(lock: str) -> bool:
    for _ in range(2):
        try:
            os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            return True
        except FileExistsError:
            try:
                if time.time() - os.stat(lock).st_mtime < _LOCK_STALE_S:  # float ok: seconds
                    return False
                os.unlink(lock)
            except OSError:
                pass
        except OSError:
            return False
    return False


def ingest_in_background(ledger: str, files: list[str]) -> bool:
    """Start one detached ``python -m tokentrail.reports.hook LOCK LEDGER FILE...`` that
    ingests ``files`` into ``ledger`` (False when one is already running, or it could not
    start). It outlives this process and writes nothing on this process's stdio."""
    lock = ledger + ".hook-ingest"
    if not _take_lock(lock):
        return False
    argv = [sys.executable, "-m", "tokentrail.reports.hook", lock, ledger, *files]
    try:
        if hasattr(os, "posix_spawn"):  # no fork of this process, no subprocess import
            null = os.devnull
            os.posix_spawn(
                sys.executable,
                argv,
                os.environ,
                file_actions=[
                    (os.POSIX_SPAWN_OPEN, 0, null, os.O_RDONLY, 0),
                    (os.POSIX_SPAWN_OPEN, 1, null, os.O_WRONLY, 0),
                    (os.POSIX_SPAWN_OPEN, 2, null, os.O_WRONLY, 0),
                ],
                setsid=True,
            )
        else:  # pragma: no cover - Windows
            import subprocess

            subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(lock)
        return False
    return True


def _run(lock: str, ledger: str, files: list[str]) -> None:
    """The background ingest: the files into the ledger, then the lock goes."""
    try:
        from pathlib import Path

        from tokentrail.ledger import ingest_claude_code, open_ledger

        with open_ledger(ledger, timeout=30.0) as store:
            ingest_claude_code(store, [Path(f) for f in files])
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)


if __name__ == "__main__":  # pragma: no cover - run as a detached process
    _run(sys.argv[1], sys.argv[2], sys.argv[3:])
