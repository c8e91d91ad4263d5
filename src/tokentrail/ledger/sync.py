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

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tokentrail.ingest.claude_code import parse_block
from tokentrail.ingest.discover import (
    SourceFile,
    claude_roots,
    discover_claude_files,
    with_agent_type,
)
from tokentrail.ingest.reader import (
    FileCheckpoint,
    ReadStart,
    content_hashes,
    iter_blocks,
    plan_read,
)
from tokentrail.ingest.records import CCRecord, Problem, is_better, storable
from tokentrail.ledger.protocol import LedgerStore

__all__ = ["IngestSummary", "ingest_claude_code"]

#: progress(bytes_done, bytes_total)
Progress = Callable[[int, int], None]


@dataclass(slots=True)
class IngestSummary:
    """What one ingest run did. ``bytes`` counts bytes read this run (not file sizes);
    ``records`` usage lines decoded; ``added`` new records stored; ``duplicates`` copies
    of already-known requests (streaming copies, replays, re-reads); ``problems`` bad
    lines found this run (``problems_new`` of them not already stored); ``reread`` files
    read again from the start because they were truncated or replaced."""

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

    def add_record(self, r: CCRecord) -> None:
        self.count += 1
        old = self.records.get(r.key)
        if old is None or is_better(r, old):
            self.records[r.key] = r


def _flush(store: LedgerStore, batch: _Batch, summary: IngestSummary) -> _Batch:
    if batch.count or batch.problems or batch.checkpoints or batch.resets:
        res = store.commit_batch(
            batch.records.values(), batch.problems, batch.checkpoints.values(), batch.resets
        )
        summary.added += res.inserted
        summary.duplicates += res.duplicates + (batch.count - len(batch.records))
        summary.problems_new += res.problems
    return _Batch()


def _checkpoint(
    path: str, st: os.stat_result, offset: int, lines: int, size: int | None = None
) -> FileCheckpoint:
    """Checkpoint of ``path`` (the real path) at ``offset``, keyed by its storable path;
    ``size`` is the stat size unless the file is unfinished."""
    head, tail, _ = content_hashes(path, offset)
    return FileCheckpoint(
        storable(path), st.st_dev, st.st_ino, st.st_size if size is None else size,
        st.st_mtime_ns, offset, lines, head, tail,
    )  # fmt: skip


def ingest_claude_code(
    store: LedgerStore,
    roots: Sequence[Path] | None = None,
    *,
    progress: Progress | None = None,
    batch_records: int = 20_000,
    batch_bytes: int = 128 << 20,
    block_size: int = 4 << 20,
) -> IngestSummary:
    """Ingest every transcript under ``roots`` (default: :func:`claude_roots`) into ``store``.

    ``batch_records`` (usage lines) and ``batch_bytes`` (bytes read) bound one
    transaction. ``progress`` is called with bytes read so far and bytes to read.
    """
    t0 = time.perf_counter()
    roots = list(roots) if roots is not None else claude_roots()
    summary = IngestSummary(roots=[str(r) for r in roots])
    files = discover_claude_files(roots, with_agent_types=False)
    summary.files = len(files)
    known = store.checkpoints()
    todo: list[tuple[int, SourceFile, os.stat_result, ReadStart]] = []
    touched: list[FileCheckpoint] = []
    for sf in files:
        path = str(sf.path)
        try:
            st = os.stat(path)
        except OSError:
            continue
        cp = known.get(storable(path))
        start = plan_read(path, st, cp)
        if start is None:
            continue
        if start.offset >= st.st_size and cp is not None:
            touched.append(_checkpoint(path, st, cp.offset, cp.lines))  # mtime only
            continue
        todo.append((st.st_mtime_ns, with_agent_type(sf), st, start))
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

    def on_record(r: CCRecord) -> None:
        summary.records += 1
        batch.add_record(r)

    for _, sf, st, start in todo:
        path = str(sf.path)
        key = storable(path)
        summary.files_read += 1
        if start.reset:
            summary.reread += 1
            batch.resets.append(key)
        last = start.offset
        try:
            for block in iter_blocks(path, start, block_size=block_size):
                for ln in block.too_long:
                    on_problem(Problem(key, ln, None, "line_too_long", "line over the size cap"))
                if block.data:
                    parse_block(block.data, sf, block.first_line, on_record, on_problem)
                batch.bytes += block.end_offset - last
                done += block.end_offset - last
                last = block.end_offset
                # Mid-file: record the size as the offset, so a crash before the file's
                # end never looks "unchanged" to the next run.
                batch.checkpoints[key] = _checkpoint(
                    path, st, block.end_offset, block.end_lines, size=block.end_offset
                )
                if progress is not None:
                    progress(done, total)
                if batch.count >= batch_records or batch.bytes >= batch_bytes:
                    batch = _flush(store, batch, summary)
        except OSError as exc:
            on_problem(Problem(key, 0, None, "unreadable", f"cannot read file: {exc}"))
            continue
        done_cp = batch.checkpoints.get(key)
        if done_cp is not None and done_cp.offset == last:
            batch.checkpoints[key] = _checkpoint(path, st, last, done_cp.lines)
        elif last == start.offset:
            batch.checkpoints[key] = _checkpoint(path, st, start.offset, start.lines)
        else:  # the file's last batch was already committed mid-loop
            cps = store.checkpoints().get(key)
            if cps is not None and cps.offset == last:
                batch.checkpoints[key] = _checkpoint(path, st, last, cps.lines)
    batch = _flush(store, batch, summary)
    summary.bytes = done
    summary.problems = problems_seen
    summary.seconds = time.perf_counter() - t0
    return summary
