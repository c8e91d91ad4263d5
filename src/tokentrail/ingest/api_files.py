"""Reading API usage files: a path or ``-`` (stdin), line by line, with 1-based numbers.

Shared by the Message Batches and saved-responses readers. The API objects carry no
timestamp and pricing needs a date: a file's records are dated by the time the caller
gives (``tokentrail ingest --at``), else by the file's modification time; stdin by now.
Unreadable paths raise :class:`~tokentrail.errors.IngestError`.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from tokentrail.errors import IngestError

__all__ = ["STDIN", "display_name", "file_ts_ms", "open_source"]

#: The name used for standard input in records and problems.
STDIN = "<stdin>"


def display_name(path: str) -> str:
    """``<stdin>`` for ``-``, else the absolute path."""
    return STDIN if path == "-" else os.path.abspath(os.path.expanduser(path))


def file_ts_ms(path: str) -> int:
    """Milliseconds since the epoch to date a file's records: its mtime, or now for stdin."""
    if path == "-":
        return int(time.time() * 1000)
    try:
        return int(os.stat(os.path.expanduser(path)).st_mtime * 1000)
    except OSError as exc:
        raise IngestError(f"cannot read {path}: {exc.strerror or exc}") from exc


@contextmanager
def open_source(path: str) -> Iterator[IO[bytes]]:
    """A binary stream of ``path`` (``-`` = stdin)."""
    if path == "-":
        yield sys.stdin.buffer
        return
    full = os.path.expanduser(path)
    if os.path.isdir(full):
        raise IngestError(f"{path} is a directory, not a results file")
    try:
        fh = open(full, "rb")  # noqa: SIM115
    except OSError as exc:
        raise IngestError(f"cannot read {path}: {exc.strerror or exc}") from exc
    with fh:
        yield fh
