"""Ctrl-C, ``kill`` and a closed terminal end a command the same clean way.

While :func:`interruptible` is active, ``SIGINT``, ``SIGTERM`` and ``SIGHUP`` raise
:class:`Interrupted` in the main thread (a :class:`BaseException`, like
:class:`KeyboardInterrupt`, so no ``except Exception`` swallows it): at once, or, inside
:func:`deferred` (an ingest, with its threads and worker processes), at the next
:func:`check`. The stack unwinds as
for any error: the ledger's open transaction rolls back (batches already committed stay),
the ingest's worker processes are killed and reaped, and the entry point prints one line
and exits with ``128 + signal number`` (130 for Ctrl-C). A second signal during that
unwinding ends the process at once (``os._exit``): every ledger write is a transaction, so
a hard stop loses nothing committed either.

Standard library only: the stdlib-only console entry (``tokentrail._entry``) uses it too.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["SIGNALS", "Interrupted", "check", "deferred", "interruptible", "report"]

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(BaseException):
    """A command was stopped by a signal (``signum``); ``exit_code`` is ``128 + signum``."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.name = signal.Signals(signum).name
        self.exit_code = 128 + signum
        super().__init__(f"interrupted by {self.name}")


_raised: list[int] = []
_deferring: list[bool] = []  # non-empty inside deferred()
_pending: list[int] = []


def _handler(signum: int, frame: FrameType | None) -> None:
    if _raised or _pending:  # a second signal while stopping: stop now
        os._exit(128 + (_raised or _pending)[0])
    if _deferring:
        _pending.append(signum)  # raised by the next check() (a safe point)
        return
    _raised.append(signum)
    raise Interrupted(signum)


@contextmanager
def deferred() -> Iterator[None]:
    """Inside the block a stopping signal is only recorded; the code calls :func:`check` at
    points where stopping is safe (between worker results, while waiting). For work that
    runs threads and worker processes (an ingest): an exception raised at an arbitrary
    instruction could land inside a lock or a finaliser and leave a thread waiting for
    ever at exit. Outside :func:`interruptible` nothing changes."""
    _deferring.append(True)
    try:
        yield
    finally:
        _deferring.pop()
    check()  # a signal that came after the last check


def check() -> None:
    """Raise :class:`Interrupted` if a stopping signal arrived during :func:`deferred`."""
    if _pending and not _raised:
        _raised.append(_pending[0])
        raise Interrupted(_pending[0])


@contextmanager
def interruptible() -> Iterator[None]:
    """Signals of :data:`SIGNALS` raise :class:`Interrupted` inside the block (main thread
    only; elsewhere, or where a signal is ignored by the caller, nothing changes)."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {}
    for sig in SIGNALS:
        previous = signal.getsignal(sig)
        if previous is signal.SIG_IGN:  # e.g. started with nohup: keep ignoring it
            continue
        old[sig] = previous
        signal.signal(sig, _handler)
    try:
        yield
    finally:
        for sig, previous in old.items():
            signal.signal(sig, previous)
        _raised.clear()
        _pending.clear()


def report(exc: Interrupted) -> None:
    """Print the one line an interrupted command leaves on stderr."""
    lead = "\n" if exc.signum == signal.SIGINT and sys.stderr.isatty() else ""  # after ^C
    sys.stderr.write(
        f"{lead}tokentrail: interrupted by {exc.name}; what was written before is kept, "
        "run the command again to continue\n"
    )
    sys.stderr.flush()
