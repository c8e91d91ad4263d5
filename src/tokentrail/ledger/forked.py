"""Forked worker processes that nothing can wedge: signals, dead workers, a dead parent.

:class:`ForkedWorkers` runs ``work(bytes) -> bytes`` in ``n`` forked processes. It replaces
:class:`multiprocessing.pool.Pool`, whose workers share one task queue and one result
queue, each guarded by a lock between processes: a worker killed while holding one (by
Ctrl-C reaching the whole process group, a closed terminal, the out-of-memory killer)
leaves ``Pool.terminate()`` waiting for that lock for ever, and every worker interrupted
mid-write prints a traceback. Here:

* each worker has a pipe of its own for tasks and one for results, so no lock is shared
  between processes; a worker that dies is seen as end of file on its result pipe, and a
  result it owed raises :class:`WorkerDied` in the parent instead of waiting for ever;
* workers ignore ``SIGINT`` and ``SIGHUP`` (the parent decides: it stops the pool), keep
  the default ``SIGTERM`` (die quietly) and, on Linux, are killed with their parent
  (``PR_SET_PDEATHSIG``), so ``kill -9`` of the parent leaves no worker running and no
  broken-pipe traceback on the terminal;
* one thread of the parent reads results as soon as they come, so a worker never waits
  for the parent to take one (the parent's own work, writing the ledger, overlaps theirs);
* :meth:`ForkedWorkers.kill` is SIGKILL and reap: it cannot block on a worker.

Messages are bytes; a reply starts with ``R`` (a result) or ``E`` (the traceback of an
unexpected error in ``work``, raised in the parent as :class:`WorkerDied`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from tokentrail._signals import check

__all__ = ["ForkedWorkers", "Worker", "WorkerDied"]


class WorkerDied(RuntimeError):
    """A worker process ended without answering (killed, out of memory) or failed."""


def _die_with_parent(parent: int) -> None:
    """SIGKILL this process when its parent dies (Linux ``prctl(PR_SET_PDEATHSIG)``); exit
    at once if the parent is already gone."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1: PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(0)


#: Signals a worker ignores (the parent decides): blocked across the fork, so one that
#: arrives while the child is still running the interpreter's after-fork hooks waits
#: until the worker ignores it instead of raising KeyboardInterrupt there.
_PARENTS_SIGNALS = {signal.SIGINT, signal.SIGHUP}


def _worker_main(
    tasks: Connection,
    out: Connection,
    parent: int,
    work: Callable[[bytes], bytes],
    init: Callable[..., None],
    init_args: tuple[Any, ...],
) -> None:
    """A worker's life: messages in, replies out, until the task pipe closes, the parent
    sends an empty message (stop) or is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _PARENTS_SIGNALS)  # pending ones: ignored
    _die_with_parent(parent)
    init(*init_args)
    try:
        while True:
            msg = tasks.recv_bytes()
            if not msg:
                break
            try:
                reply = b"R" + work(msg)
            except Exception:  # a bug, not bad input: the parent raises it
                import traceback

                reply = b"E" + traceback.format_exc().encode("utf-8", "replace")
            out.send_bytes(reply)
    except (EOFError, OSError):  # the parent closed the pipe or is gone
        pass
    os._exit(0)  # no atexit handlers and no flush of buffers inherited from the parent


class Worker:
    """One forked worker: its process, the pipe its tasks go in by, the pipe its replies
    come back by, replies read but not yet taken, and how many replies it owes."""

    __slots__ = ("inbox", "owed", "proc", "replies", "tasks")

    def __init__(self, proc: Any, tasks: Connection, replies: Connection) -> None:
        self.proc = proc
        self.tasks = tasks
        self.replies = replies
        self.inbox: deque[bytes | None] = deque()  # None: the worker is gone
        self.owed = 0


class ForkedWorkers:
    """``n`` forked processes, each running ``init(*init_args)`` once, then ``work`` on every
    message it is sent (see the module docstring). Replies of one worker come back in the
    order its messages were sent."""

    def __init__(
        self,
        n: int,
        work: Callable[[bytes], bytes],
        init: Callable[..., None] = lambda: None,
        init_args: tuple[Any, ...] = (),
    ) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        self.cond = threading.Condition()
        self.workers: list[Worker] = []
        self.reader: threading.Thread | None = None
        parent = os.getpid()
        try:
            for _ in range(n):
                task_r, task_w = ctx.Pipe(duplex=False)
                rep_r, rep_w = ctx.Pipe(duplex=False)
                args = (task_r, rep_w, parent, work, init, init_args)
                proc = ctx.Process(target=_worker_main, args=args, daemon=True)
                blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _PARENTS_SIGNALS)
                try:
                    proc.start()
                finally:  # a signal that came meanwhile is delivered to us now
                    signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
                task_r.close()
                rep_w.close()
                self.workers.append(Worker(proc, task_w, rep_r))
        except BaseException:
            self.kill()
            raise
        # Started after the last fork: forking while a thread runs copies its locks mid-use.
        self.reader = threading.Thread(target=self._read, name="tokentrail-replies", daemon=True)
        self.reader.start()

    def _read(self) -> None:
        from multiprocessing.connection import wait

        open_: dict[Any, Worker] = {w.replies: w for w in self.workers}
        while open_:
            for conn in wait(list(open_)):
                w = open_[conn]
                data: bytes | None
                try:
                    data = w.replies.recv_bytes()
                except (EOFError, OSError):
                    data = None
                    del open_[conn]
                with self.cond:
                    w.inbox.append(data)
                    self.cond.notify_all()

    def submit(self, msg: bytes) -> Worker:
        """Send ``msg`` to the worker that owes the fewest replies; that worker is returned
        (take its reply with :meth:`take`)."""
        w = min(self.workers, key=lambda x: x.owed)
        w.owed += 1
        with contextlib.suppress(OSError):  # gone: its inbox says so when the reply is taken
            w.tasks.send_bytes(msg)
        return w

    def take(self, w: Worker) -> bytes:
        """The next reply of ``w``, waiting for it; :class:`WorkerDied` if ``w`` ended first
        or ``work`` raised."""
        with self.cond:
            while not w.inbox:
                self.cond.wait(0.1)
                check()  # a stopping signal: raised here, a safe point (tokentrail._signals)
            data = w.inbox[0]
            if data is not None:
                w.inbox.popleft()
        if data is None:
            raise WorkerDied(
                f"a worker process ended without answering (exit code {w.proc.exitcode})"
            )
        w.owed -= 1
        if data[:1] == b"E":
            raise WorkerDied("a worker failed:\n" + data[1:].decode("utf-8", "replace"))
        return data[1:]

    @property
    def busy(self) -> bool:
        """Whether any worker owes a reply."""
        return any(w.owed for w in self.workers)

    def stop(self) -> None:
        """Let idle workers exit (at most a second), then kill what is left."""
        for w in self.workers:
            with contextlib.suppress(OSError):
                w.tasks.send_bytes(b"")
        deadline = time.monotonic() + 1.0
        for w in self.workers:
            w.proc.join(max(0.0, deadline - time.monotonic()))
        self.kill()

    def kill(self) -> None:
        """SIGKILL every worker still running, reap them all, close the pipes (idempotent).
        A worker holds no lock and writes nothing: killing one loses only its reply."""
        for w in self.workers:
            if w.proc.exitcode is None:
                with contextlib.suppress(OSError):
                    w.proc.kill()
        for w in self.workers:
            w.proc.join()
            w.tasks.close()
        if self.reader is not None:
            self.reader.join(5.0)  # every reply pipe is at end of file now
        for w in self.workers:
            w.replies.close()
