"""What the local SQLite ledger remembers about pushes to team ledgers (migration
``0012_push_checkpoint``), and the reads a push makes.

* ``push_checkpoint``: per target (the team ledger's URL without password, the machine
  and the user it pushes as): the largest ``records.id`` sent and the last
  ``push_changes.seq`` handled. It is written only after the team ledger accepted the
  batch, so a push killed at any point sends that batch again on the next run (the team
  ledger's inserts are idempotent).
* ``push_changes``: keys of records changed after they were stored (a better copy
  replaced them in place: same ``id``), deleted (merged into another key, a dropped
  replay) or inserted under an ``id`` a push already passed. Filled by triggers, read by
  the next push of every target.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager

from tokentrail.ledger.batch_write import COLS, in_chunks
from tokentrail.ledger.push_schema import PUSH_CHECKPOINT

__all__ = ["PUSH_CHECKPOINT", "PushSource"]


_RUN_COLS = "id, name, parent_id, started_ms, ended_ms, budget_pico, tags, status"
_PROBLEM_COLS = "file, line, field, kind, message, seen_ms"


class PushSource:
    """The reads and the checkpoint write of a push, over the ledger's connection ``db``
    (``tx``: the ledger's write transaction)."""

    def __init__(
        self, db: sqlite3.Connection, tx: Callable[[], AbstractContextManager[sqlite3.Connection]]
    ) -> None:
        self._db = db
        self._tx = tx

    def state(self, target: str) -> tuple[int, int]:
        """``(last_id, last_seq)`` pushed to ``target`` (``(0, 0)``: never)."""
        row = self._db.execute(
            "SELECT last_id, last_seq FROM push_checkpoint WHERE target = ?", (target,)
        ).fetchone()
        return (0, 0) if row is None else (int(row[0]), int(row[1]))

    def save(self, target: str, last_id: int, last_seq: int) -> None:
        """Record that ``target`` has every record up to ``last_id`` and change ``last_seq``."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO push_checkpoint (target, last_id, last_seq, updated_ms) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (target) DO UPDATE SET "
                "last_id = excluded.last_id, last_seq = excluded.last_seq, "
                "updated_ms = excluded.updated_ms",
                (target, last_id, last_seq, int(time.time() * 1000)),
            )

    def counts(self, last_id: int, last_seq: int, since_ms: int | None) -> tuple[int, int]:
        """``(records, changes)`` a push from this state would send."""
        where, args = self._where(last_id, since_ms)
        n = self._db.execute(f"SELECT count(*) FROM records{where}", args).fetchone()[0]
        c = self._db.execute(
            "SELECT count(*) FROM push_changes WHERE seq > ?", (last_seq,)
        ).fetchone()[0]
        return int(n), int(c)

    @staticmethod
    def _where(last_id: int, since_ms: int | None) -> tuple[str, list[object]]:
        if since_ms is None:
            return " WHERE id > ?", [last_id]
        return " WHERE id > ? AND ts_ms >= ?", [last_id, since_ms]

    def record_batches(
        self, last_id: int, since_ms: int | None, size: int
    ) -> Iterator[tuple[int, list[tuple[object, ...]]]]:
        """``(largest id, rows in batch_write.COLS order)`` batches after ``last_id``,
        by id (each batch read on its own: memory is one batch)."""
        while True:
            where, args = self._where(last_id, since_ms)
            rows = self._db.execute(
                f"SELECT id, {COLS} FROM records{where} ORDER BY id LIMIT {int(size)}", args
            ).fetchall()
            if not rows:
                return
            last_id = int(rows[-1][0])
            yield last_id, [tuple(r)[1:] for r in rows]

    def changes(self, last_seq: int, size: int) -> Iterator[tuple[int, list[str]]]:
        """``(largest seq, distinct keys)`` batches of changed keys after ``last_seq``."""
        while True:
            rows = self._db.execute(
                "SELECT seq, dedup_key FROM push_changes WHERE seq > ? ORDER BY seq LIMIT ?",
                (last_seq, size),
            ).fetchall()
            if not rows:
                return
            last_seq = int(rows[-1][0])
            yield last_seq, sorted({str(r[1]) for r in rows})

    def rows_for(self, keys: Sequence[str]) -> list[tuple[object, ...]]:
        """The stored rows (``batch_write.COLS`` order) of those ``keys`` that exist."""
        sql = f"SELECT {COLS} FROM records WHERE dedup_key IN ({{}})"
        return [tuple(r) for r in in_chunks(self._db, sql, list(keys))]

    def problem_rows(self) -> list[tuple[object, ...]]:
        """Every stored problem (``file, line, field, kind, message, seen_ms``)."""
        return [tuple(r) for r in self._db.execute(f"SELECT {_PROBLEM_COLS} FROM problems")]

    def run_rows(self) -> list[tuple[object, ...]]:
        """Every stored run (``id, name, parent_id, started_ms, ended_ms, budget_pico,
        tags, status``)."""
        return [tuple(r) for r in self._db.execute(f"SELECT {_RUN_COLS} FROM runs")]
