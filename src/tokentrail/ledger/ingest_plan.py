"""Which transcript files an incremental ingest must read: the one rule shared by
:func:`tokentrail.ledger.sync.ingest_claude_code` and the warm report fast path
(standard library only).

Each found file is stat'ed and compared with its checkpoint (keyed by its
:func:`~tokentrail.ingest.storable.storable` path) by
:func:`~tokentrail.ingest.checkpoint.plan_read`:

* unchanged (same device, inode, size and mtime in ns) → nothing to do;
* new, grown, truncated or replaced → a read (``reads``);
* same bytes up to the checkpoint and nothing after it, but a new mtime (touched, or
  rewritten with the same content) → only the checkpoint's stat is refreshed
  (``touched``);
* vanished since it was listed, or unreadable now → skipped this run (its records and
  checkpoint stay).

The ledger is *warm* for a set of files when both lists are empty: an ingest would change
nothing, so a report may be read from the ledger as it is.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping

from tokentrail.ingest.checkpoint import FileCheckpoint, plan_read
from tokentrail.ingest.found import FoundFile
from tokentrail.ingest.storable import storable

TYPE_CHECKING = False  # typing's constant without importing typing (~10 ms a run)

if TYPE_CHECKING:
    from tokentrail.ingest.reader import ReadStart

__all__ = [
    "IngestPlan",
    "ToRead",
    "Touched",
    "all_unchanged",
    "load_checkpoints",
    "load_stats",
    "plan_ingest",
]

_CHECKPOINTS_SQL = (
    "SELECT path, dev, ino, size, mtime_ns, byte_offset, lines, head_hash, tail_hash "
    "FROM checkpoints"
)


#: A file to read: as found, its stat, and where to start.
ToRead = tuple[FoundFile, os.stat_result, "ReadStart"]
#: A file whose content up to its checkpoint is unchanged with nothing after it, but whose
#: stat changed: the real path, the new stat and the old checkpoint.
Touched = tuple[str, os.stat_result, FileCheckpoint]


class IngestPlan:
    """``reads`` and ``touched`` files, each in discovery order."""

    __slots__ = ("reads", "touched")

    def __init__(self, reads: list[ToRead], touched: list[Touched]) -> None:
        self.reads = reads
        self.touched = touched

    @property
    def warm(self) -> bool:
        """True when an ingest would change nothing."""
        return not self.reads and not self.touched


def load_checkpoints(db: sqlite3.Connection) -> dict[str, FileCheckpoint]:
    """Every file checkpoint of the ledger ``db``, by storable path (plain tuples: a warm
    run loads every checkpoint)."""
    cur = db.cursor()
    cur.row_factory = None
    cur.execute(_CHECKPOINTS_SQL)
    return {r[0]: FileCheckpoint._make(r) for r in cur}


def load_stats(db: sqlite3.Connection) -> dict[str, tuple[int, int, int, int]]:
    """``(device, inode, size, mtime_ns)`` of every file checkpoint, by storable path: what
    :func:`all_unchanged` compares (a fraction of the cost of :func:`load_checkpoints`)."""
    cur = db.cursor()
    cur.row_factory = None
    cur.execute("SELECT path, dev, ino, size, mtime_ns FROM checkpoints")
    return {path: (dev, ino, size, mtime) for path, dev, ino, size, mtime in cur}


def _existing(files: Iterable[FoundFile]) -> Iterator[tuple[FoundFile, os.stat_result]]:
    """Each file with its stat; one that vanished since it was listed (or cannot be
    stat'ed now) is skipped this run."""
    stat = os.stat
    for found in files:
        try:
            st = stat(found.path)
        except OSError:
            continue
        yield found, st


def all_unchanged(
    files: Iterable[FoundFile], stats: Mapping[str, tuple[int, int, int, int]]
) -> bool:
    """True when every file of ``files`` that exists has a checkpoint with its exact stat
    (``stats`` from :func:`load_stats`): then :func:`plan_ingest` has nothing to do either.
    False says only "maybe not": :func:`plan_ingest` decides (a touched file with the same
    bytes, or one that cannot be read now, is not work either). Stops at the first
    difference; one ``stat`` per file, no checkpoint objects."""
    get = stats.get
    for found, st in _existing(files):
        path = found.path
        now = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        # A stored key is storable(path); only an undecodable name differs from it.
        if get(path) != now and get(storable(path)) != now:
            return False
    return True


def plan_ingest(files: Iterable[FoundFile], known: Mapping[str, FileCheckpoint]) -> IngestPlan:
    """What an ingest of ``files`` must do given the checkpoints ``known`` (module doc)."""
    reads: list[ToRead] = []
    touched: list[Touched] = []
    for found, st in _existing(files):
        path = found.path
        cp = known.get(storable(path))
        start = plan_read(path, st, cp)
        if start is None:
            continue
        if start.offset >= st.st_size and cp is not None:
            touched.append((path, st, cp))  # mtime only
            continue
        reads.append((found, st, start))
    return IngestPlan(reads, touched)
