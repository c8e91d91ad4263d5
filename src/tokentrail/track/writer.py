"""The background ledger writer of live tracking: batched, never in the caller's way.

A tracked call only puts its record on an in-memory queue (no I/O, never blocks, safe on an
event loop). One daemon thread per ledger drains the queue and commits everything that
arrives within 50 ms in one transaction (``SQLiteLedger.commit_batch``), so a burst of calls
costs one commit.
Failures (ledger locked, disk full, bad path) are logged on the ``tokentrail.track`` logger
and counted in :attr:`LedgerWriter.failed`; they never reach the user's call. Pending records
are flushed at interpreter exit (bounded wait) and by :func:`flush`.

Runs (:mod:`tokentrail.track.runs`) are written to every ledger that receives one of their
records (with their enclosing runs), and rewritten there when they end.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import os
import queue
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tokentrail.ingest.records import CCRecord
from tokentrail.ledger.runs import RunRow

if TYPE_CHECKING:
    from tokentrail.track.runs import Run

__all__ = ["LedgerWriter", "WriterStats", "flush", "get_writer", "run_finished"]

log = logging.getLogger("tokentrail.track")

_MAX_BATCH = 1000
#: Seconds the writer waits for more records before a commit (a flush request cuts it short):
#: a busy program makes one commit per burst, not one per call.
_LINGER = 0.05


@dataclass(frozen=True, slots=True)
class WriterStats:
    """Counters of one writer: records ``queued``, ``written`` (inserted or merged into the
    ledger), ``failed`` (lost to a write error, logged), and commits made (``batches``)."""

    queued: int
    written: int
    failed: int
    batches: int


class _Warm:
    """Queue item: open the ledger (and load its pricer) before the first record arrives."""


class _Flush:
    __slots__ = ("event",)

    def __init__(self) -> None:
        self.event = threading.Event()


class LedgerWriter:
    """Writes records to one ledger from a daemon thread (see the module docstring).

    ``ledger``: a path (``str`` / ``PathLike``), ``None`` (``$TOKENTRAIL_LEDGER`` or the
    platform default), or an open store with ``commit_batch`` (then used from the writer
    thread: SQLiteLedger allows that).
    """

    def __init__(self, ledger: object = None) -> None:
        self._target = ledger
        self._store: Any = None
        self._q: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._queued = itertools.count()
        self._n_queued = 0
        self._written = 0
        self._failed = 0
        self._batches = 0

    @property
    def stats(self) -> WriterStats:
        """Current counters."""
        return WriterStats(self._n_queued, self._written, self._failed, self._batches)

    @property
    def failed(self) -> int:
        """Records lost to write errors (each logged on ``tokentrail.track``)."""
        return self._failed

    def submit(self, record: CCRecord, runs: Iterable[RunRow] = ()) -> None:
        """Queue one record (and the rows of its runs); never blocks, never raises."""
        self._n_queued = next(self._queued) + 1  # itertools.count: atomic under the GIL
        self._q.put((record, tuple(runs)))
        if not _LAST or _LAST[0] is not self:
            _LAST[:] = [self]
        self._ensure_thread()

    def submit_runs(self, runs: Iterable[RunRow]) -> None:
        """Queue run rows only (a run ending)."""
        self._q.put((None, tuple(runs)))
        self._ensure_thread()

    def warm(self) -> None:
        """Open the ledger in the writer thread now (called when a client is tracked, so
        the first record's commit does not open, migrate and load prices then)."""
        if self._store is None:
            self._q.put(_Warm())
            self._ensure_thread()

    def flush(self, timeout: float | None = 10.0) -> bool:  # float ok: seconds
        """Wait until everything queued so far is committed (or failed); False on timeout."""
        if self._thread is None:
            return True
        marker = _Flush()
        self._q.put(marker)
        return marker.event.wait(timeout)

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name="tokentrail-ledger-writer", daemon=True
                )
                self._thread.start()

    def _open(self) -> Any:
        if self._store is None:
            target = self._target
            if target is None or isinstance(target, (str, os.PathLike)):
                from tokentrail.ledger import open_store

                self._store = open_store(target)
            else:  # a store, or a tokentrail.Ledger (which wraps one)
                inner = getattr(target, "store", None)
                self._store = inner if hasattr(inner, "commit_batch") else target
        return self._store

    def _loop(self) -> None:
        while True:
            item = self._q.get()
            batch = [item]
            deadline = time.monotonic() + _LINGER
            while len(batch) < _MAX_BATCH and not isinstance(batch[-1], _Flush):
                wait = deadline - time.monotonic()
                try:
                    batch.append(self._q.get(timeout=wait) if wait > 0 else self._q.get_nowait())
                except queue.Empty:
                    break
            records: list[CCRecord] = []
            runs: dict[str, RunRow] = {}
            markers: list[_Flush] = []
            for it in batch:
                if isinstance(it, _Flush):
                    markers.append(it)
                    continue
                if isinstance(it, _Warm):
                    self._warm()
                    continue
                rec: CCRecord | None
                rows: tuple[RunRow, ...]
                rec, rows = it  # type: ignore[misc]
                if rec is not None:
                    records.append(rec)
                for row in rows:
                    runs[row.id] = row
            if records or runs:
                self._commit(records, list(runs.values()))
            for m in markers:
                m.event.set()

    def _warm(self) -> None:
        try:
            store = self._open()
            store.commit_batch((), (), ())  # an empty commit: loads the store's pricer
        except Exception as exc:  # reported (and counted) by the first real commit
            log.debug("tokentrail: could not open the ledger early: %r", exc)

    def _commit(self, records: list[CCRecord], runs: list[RunRow]) -> None:
        try:
            store = self._open()
            if runs and hasattr(store, "save_runs"):
                store.save_runs(runs)
            if records:
                store.commit_batch(records, (), ())
            self._written += len(records)
            self._batches += 1
        except Exception as exc:  # never let a ledger problem escape the writer
            self._failed += len(records)
            log.warning(
                "tokentrail: could not write %d usage record(s) to the ledger %s: %s",
                len(records),
                self._target if self._target is not None else "(default)",
                exc,
            )


