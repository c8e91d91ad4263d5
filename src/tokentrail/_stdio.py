"""Output that cannot be written (``> /dev/full``, a closed pipe) ends a command quietly.

A command's stdout may be a full disk, a device that refuses writes, or a pipe whose
reader has gone (``tokentrail daily | head -1``). The entry points catch the
:class:`OSError` of the write (or of the final flush, which they do themselves) and call
:func:`output_failed`: a closed pipe is a normal end (exit 0, nothing printed, as for
any Unix filter); any other failure is one line on stderr and exit 2. Either way stdout is
pointed at ``/dev/null`` first, so the interpreter's own last flush cannot print an
"Exception ignored" message.

Standard library only (the stdlib-only console entry uses it).
"""

from __future__ import annotations

import errno
import os
import sys

__all__ = ["output_failed"]


def _silence_stdout() -> None:
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):  # no real stdout: nothing to silence
        pass


def output_failed(exc: OSError) -> int:
    """Report an :class:`OSError` that reached an entry point in one line; the exit code (0
    for a closed pipe, else 2). One with a file name is about that file; one without is a
    write to stdout."""
    if exc.filename is not None:
        where = exc.filename if exc.filename2 is None else f"{exc.filename} -> {exc.filename2}"
        sys.stderr.write(f"tokentrail: error: {exc.strerror or exc}: {where}\n")
        sys.stderr.flush()
        return 2
    _silence_stdout()
    if isinstance(exc, BrokenPipeError) or exc.errno == errno.EPIPE:
        return 0
    sys.stderr.write(f"tokentrail: error: cannot write the output: {exc.strerror or exc}\n")
    sys.stderr.flush()
    return 2
