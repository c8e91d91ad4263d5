"""Incremental ingest of Claude Code transcripts into a ledger.

``ingest_claude_code(store, roots)``: discover files, compare each with its checkpoint,
read only new bytes (or everything again for a truncated / replaced file), decode, and
commit in batches. Each batch — records, problems and the checkpoints of the files it
covers — is one transaction, so a crash (even ``kill -9``) loses and duplicates nothing:
the next run resumes from the last committed checkpoint, and dedup keys absorb any
overlap. Files are processed oldest-modified first; the dedup rule does not depend on
that order. Memory is bounded by the block size plus one batch of records. Files are
keyed in the ledger (checkpoints, problems, records) by their
:func:`~tokentrail.ingest.records.storable` path, so a name that is not valid UTF-8 is
stored (with ``\\xNN`` escapes) and matched again on the next run.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from tokentrail._signals import check, deferred
from tokentrail.ingest.discover import (
    SkippedPath,
    SourceFile,
    classify,
    claude_roots,
    find_claude_files,
)
from tokentrail.ingest.found import FoundFile, take_over
from tokentrail.ingest.reader import FileCheckpoint, ReadStart, content_hashes
from tokentrail.ingest.records import CCRecord, Problem, is_better, storable
from tokentrail.ledger.ingest_plan import plan_ingest
from tokentrail.ledger.protocol import LedgerStore
from tokentrail.ledger.workers import PARALLEL_MIN_BYTES, FilePool, FileTask, collector_paused

__all__ = ["IngestSummary", "ingest_claude_code"]

#: progress(bytes_done, bytes_total)
Progress = Callable[[int, int], None]


@dataclass(slots=True)
class IngestSummary:
    """What one ingest run did. ``bytes`` counts bytes read this run (not file sizes);
    ``records`` usage lines decoded; ``added`` new records stored; ``duplicates`` copies
    of already-known requests (streaming copies, replays, re-reads); ``problems`` bad
    lines found this run (``problems_new`` of them not already stored); ``reread`` files
    read again from the start because they were truncated or replaced; ``empty_roots``
    the root folders that hold no transcript (not in :meth:`to_dict`)."""

    files: int = 0
    files_read: int = 0
    bytes: int = 0
    records: int = 0
    added: int = 0
    duplicates: int = 0
    problems: int = 0
    problems_new: int = 0
    reread: int = 0
    seconds: float = 0.0
    roots: list[str] = field(default_factory=list)
    empty_roots: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (keys as in ``tokentrail ingest --json``)."""
        return {
            "files": self.files,
            "files_read": self.files_read,
            "bytes": self.bytes,
            "records": self.records,
            "records_added": self.added,
            "duplicates": self.duplicates,
            "problems": self.problems,
            "problems_new": self.problems_new,
            "reread_files": self.reread,
            "seconds": round(self.seconds, 3),
            "roots": self.roots,
        }


class _Batch:
    def __init__(self) -> None:
        self.records: dict[str, CCRecord] = {}
        self.count = 0
        self.problems: list[Problem] = []
        self.checkpoints: dict[str, FileCheckpoint] = {}
        self.resets: list[str] = []
        self.bytes = 0

    def merge(self, r: CCRecord) -> None:
        """Keep ``r`` if it is the best copy of its key so far (``count`` is kept by the
        caller: a file's result carries one record per key and the number of lines)."""
        old = self.records.get(r.key)
        if old is None or is_better(r, old):
            self.records[r.key] = r


def _commit(store: LedgerStore, batch: _Batch, summary: IngestSummary) -> None:
    if batch.count or batch.problems or batch.checkpoints or batch.resets:
        res = store.commit_batch(
            batch.records.values(), batch.problems, batch.checkpoints.values(), batch.resets
        )
        summary.added += res.inserted
        summary.duplicates += res.duplicates + (batch.count - len(batch.records))
        summary.problems_new += res.problems


