"""Reading transcript files in worker processes: decode, dedup within the file, price.

A cold ingest is CPU-bound: every line of every file is validated as JSON (a broken line
is a problem to report, never silently skipped) and every usage line becomes a priced
record. :class:`FilePool` spreads that work over the machine's cores with ``fork``-ed
worker processes; the parent only merges results and writes the ledger, so parsing and
SQLite writes overlap. The parent's merge and writes are the one serial chain of a big
ingest, so pricing stays in the workers: the catalog is loaded once before forking and
inherited (measured side by side, pricing in the parent instead, with the catalog imported
there while the workers parse, was slower at 300 MB and at 1 GB).

One task is one file (from its checkpoint to its last complete line). A worker returns a
:class:`FileResult` encoded with msgpack (compact, and decoding it costs far less than
pickling records): the file's records deduplicated within the file (the rule of
:func:`tokentrail.ingest.records.is_better`, a total order, so deduplicating per file and
then across files gives the result of one serial pass), each priced (``CCRecord.priced``),
its problems, and where the read stopped.

Small ingests (an append of a few lines, a warm run) never start a pool: below
:data:`PARALLEL_MIN_BYTES` the same function runs in the calling process. Without
``fork`` (macOS, Windows default) the work also runs in process. Results are taken in
order with at most a few tasks in flight per worker, so memory stays bounded when the
ledger writes slower than the workers read.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import msgspec

from tokentrail.ingest.discover import SourceFile, with_agent_type
from tokentrail.ingest.reader import ReadStart, content_hashes, iter_blocks
from tokentrail.ingest.records import CCRecord, Problem, is_better, storable
from tokentrail.ledger.costing import Coster
from tokentrail.ledger.forked import ForkedWorkers, Worker, WorkerDied

__all__ = [
    "PARALLEL_MIN_BYTES",
    "FilePool",
    "FileResult",
    "FileTask",
    "WorkerDied",
    "collector_paused",
    "read_file",
]

#: Below this many bytes to read, files are read in the calling process (a pool costs
#: more to start than it saves).
PARALLEL_MIN_BYTES = 24 << 20


class FileTask(msgspec.Struct, array_like=True, gc=False):
    """One file to read: where from (``offset`` bytes, ``lines`` already consumed) and what
    its location says (:class:`~tokentrail.ingest.discover.SourceFile` fields)."""

    path: str
    kind: str
    session_hint: str | None
    agent_id: str | None
    agent_type: str | None
    offset: int
    lines: int
    reason: str
    limit: int = 0
    block_size: int = 4 << 20


class FileResult(msgspec.Struct, array_like=True, gc=False):
    """What reading one file gave. ``path`` is the file's storable path (its ledger key);
    ``records`` are the best copy per dedup key within the file, priced (``priced`` set);
    ``usage_lines`` counts every usage line decoded (copies included); ``end_offset`` /
    ``end_lines`` are just after the last complete line; ``error`` is set (and the rest
    describes what was read before it) when the file could not be read to the end;
    ``complete`` is false when the task's byte ``limit`` stopped the read before the file's
    last complete line (the caller continues from ``end_offset``); ``head_hash`` /
    ``tail_hash`` are the checkpoint hashes at ``end_offset``
    (:func:`~tokentrail.ingest.reader.content_hashes`, read here, off the parent); ``memo``:
    set by a worker process on the last result of a task group: the price-memo entries its
    coster learned pricing the group (see
    :meth:`~tokentrail.ledger.costing.Coster.drain_memo`)."""

    path: str
    records: list[CCRecord]
    problems: list[Problem]
    usage_lines: int
    end_offset: int
    end_lines: int
    complete: bool
    error: str | None = None
    head_hash: str = ""
    tail_hash: str = ""
    memo: bytes | None = None


_enc = msgspec.msgpack.Encoder()
_dec = msgspec.msgpack.Decoder(list[FileResult])
#: Bytes of files handed to a worker at once.
CHUNK_BYTES = 8 << 20


#: The coster :func:`read_file` prices with when given none: in a worker, its pool's (set by
#: :func:`_init_worker`); in process, a default one made on first use and kept, so its plan
#: and flag memos are shared.
_COSTER: list[Coster] = []


def _coster() -> Coster:
    if not _COSTER:
        _COSTER.append(Coster())
    return _COSTER[0]


def read_file(task: FileTask, coster: Coster | None = None) -> FileResult:
    """Read ``task``'s file from its offset to its last complete line, or to the first
    block boundary past ``task.limit`` bytes when that is set (see the module), and price
    its records with ``coster`` (default: the pool's, else the packaged catalog's)."""
    from tokentrail.ingest.claude_code import parse_block  # only when there is data to read

    sf = SourceFile(Path(task.path), task.kind, task.session_hint, task.agent_id, task.agent_type)
    sf = with_agent_type(sf)  # an agent's sidecar is read here, off the parent
    key = storable(task.path)
    best: dict[str, CCRecord] = {}
    problems: list[Problem] = []
    usage_lines = 0

    def on_record(r: CCRecord) -> None:
        nonlocal usage_lines
        usage_lines += 1
        old = best.get(r.key)
        if old is None or is_better(r, old):
            best[r.key] = r

    end_offset, end_lines = task.offset, task.lines
    error: str | None = None
    complete = True
    try:
        start = ReadStart(task.offset, task.lines, task.reason)
        blocks = iter_blocks(task.path, start, block_size=task.block_size, count_lines=False)
        block = next(blocks, None)
        while block is not None:
            if task.limit and end_offset - task.offset >= task.limit:
                complete = False  # the rest is another task's
                blocks.close()
                break
            for ln in block.too_long:
                problems.append(Problem(key, ln, None, "line_too_long", "line over the size cap"))
            n = 0
            if block.data:
                n = parse_block(block.data, sf, block.first_line, on_record, problems.append)
            end_offset, end_lines = block.end_offset, block.first_line - 1 + n
            try:
                block = blocks.send(n)
            except StopIteration:
                block = None
        head, tail, _ = content_hashes(task.path, end_offset)
    except OSError as exc:
        error = f"cannot read file: {exc}"
        head = tail = ""
    records = list(best.values())
    if records:
        for r, cost in zip(records, (coster or _coster()).cost_many(records), strict=True):
            r.priced = cost
    return FileResult(
        key, records, problems, usage_lines, end_offset, end_lines, complete and not error,
        error, head, tail,
    )  # fmt: skip


#: How much nicer than the parent the workers run. The parent's merge and SQLite writes form
#: the one serial chain of an ingest; with the workers niced, that chain gets a core
#: whenever it has work and the workers take the rest, so a big ingest is not left waiting
#: on a writer starved by its own readers (measured side by side: 1 GB cold ingest about
#: 10% faster than at the parent's priority).
WORKER_NICENESS = 10


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while the block runs (its state restored after).

    An ingest allocates a few objects per line and per record but builds no reference
    cycles (records, problems and results are ``gc=False`` structs), so the collector only
    re-scans the live heap, the bigger the ingest the more often: measured side by side on a
    1 GB cold ingest, with it off in the parent and the workers, about 0.75 CPU-s (10%) less.
    Other threads of the process run without it meanwhile.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _init_worker(coster: Coster) -> None:
    """Set up a forked worker: price with the pool's ``coster``, already loaded by the
    parent; lower the scheduling priority (see WORKER_NICENESS); run without the cyclic
    garbage collector (see :func:`collector_paused`; a worker lives only as long as its
    pool)."""
    _COSTER[:] = [coster]
    gc.disable()
    with contextlib.suppress(OSError):  # not permitted, or no nice() on this system
        os.nice(WORKER_NICENESS)


_task_enc = msgspec.msgpack.Encoder()
_task_dec = msgspec.msgpack.Decoder(list[FileTask])


def _work(msg: bytes) -> bytes:
    """A worker's task group (msgpack), its results encoded; the price-memo entries its
    coster learned pricing them go back with the last result (the parent's memo learns
    them, see FileResult.memo)."""
    results = [read_file(t) for t in _task_dec.decode(msg)]
    if results:
        results[-1].memo = _coster().drain_memo()
    return _enc.encode(results)


def _take(tasks: deque[tuple[FileTask, int]], target: int) -> list[FileTask]:
    """Tasks from the left of ``tasks`` until about ``target`` bytes to read (one IPC)."""
    group: list[FileTask] = []
    size = 0
    while tasks and size < target:
        task, nbytes = tasks.popleft()
        group.append(task)
        size += nbytes
    return group


def _can_fork() -> bool:
    import multiprocessing  # only when there is work to spread: a warm run never pays

    return "fork" in multiprocessing.get_all_start_methods()


def _workers() -> int:
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, n)


class FilePool:
    """Reads many files, in worker processes when it pays (see the module docstring).

    ``results(tasks, total_bytes)`` yields ``(task, FileResult)`` per task, in task order.
    Use as a context manager so the workers are always stopped. Records are priced with
    ``coster`` (default: the packaged catalog, loaded once).
    """

    def __init__(
        self,
        workers: int | None = None,
        min_bytes: int = PARALLEL_MIN_BYTES,
        coster: Coster | None = None,
    ) -> None:
        self.workers = workers if workers is not None else _workers()
        self.min_bytes = min_bytes
        self.coster = coster if coster is not None else Coster()
        self._pool: ForkedWorkers | None = None

    def __enter__(self) -> FilePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers (idempotent): those with work in flight (an interrupted ingest)
        are killed at once, idle ones exit."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            if pool.busy:
                pool.kill()
            else:
                pool.stop()

    def _start(self) -> ForkedWorkers:
        self.coster.preload()  # load the catalog once, before forking: workers inherit it
        return ForkedWorkers(self.workers, _work, _init_worker, (self.coster,))

    def results(
        self, tasks: deque[tuple[FileTask, int]], total_bytes: int
    ) -> Iterator[tuple[FileTask, FileResult]]:
        """``(task, result)`` per ``(task, bytes to read)`` taken from the left of ``tasks``,
        in order; the caller may append tasks (continuations) while iterating. Parallel
        when ``total_bytes`` reaches ``min_bytes``."""
        parallel = self.workers > 1 and total_bytes >= self.min_bytes and _can_fork()
        if not parallel:
            while tasks:
                t, _ = tasks.popleft()
                yield t, read_file(t, self.coster)
            return
        if self._pool is None:
            self._pool = self._start()
        pool = self._pool
        window: deque[tuple[list[FileTask], Worker]] = deque()
        limit = self.workers * 3
        target = max(1 << 20, min(CHUNK_BYTES, total_bytes // (self.workers * 8)))
        size = 1 << 20  # small first groups: the first result (in order) comes back soon
        while tasks or window:
            while tasks and len(window) < limit:
                group = _take(tasks, size)
                size = min(size * 2, target)
                window.append((group, pool.submit(_task_enc.encode(group))))
            group, worker = window.popleft()
            yield from zip(group, _dec.decode(pool.take(worker)), strict=True)
