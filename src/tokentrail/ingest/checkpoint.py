"""A file's ingest checkpoint and its comparison with the file on disk (standard library
only: a warm run compares thousands of unchanged files and must not load more).

A :class:`FileCheckpoint` remembers a file's identity (device + inode), its size and
mtime when last seen, the byte offset just after the last *complete* line consumed, the
number of lines consumed, a SHA-256 of the first ``min(offset, 4096)`` bytes (the head)
and one of the ``min(offset, 4096)`` bytes just before the offset (the tail).
:func:`plan_read` says where to resume; :mod:`tokentrail.ingest.reader` has the rules
and re-exports all three names.
"""

from __future__ import annotations

import os
from collections import namedtuple

TYPE_CHECKING = False  # typing's constant without importing typing (~10 ms a run)

if TYPE_CHECKING:
    from typing import NamedTuple

    from tokentrail.ingest.reader import ReadStart

__all__ = ["HEAD_BYTES", "FileCheckpoint", "content_hashes", "plan_read"]

#: Bytes at the start of a file whose hash identifies its content.
HEAD_BYTES = 4096


_CHECKPOINT_DOC = """How far a file has been ingested (a tuple: a warm run loads thousands at once).

    Offsets and sizes in bytes; ``lines`` counts complete lines consumed (so the next
    line is ``lines + 1``, 1-based). ``path`` is the
    :func:`~tokentrail.ingest.records.storable` path (the ledger's key for the file);
    ``head_hash`` / ``tail_hash`` as in :func:`content_hashes` (``""``: not recorded).
    """

if TYPE_CHECKING:

    class FileCheckpoint(NamedTuple):
        path: str
        dev: int
        ino: int
        size: int
        mtime_ns: int
        offset: int
        lines: int
        head_hash: str
        tail_hash: str = ""

else:
    # collections.namedtuple, not typing.NamedTuple: the typed form costs a millisecond
    # at import (its annotations are compiled) and a warm report imports this module.
    FileCheckpoint = namedtuple(
        "FileCheckpoint",
        ["path", "dev", "ino", "size", "mtime_ns", "offset", "lines", "head_hash", "tail_hash"],
        defaults=("",),
    )
    FileCheckpoint.__doc__ = _CHECKPOINT_DOC


def content_hashes(path: str, offset: int) -> tuple[str, str, bytes]:
    """``(head, tail, last byte)`` of ``path`` for a checkpoint at byte ``offset``: SHA-256
    hex of the first ``min(offset, HEAD_BYTES)`` bytes and of the ``min(offset, HEAD_BYTES)``
    bytes ending at ``offset``, and the byte at ``offset - 1`` (``b""`` at offset 0)."""
    import hashlib

    n = min(offset, HEAD_BYTES)
    with open(path, "rb") as fh:
        head = fh.read(n)
        if offset <= HEAD_BYTES:
            tail = head
        else:
            fh.seek(offset - n)
            tail = fh.read(n)
    head_sha = hashlib.sha256(head).hexdigest()
    tail_sha = head_sha if tail is head else hashlib.sha256(tail).hexdigest()
    return head_sha, tail_sha, tail[-1:]


def plan_read(path: str, st: os.stat_result, cp: FileCheckpoint | None) -> ReadStart | None:
    """Where to start reading ``path`` (stat ``st``) given its checkpoint, or ``None``
    when the file is unchanged since the checkpoint (or cannot be read now). May read
    4 KiB at the start and 4 KiB before the checkpoint's offset. The unchanged case (same
    device, inode, size and mtime in ns) reads nothing and imports nothing more."""
    if (
        cp is not None
        and st.st_dev == cp.dev
        and st.st_ino == cp.ino
        and st.st_size == cp.size
        and st.st_mtime_ns == cp.mtime_ns
    ):
        return None
    from tokentrail.ingest.reader import ReadStart

    if cp is None:
        return ReadStart(0, 0, "new")
    if st.st_size < cp.offset:
        return ReadStart(0, 0, "truncated")
    try:
        head, tail, last = content_hashes(path, cp.offset)
    except OSError:
        return None
    if head != cp.head_hash:
        return ReadStart(0, 0, "replaced")
    if cp.offset > 0 and (last != b"\n" or (cp.tail_hash and tail != cp.tail_hash)):
        return ReadStart(0, 0, "replaced")
    return ReadStart(cp.offset, cp.lines, "appended")