_WRITERS: dict[object, LedgerWriter] = {}
_LAST: list[LedgerWriter] = []  # the writer last given a record or a client (at most one)
_REG_LOCK = threading.Lock()


def get_writer(ledger: object = None) -> LedgerWriter:
    """The shared writer of a ledger (one per resolved path or team-ledger URL, or per
    store object)."""
    from tokentrail.ledger.clickhouse.url import ledger_url

    url = ledger_url(ledger) if ledger is None or isinstance(ledger, str) else None
    if url is not None:
        key: object = url
        target: object = url
    elif ledger is None or isinstance(ledger, (str, os.PathLike)):
        from tokentrail.ledger import resolve_ledger_path

        key = str(resolve_ledger_path(ledger).resolve())
        target = key
    else:
        key, target = id(ledger), ledger
    with _REG_LOCK:
        w = _WRITERS.get(key)
        if w is None:
            w = _WRITERS[key] = LedgerWriter(target)
        _LAST[:] = [w]
        return w


def run_finished(run: Run) -> None:
    """Rewrite a finished run in every ledger that holds one of its records; a run that
    recorded nothing (e.g. refused at its first request) goes to the ledger this process
    last tracked into (or instrumented a client for), so ``tokentrail report run`` lists it."""
    writers: list[LedgerWriter] = list(run._writers)  # type: ignore[arg-type]
    if not writers and _LAST:
        writers = [_LAST[-1]]
    for w in writers:
        w.submit_runs([run.row()])


def flush(timeout: float | None = 10.0) -> bool:  # float ok: seconds
    """Wait until every tracked record queued so far is in its ledger; False on timeout."""
    with _REG_LOCK:
        writers = list(_WRITERS.values())
    return all(w.flush(timeout) for w in writers)


def _after_fork_in_child() -> None:
    # A forked child must not reuse the parent's connection, thread or queued records (the
    # parent writes those): start afresh, lazily.
    global _REG_LOCK
    _REG_LOCK = threading.Lock()
    for w in _WRITERS.values():
        w._store = None
        w._thread = None
        w._q = queue.SimpleQueue()
        w._lock = threading.Lock()
        w._queued = itertools.count()
        w._n_queued = w._written = w._failed = w._batches = 0


atexit.register(flush, 5.0)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
