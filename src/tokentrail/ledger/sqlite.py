"""The SQLite ledger: one file, WAL, exact money, rollups kept by triggers.

* Location: an explicit path, else ``$TOKENTRAIL_LEDGER``, else
  ``platformdirs.user_data_dir("tokentrail")/ledger.sqlite3`` (:func:`resolve_ledger_path`).
  The directory is created ``0700`` and a new database file (with its ``-wal`` /
  ``-shm``) at mode ``0600``: it holds usage metadata only, never prompt text. An existing
  file keeps its mode; one that is not a ledger this version can write is refused before
  any write (:mod:`tokentrail.ledger.opening`).
* Concurrency: WAL journal, a busy timeout (default 60 s), and ``BEGIN IMMEDIATE`` for
  every write batch, so two ingests at once serialise instead of failing; a lock held
  past the timeout raises :class:`~tokentrail.errors.LedgerLockedError`.
* Dedup: ``records.dedup_key`` is unique; an incoming copy replaces the stored one only
  when it is better by :func:`tokentrail.ingest.records.is_better` (the same rule in
  SQL below). A sidechain record whose ``message_id`` also belongs to a main-transcript
  record under another request id is a ``/btw`` replay and is dropped (or removed when
  the main copy arrives later). A Claude Code copy logged without ``requestId`` merges
  with a copy of the same ``message_id`` (and sidechain-ness) that has one, whichever
  arrives first, in one batch or across runs (``ingest.records.merge_requestless``).
  Rollups follow every insert (set-based, same transaction), replacement and delete
  (triggers), so they never double count.
* Records are never deleted because their log file disappeared.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from tokentrail.errors import LedgerError, LedgerLockedError
from tokentrail.ingest.reader import FileCheckpoint
from tokentrail.ingest.records import (
    SOURCE_CLAUDE_CODE,
    CCRecord,
    Problem,
    surviving_copies,
    to_usage_record,
)
from tokentrail.ledger.batch_write import (
    CHUNK,
    COLS,
    bulk_indexes,
    checkpoint_row,
    drop_replays,
    merge_stored,
    record_from_row,
    upsert_records,
)
from tokentrail.ledger.checkpointer import WalCheckpointer
from tokentrail.ledger.costing import Coster
from tokentrail.ledger.opening import check_ledger, prepare, run_migrations
from tokentrail.ledger.price_memo import MemoPricer, engine, fingerprint
from tokentrail.ledger.protocol import (
    BatchResult,
    RecordFilter,
    RepriceResult,
)
from tokentrail.ledger.readonly import ReportReads
from tokentrail.ledger.runs import RunRow, RunSummary, load_runs, save_runs, summarize_runs
from tokentrail.ledger.schema import (
    DIMS_INSERTED,
    FLAGS_INSERTED,
    ROLLUP_INSERTED,
    migration_pending,
)
from tokentrail.ledger.timeline import (
    UsagePoint,
    last_gap_end,
    latest_point,
    unpriced_models,
)

if TYPE_CHECKING:
    from tokentrail.ledger.push_state import PushSource
    from tokentrail.types import UsageRecord

__all__ = ["ENV_LEDGER", "SQLiteLedger", "default_ledger_path", "resolve_ledger_path"]

#: Environment variable naming the ledger file.
ENV_LEDGER = "TOKENTRAIL_LEDGER"


def default_ledger_path() -> Path:
    """``<platform user data dir>/tokentrail/ledger.sqlite3``."""
    import platformdirs

    return Path(platformdirs.user_data_dir("tokentrail")) / "ledger.sqlite3"


def resolve_ledger_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The ledger file: ``explicit`` if given, else ``$TOKENTRAIL_LEDGER``, else the default."""
    if explicit:
        return Path(os.path.expanduser(os.fspath(explicit)))
    env = os.environ.get(ENV_LEDGER)
    if env:
        return Path(os.path.expanduser(env))
    return default_ledger_path()


#: Pages of WAL after which a commit checkpoints it (about 160 MB; see ``__init__``).
WAL_AUTOCHECKPOINT = 40000


