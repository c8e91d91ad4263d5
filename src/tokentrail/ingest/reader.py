"""Incremental reading of append-only log files, with per-file checkpoints.

A :class:`FileCheckpoint` remembers a file's identity (device + inode), its size and
mtime when last seen, the byte offset just after the last *complete* line consumed, the
number of lines consumed, a SHA-256 of the first ``min(offset, 4096)`` bytes (the head) and
one of the ``min(offset, 4096)`` bytes just before the offset (the tail).

:func:`plan_read` compares the checkpoint with the file on disk:

* unchanged (same identity, size, mtime) → nothing to read;
* grown, same head and tail (so the byte before the offset is still the ``\n`` ending the
  last line consumed) → read only the appended bytes;
* shorter than the offset (truncated) or a different head or tail (replaced, rotated,
  rewritten in place) → read again from byte 0. Records are deduplicated by key in the
  ledger, so a re-read never double counts. Not detected: a rewrite that keeps the size,
  mtime *and* inode, or one that changes only bytes between the head and the tail.
  A checkpoint from before tail hashes (``tail_hash == ""``) checks the ``\n`` only.

:func:`iter_blocks` yields blocks of complete lines. A last line without a trailing
newline (Claude Code is still writing it) is left unread for the next run. Lines longer
than ``max_line`` bytes are skipped and reported in :attr:`Block.too_long`: one that does
not fit a read is discarded as it streams by (never held whole in memory); one that did fit
is blanked in place (an empty line, so the numbers of the lines after it stay right). A
UTF-8 byte order mark at the start of a file is dropped (its first line still parses).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Generator
from dataclasses import dataclass

from tokentrail.ingest.checkpoint import HEAD_BYTES, FileCheckpoint, content_hashes, plan_read

__all__ = [
    "HEAD_BYTES",
    "Block",
    "FileCheckpoint",
    "ReadStart",
    "content_hashes",
    "head_hash",
    "iter_blocks",
    "plan_read",
]

_BLOCK = 4 << 20
_MAX_LINE = 64 << 20
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class ReadStart:
    """Where to resume: byte ``offset``, ``lines`` already consumed, and why.

    ``reason`` is ``"new"``, ``"appended"``, ``"truncated"`` or ``"replaced"``; ``reset``
    is true for the last two (the file is read again from the start).
    """

    offset: int
    lines: int
    reason: str

    @property
    def reset(self) -> bool:
        return self.reason in ("truncated", "replaced")


@dataclass(frozen=True, slots=True)
class Block:
    """Complete lines ``data`` (ending in ``\\n``, possibly empty), the 1-based number of
    its first line, and the file offset / line count just after it. ``too_long`` lists
    line numbers skipped for exceeding the cap (their bytes are not in ``data``)."""

    data: bytes
    first_line: int
    end_offset: int
    end_lines: int
    too_long: tuple[int, ...] = ()


def head_hash(path: str, length: int) -> str:
    """SHA-256 hex of the first ``min(length, HEAD_BYTES)`` bytes of ``path``."""
    n = min(length, HEAD_BYTES)
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read(n)).hexdigest()


def iter_blocks(
    path: str,
    start: ReadStart,
    block_size: int = _BLOCK,
    max_line: int = _MAX_LINE,
    *,
    count_lines: bool = True,
) -> Generator[Block, int | None, None]:
    """Blocks of complete lines from ``start`` to the last newline of ``path``.

    Memory stays around ``block_size`` plus the longest line (at most ``max_line``).
    With ``count_lines=False`` a block's ``end_lines`` is ``-1`` and the caller, which
    counts the lines anyway while parsing, sends the count back (``gen.send(n)``) instead
    of the reader counting every block a second time; a plain ``next()`` makes the reader
    count.
    """
    offset, lines = start.offset, start.lines
    pending = b""
    skipping = False  # inside an over-long line: discard bytes until its newline
    too_long: list[int] = []
    # Unbuffered, each read sized to what the file holds: a buffered ``read(block_size)``
    # allocates the whole block for every read, which cost more than the read itself
    # (measured: 0.29 against 0.05 CPU-s for 300 MB in 1,131 files).
    with open(path, "rb", buffering=0) as fh:
        pos = fh.seek(offset)
        size = os.fstat(fh.fileno()).st_size
        while True:
            left = size - pos
            chunk = fh.read(left if 0 < left < block_size else block_size)
            if not chunk:
                break
            pos += len(chunk)
            if skipping:
                nl = chunk.find(b"\n")
                if nl < 0:
                    offset += len(chunk)
                    continue
                offset += nl + 1
                lines += 1
                too_long.append(lines)
                chunk = chunk[nl + 1 :]
                skipping = False
            buf = pending + chunk if pending else chunk
            last = buf.rfind(b"\n")
            if last < 0:
                if len(buf) > max_line:
                    offset += len(buf)
                    pending = b""
                    skipping = True
                else:
                    pending = buf
                continue
            raw = last + 1  # bytes of the file this block stands for
            data = buf[:raw]
            pending = buf[raw:]
            if offset == 0 and data.startswith(_BOM):
                data = data[len(_BOM) :]
            if len(data) > max_line:
                data = _blank_long_lines(data, max_line, lines, too_long)
            if count_lines:
                count = data.count(b"\n")
                yield Block(data, lines + 1, offset + raw, lines + count, tuple(too_long))
            else:
                sent = yield Block(data, lines + 1, offset + raw, -1, tuple(too_long))
                count = data.count(b"\n") if sent is None else sent
            too_long = []
            offset += raw
            lines += count
    if too_long:
        yield Block(b"", lines + 1, offset, lines, tuple(too_long))


def _blank_long_lines(data: bytes, max_line: int, lines: int, too_long: list[int]) -> bytes:
    """``data`` with every line over ``max_line`` bytes (newline excluded) left empty; their
    numbers (``lines`` is the count before ``data``) are appended to ``too_long``."""
    parts: list[bytes] = []
    pos = 0
    n = 0
    while pos < len(data):
        end = data.find(b"\n", pos)
        n += 1
        if end - pos > max_line:
            too_long.append(lines + n)
            parts.append(b"\n")
        else:
            parts.append(data[pos : end + 1])
        pos = end + 1
    return b"".join(parts)