class _Writer:
    """Commits batches on a background thread while the caller reads the next one.

    SQLite releases the GIL while it works, so writing overlaps with collecting worker
    results. At most one batch waits (memory stays bounded); batches commit in order,
    each in its own transaction. An error in a commit is raised from the next
    :meth:`put` or from :meth:`close`; later batches are then dropped, never committed
    out of order (their files keep their old checkpoints, so nothing is lost).
    """

    def __init__(self, store: LedgerStore, summary: IngestSummary) -> None:
        self.store = store
        self.summary = summary
        self.error: BaseException | None = None
        self.queue: queue.Queue[_Batch | None] = queue.Queue(maxsize=1)
        # Started with the first batch, so the worker pool is always forked before this
        # thread exists (forking a process that runs other threads is unsafe).
        self.thread: threading.Thread | None = None

    def _run(self) -> None:
        while True:
            batch = self.queue.get()
            if batch is None:
                return
            if self.error is None:
                try:
                    _commit(self.store, batch, self.summary)
                except BaseException as exc:
                    self.error = exc

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def put(self, batch: _Batch) -> _Batch:
        """Hand ``batch`` over (waits while another batch is waiting); a fresh batch."""
        self._raise()
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name="tokentrail-ingest-writer")
            self.thread.start()
        while True:
            try:
                self.queue.put(batch, timeout=0.1)
                break
            except queue.Full:
                check()  # a stopping signal while the writer commits: stop here
        return _Batch()

    def close(self) -> None:
        """Wait for every batch handed over; raise the first commit error."""
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
        self._raise()


def _checkpoint(
    path: str,
    st: os.stat_result,
    offset: int,
    lines: int,
    size: int | None = None,
    hashes: tuple[str, str] | None = None,
) -> FileCheckpoint:
    """Checkpoint of ``path`` (the real path) at ``offset``, keyed by its storable path;
    ``size`` is the stat size unless the file is unfinished; ``hashes`` (head, tail) when
    the reader already took them, else they are read here."""
    head, tail = hashes if hashes is not None else content_hashes(path, offset)[:2]
    return FileCheckpoint(
        storable(path), st.st_dev, st.st_ino, st.st_size if size is None else size,
        st.st_mtime_ns, offset, lines, head, tail,
    )  # fmt: skip


def _find(
    roots: Sequence[Path], skipped: list[SkippedPath] | None, empty: list[str]
) -> list[FoundFile]:
    """``find_claude_files(roots)`` walked one root at a time (a file reached from two roots
    is the first one's), so the roots holding no transcript go to ``empty``."""
    files: list[FoundFile] = []
    listed: set[str] = set()
    for root in roots:
        found = find_claude_files([root], skipped=skipped)
        if not found and root.is_dir():
            empty.append(str(root))
        for f in found:
            if f.path not in listed:
                listed.add(f.path)
                files.append(f)
    return files