class SQLiteLedger(ReportReads):
    """The default :class:`~tokentrail.ledger.protocol.LedgerStore`.

    ``path`` is the database file (created with mode 0600); ``timeout`` the busy timeout
    in seconds; ``coster`` prices new records (default: the packaged catalog, loaded on
    first use). Migrations run on open. Use as a context manager or call :meth:`close`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float = 60.0,  # float ok: seconds
        coster: Coster | None = None,
    ) -> None:
        self.path = Path(path)
        self._coster = coster
        self._checkpointer: WalCheckpointer | None = None
        self._memo: tuple[str, MemoPricer] | None = None
        created = prepare(self.path)  # a new ledger appears whole; refuses a foreign file
        try:
            self._db = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise LedgerError(f"cannot open ledger {self.path}: {exc}") from exc
        self._db.row_factory = sqlite3.Row
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            check_ledger(self._db, self.path)  # before any write
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            # Big ingests. The records' unique-key and message-id indexes take inserts in
            # random order, so with SQLite's default 2 MB page cache nearly every insert
            # reads and rewrites pages the kernel has to copy in and out (a third of the
            # writer's time was spent in the kernel). A 32 MB cache (allocated only as pages
            # are used) keeps those indexes in memory up to ~100 MB of ledger, and a WAL
            # checkpointed every ~160 MB instead of every 4 MB writes most pages once, not
            # several times. Measured side by side on a 1 GB cold ingest: 13% less wall time,
            # 1.0 CPU-s less. ``journal_size_limit`` truncates the WAL file back to 64 MB
            # after a checkpoint, so it does not keep its peak size on disk.
            self._db.execute("PRAGMA cache_size = -32768")
            self._db.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT}")
            self._db.execute("PRAGMA journal_size_limit = 67108864")
            if created:  # the ledger's -wal / -shm files: private like the ledger
                for suffix in ("-wal", "-shm"):
                    with contextlib.suppress(OSError):
                        os.chmod(str(self.path) + suffix, 0o600)
            self.migrate()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise LedgerError(f"cannot use ledger {self.path}: {exc}") from exc
        except LedgerError:
            self._db.close()
            raise

    # -- plumbing -----------------------------------------------------------------------

    def __enter__(self) -> SQLiteLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._db.close()

    @contextlib.contextmanager
    def background_checkpoints(self) -> Iterator[None]:
        """While the block runs, commits leave checkpointing the WAL to a background thread
        (:class:`~tokentrail.ledger.checkpointer.WalCheckpointer`) instead of running it
        inline; used by big ingests. Start the block before any worker process is forked
        from this one: the thread starts with the first commit inside it."""
        ck = WalCheckpointer(str(self.path))
        self._db.execute("PRAGMA wal_autocheckpoint = 0")
        self._checkpointer = ck
        try:
            yield
        finally:
            self._checkpointer = None
            ck.close()
            self._db.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT}")

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise LedgerLockedError(f"ledger {self.path} is locked: {exc}") from exc
            raise LedgerError(f"ledger {self.path}: {exc}") from exc
        try:
            yield db
        except sqlite3.OperationalError as exc:  # e.g. a full disk while writing
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            if "full" in str(exc) or "I/O" in str(exc):
                raise LedgerError(f"ledger {self.path}: write failed: {exc}") from exc
            raise
        except BaseException:
            db.execute("ROLLBACK")
            raise
        try:
            db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            # Locked or busy: another process; anything else (a full disk, an I/O error) is not.
            busy = "locked" in str(exc) or "busy" in str(exc)
            error = LedgerLockedError if busy else LedgerError
            raise error(f"ledger {self.path}: commit failed: {exc}") from exc

    def migrate(self) -> list[str]:
        """Apply pending named migrations, each with its record, in one transaction.

        The write lock is taken only when a migration is pending, so opening a current
        ledger (e.g. for a report) never waits for a running ingest."""
        if not migration_pending(self._db):
            return []
        with self._tx() as db:
            return run_migrations(db)

    def applied_migrations(self) -> list[str]:
        """Names of applied migrations, in application order."""
        return [r[0] for r in self._db.execute("SELECT name FROM _migrations ORDER BY rowid")]

    # -- writing ------------------------------------------------------------------------

    def add(self, records: Iterable[CCRecord]) -> tuple[int, int]:
        """Store ``records`` in one transaction; ``(inserted, duplicates)``."""
        res = self.commit_batch(records, (), ())
        return res.inserted, res.duplicates

    def coster(self) -> Coster:
        """The :class:`~tokentrail.ledger.costing.Coster` that prices records committed
        here without a price: the one given to the constructor, else one with the packaged
        catalog (and the user override) that answers from the price memo stored here when
        it can (:mod:`tokentrail.ledger.price_memo`; what it learns is saved with the next
        batch)."""
        if self._coster is None:
            fp = fingerprint()
            if fp is None:
                self._coster = Coster()
            else:
                row = self._db.execute(
                    "SELECT data FROM price_memo WHERE fingerprint = ?", (fp,)
                ).fetchone()
                memo = MemoPricer(row[0] if row else None, engine)
                self._memo = (fp, memo)
                self._coster = Coster(pricer=memo)
        return self._coster

    def _save_memo(self, db: sqlite3.Connection) -> None:
        """Store what the price memo learned (inside the caller's transaction)."""
        if self._memo is None or not self._memo[1].dirty:
            return
        fp, memo = self._memo
        db.execute("DELETE FROM price_memo WHERE fingerprint != ?", (fp,))
        db.execute(
            "INSERT OR REPLACE INTO price_memo (fingerprint, data, updated_ms) VALUES (?, ?, ?)",
            (fp, memo.dumps(), int(time.time() * 1000)),
        )

    def commit_batch(
        self,
        records: Iterable[CCRecord],
        problems: Iterable[Problem],
        checkpoints: Iterable[FileCheckpoint],
        reset_files: Iterable[str] = (),
    ) -> BatchResult:
        """Records + problems + checkpoints atomically (see the protocol)."""
        incoming, cands = surviving_copies(records)
        todo = [r for r in cands if r.priced is None]
        if todo:
            for r, cost in zip(todo, self.coster().cost_many(todo), strict=True):
                r.priced = cost
        priced = [(r, *r.priced) for r in cands if r.priced is not None]
        now = int(time.time() * 1000)
        probs = list(problems)
        cps = list(checkpoints)
        with self._tx() as db:
            for path in reset_files:
                db.execute("DELETE FROM problems WHERE file = ?", (path,))
            priced, merged = merge_stored(db, priced)
            side_ids = [r.message_id for r, _, _ in priced if r.is_sidechain and r.message_id]
            replayed: set[str] = set()
            for i in range(0, len(side_ids), CHUNK):
                chunk = side_ids[i : i + CHUNK]
                q = (
                    "SELECT DISTINCT message_id FROM records WHERE is_sidechain = 0 AND "
                    f"message_id IN ({', '.join('?' * len(chunk))})"
                )
                replayed.update(row[0] for row in db.execute(q, chunk))
            if replayed:
                priced = [
                    p for p in priced if not (p[0].is_sidechain and p[0].message_id in replayed)
                ]
            dropped = drop_replays(db, priced)  # stored replays read before their main copy
            top = db.execute("SELECT coalesce(max(id), 0) FROM records").fetchone()[0]
            with bulk_indexes(db, len(priced), top):
                upsert_records(db, priced, empty=top == 0)
            inserted = db.execute("SELECT count(*) FROM records WHERE id > ?", (top,)).fetchone()[0]
            if inserted:
                db.execute(ROLLUP_INSERTED, (top,))
                db.execute(DIMS_INSERTED, (top,))
                db.execute(FLAGS_INSERTED, (top,))
            inserted -= merged + dropped  # re-keyed or dropped stored records are not new
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO problems (file, line, field, kind, message, seen_ms) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(p.file, p.line, p.field, p.kind, p.message, now) for p in probs],
            )
            new_problems = db.total_changes - before
            db.executemany(
                "INSERT INTO checkpoints (path, dev, ino, size, mtime_ns, byte_offset, lines, "
                "head_hash, tail_hash, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (path) DO UPDATE SET dev = excluded.dev, ino = excluded.ino, "
                "size = excluded.size, mtime_ns = excluded.mtime_ns, "
                "byte_offset = excluded.byte_offset, lines = excluded.lines, "
                "head_hash = excluded.head_hash, tail_hash = excluded.tail_hash, "
                "updated_ms = excluded.updated_ms",
                [(*checkpoint_row(c), now) for c in cps],
            )
            self._save_memo(db)
        if self._checkpointer is not None:
            self._checkpointer.poke()
        return BatchResult(inserted, incoming - inserted, new_problems)

    def push_source(self) -> PushSource:
        """What ``tokentrail push`` reads here and its checkpoint (see
        :mod:`tokentrail.ledger.push_state`)."""
        from tokentrail.ledger.push_state import PushSource

        return PushSource(self._db, self._tx)

    def save_runs(self, runs: Iterable[RunRow]) -> None:
        """Insert or replace tracked-run rows in one transaction."""
        rows = list(runs)
        if rows:
            with self._tx() as db:
                save_runs(db, rows)

    def runs(self, name: str | None = None) -> list[RunRow]:
        """Stored tracked runs (optionally only those named ``name``), oldest first."""
        return load_runs(self._db, name)

    def run_summaries(self, name: str | None = None) -> list[RunSummary]:
        """Runs with request count, cost and tokens (descendant runs included)."""
        return summarize_runs(self._db, name)

    def reprice(self) -> RepriceResult:
        """Recompute every cost with a fresh catalog; rollups follow via triggers."""
        coster = Coster()
        res = RepriceResult()
        with self._tx() as db:
            rows = db.execute(f"SELECT id, cost_pico, price_flags, {COLS} FROM records").fetchall()
            updates: list[tuple[object, ...]] = []
            for row in rows:
                cost, flags = coster.cost(record_from_row(row))
                res.records += 1
                if cost is None:
                    res.unpriced += 1
                if flags:
                    res.flags[flags] = res.flags.get(flags, 0) + 1
                if cost != row["cost_pico"] or flags != row["price_flags"]:
                    updates.append((cost, flags, row["id"]))
            db.executemany(
                "UPDATE records SET cost_pico = ?, price_flags = ? WHERE id = ?", updates
            )
            res.changed = len(updates)
        return res

    # -- reading ------------------------------------------------------------------------

    def checkpoints(self) -> dict[str, FileCheckpoint]:
        """Every file checkpoint, by absolute path."""
        from tokentrail.ledger.ingest_plan import load_checkpoints

        return load_checkpoints(self._db)

    def problems(self) -> list[Problem]:
        """Every stored problem, by file then line."""
        return [
            Problem(r[0], r[1], r[2], r[3], r[4])
            for r in self._db.execute(
                "SELECT file, line, field, kind, message FROM problems ORDER BY file, line, kind"
            )
        ]

    def record_rows(self, flt: RecordFilter | None = None) -> Iterator[CCRecord]:
        """Stored records in ingest form (:class:`CCRecord`), oldest first."""
        flt = flt or RecordFilter()
        where: list[str] = []
        args: list[object] = []
        if flt.since is not None:
            where.append("ts_ms >= ?")
            args.append(int(flt.since.timestamp() * 1000))
        if flt.until is not None:
            where.append("ts_ms < ?")
            args.append(int(flt.until.timestamp() * 1000))
        for col, val in (("session_id", flt.session_id), ("model", flt.model)):
            if val is not None:
                where.append(f"{col} = ?")
                args.append(val)
        if flt.project is not None:
            where.append("project = ?")
            args.append(flt.project)
        for col, val in (("source", flt.source), ("run_id", flt.run_id)):
            if val is not None:
                where.append(f"{col} = ?")
                args.append(val)
        if flt.source is not None and flt.source != SOURCE_CLAUDE_CODE:
            where.append("source != 'claude_code'")  # lets records_source_api serve it
        sql = f"SELECT {COLS} FROM records"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY ts_ms, id"
        if flt.limit is not None:
            sql += f" LIMIT {int(flt.limit)}"
        for row in self._db.execute(sql, args):
            yield record_from_row(row)

    def records(self, flt: RecordFilter | None = None) -> Iterator[UsageRecord]:
        """Stored records as public :class:`~tokentrail.types.UsageRecord` (loose usage)."""
        for r in self.record_rows(flt):
            yield to_usage_record(r)

    def latest_point(self, *, main_thread: bool = False) -> UsagePoint | None:
        """The most recent request (main thread only when asked), or None."""
        return latest_point(self._db, main_thread=main_thread)

    def last_gap_end(self, before_ms: int, gap_ms: int) -> int | None:
        """First request after the last quiet gap ``>= gap_ms`` before ``before_ms``."""
        return last_gap_end(self._db, before_ms, gap_ms)

    def flag_counts(self) -> dict[str, int]:
        """Flagged records (priced on an assumption) per flag code, sorted by code."""
        from tokentrail.ledger.flagged import flag_counts

        return flag_counts(self._db)

    def unpriced_models(self) -> list[tuple[str, int]]:
        """``(model, unpriced requests)`` for each model the catalog could not price."""
        return unpriced_models(self._db)

    def size_bytes(self) -> int:
        """Bytes on disk of the database file plus its WAL."""
        total = 0
        for suffix in ("", "-wal"):
            with contextlib.suppress(OSError):
                total += os.stat(str(self.path) + suffix).st_size
        return total

    def count_records(self) -> int:
        """Number of stored (deduplicated) records, ``<synthetic>`` included."""
        return int(self._db.execute("SELECT count(*) FROM records").fetchone()[0])