@collector_paused()
def ingest_claude_code(
    store: LedgerStore,
    roots: Sequence[Path] | None = None,
    *,
    progress: Progress | None = None,
    batch_records: int = 10_000,
    batch_bytes: int = 128 << 20,
    block_size: int = 4 << 20,
    task_bytes: int = 64 << 20,
    workers: int | None = None,
    skipped: list[SkippedPath] | None = None,
) -> IngestSummary:
    """Ingest every transcript under ``roots`` (default: :func:`claude_roots`) into ``store``.

    ``batch_records`` (usage lines) and ``batch_bytes`` (bytes read) bound one
    transaction (a batch closes after the file or file part that reaches them).
    ``progress`` is called with bytes read so far and bytes to read. Files are read in
    worker processes when there is enough to read (``workers=None``: one per core, above
    :data:`~tokentrail.ledger.workers.PARALLEL_MIN_BYTES`), or always with ``workers`` > 1,
    never with ``workers=1`` (see :class:`~tokentrail.ledger.workers.FilePool`);
    ``task_bytes`` at a time per file (so memory stays bounded on a huge transcript), in
    blocks of ``block_size`` bytes. Python's cyclic garbage collector is paused meanwhile
    (see :func:`~tokentrail.ledger.workers.collector_paused`). ``skipped``, when given,
    receives every path below the roots that cannot be read (see
    :func:`~tokentrail.ingest.discover.discover_claude_files`); the summary's
    ``empty_roots`` lists the root folders holding no transcript at all.
    """
    t0 = time.perf_counter()
    default_roots = roots is None
    roots = list(roots) if roots is not None else claude_roots()
    summary = IngestSummary(roots=[str(r) for r in roots])
    # The console entry's warm check may have just listed the default roots.
    handed = take_over(roots) if default_roots and skipped is None else None
    files = handed if handed is not None else _find(roots, skipped, summary.empty_roots)
    summary.files = len(files)
    plan = plan_ingest(files, store.checkpoints())
    todo: list[tuple[int, SourceFile, os.stat_result, ReadStart]] = [
        (st.st_mtime_ns, classify(found, with_agent_types=False), st, start)
        for found, st, start in plan.reads
    ]
    touched = [_checkpoint(path, st, cp.offset, cp.lines) for path, st, cp in plan.touched]
    todo.sort(key=lambda t: (t[0], str(t[1].path)))
    total = sum(st.st_size - start.offset for _, _, st, start in todo)
    done = 0
    batch = _Batch()
    for cp in touched:
        batch.checkpoints[cp.path] = cp
    problems_seen = 0

    def on_problem(p: Problem) -> None:
        nonlocal problems_seen
        problems_seen += 1
        batch.problems.append(p)

    tasks: deque[tuple[FileTask, int]] = deque()
    plans: dict[str, tuple[SourceFile, os.stat_result, ReadStart]] = {}
    for _, sf, st, start in todo:
        path = str(sf.path)
        plans[path] = (sf, st, start)
        task = FileTask(
            path, sf.kind, sf.session_hint, sf.agent_id, sf.agent_type,
            start.offset, start.lines, start.reason, task_bytes, block_size,
        )  # fmt: skip
        tasks.append((task, st.st_size - start.offset))
    writer = _Writer(store, summary)
    own = getattr(store, "coster", None)  # the store's catalog, when it has its own
    pool = FilePool(
        workers,
        min_bytes=PARALLEL_MIN_BYTES if workers is None else 0,
        coster=own() if callable(own) else None,
    )
    # A big ingest checkpoints the WAL on a background thread (stores that can, SQLite).
    background = getattr(store, "background_checkpoints", None)
    checkpoints: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
    if callable(background) and total >= PARALLEL_MIN_BYTES:
        checkpoints = background()
    with checkpoints, deferred():  # signals stop the ingest at the check() points below
        try:
            with pool:
                for task, res in pool.results(tasks, total):
                    check()
                    sf, st, start = plans[task.path]
                    key = res.path
                    if task.offset == start.offset:  # the file's first task
                        summary.files_read += 1
                        if start.reset:
                            summary.reread += 1
                            batch.resets.append(key)
                    if res.memo is not None:
                        pool.coster.absorb_memo(res.memo)
                    for p in res.problems:
                        on_problem(p)
                    summary.records += res.usage_lines
                    batch.count += res.usage_lines
                    for r in res.records:
                        batch.merge(r)
                    read = res.end_offset - task.offset
                    batch.bytes += read
                    done += read
                    if res.error is not None:
                        on_problem(Problem(key, 0, None, "unreadable", res.error))
                    hashes = (res.head_hash, res.tail_hash) if res.error is None else None
                    if res.complete:
                        batch.checkpoints[key] = _checkpoint(
                            task.path, st, res.end_offset, res.end_lines, hashes=hashes
                        )
                    elif read:
                        # Unfinished: the offset as the size, so a crash before the file's end
                        # never looks "unchanged" to the next run; the rest is the next task.
                        batch.checkpoints[key] = _checkpoint(
                            task.path, st, res.end_offset, res.end_lines, res.end_offset, hashes
                        )
                        if res.error is None:
                            rest = msgspec.structs.replace(
                                task, offset=res.end_offset, lines=res.end_lines, reason="appended"
                            )
                            tasks.append((rest, st.st_size - res.end_offset))
                    if progress is not None:
                        progress(done, total)
                    if batch.count >= batch_records or batch.bytes >= batch_bytes:
                        batch = writer.put(batch)
            writer.put(batch)
        finally:
            writer.close()
    summary.bytes = done
    summary.problems = problems_seen
    summary.seconds = time.perf_counter() - t0
    return summary
