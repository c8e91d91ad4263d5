"""The SQLite ledger: one file, WAL, exact money, rollups kept by triggers.

* Location: an explicit path, else ``$TOKENTRAIL_LEDGER``, else
  ``platformdirs.user_data_dir("tokentrail")/ledger.sqlite3`` (:func:`resolve_ledger_path`).
  The directory is created ``0700`` and the database file (with its ``-wal`` / ``-shm``)
  is kept at mode ``0600``: it holds usage metadata only, never prompt text.
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
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from tokentrail.errors import LedgerError, LedgerLockedError
from tokentrail.ingest.reader import FileCheckpoint
from tokentrail.ingest.records import (
    SOURCE_CLAUDE_CODE,
    SYNTHETIC_MODEL,
    CCRecord,
    Problem,
    is_better,
    merge_requestless,
    to_usage_record,
)
from tokentrail.ledger.aggregate import aggregate_rollups
from tokentrail.ledger.costing import Coster
from tokentrail.ledger.protocol import (
    AggregateQuery,
    AggregateRow,
    BatchResult,
    RecordFilter,
    RepriceResult,
)
from tokentrail.ledger.runs import RunRow, RunSummary, load_runs, save_runs, summarize_runs
from tokentrail.ledger.schema import DIMS_INSERTED, MIGRATIONS, ROLLUP_INSERTED
from tokentrail.ledger.timeline import (
    UsagePoint,
    distinct_values,
    last_gap_end,
    latest_point,
    unpriced_models,
    usage_points,
)

if TYPE_CHECKING:
    from tokentrail.types import UsageRecord

__all__ = ["ENV_LEDGER", "SQLiteLedger", "default_ledger_path", "resolve_ledger_path"]

#: Environment variable naming the ledger file.
ENV_LEDGER = "TOKENTRAIL_LEDGER"

_COLS = (
    "source, dedup_key, message_id, request_id, ts_ms, model, session_id, project, agent_id, "
    "agent_type, git_branch, client_version, is_sidechain, stop_reason, is_final, synthetic, "
    "input_tokens, cache_creation_tokens, cache_5m_tokens, cache_1h_tokens, ttl_known, "
    "cache_read_tokens, output_tokens, total_tokens, web_search_requests, web_fetch_requests, "
    "usage_json, cost_pico, price_flags, file, line, tags, run_id"
)
_NCOLS = _COLS.count(",") + 1
_RANK_NEW = (
    "(excluded.is_final, excluded.output_tokens, excluded.total_tokens, -excluded.is_sidechain)"
)
_RANK_OLD = "(records.is_final, records.output_tokens, records.total_tokens, -records.is_sidechain)"
_UPSERT = (
    f"INSERT INTO records ({_COLS}) VALUES ({', '.join('?' * _NCOLS)}) "
    f"ON CONFLICT (dedup_key) DO UPDATE SET "
    + ", ".join(f"{c.strip()} = excluded.{c.strip()}" for c in _COLS.split(",")[2:])
    + f" WHERE {_RANK_NEW} > {_RANK_OLD} OR ({_RANK_NEW} = {_RANK_OLD} AND "
    "(excluded.ts_ms, excluded.session_id, excluded.file, -excluded.line)"
    " < (records.ts_ms, records.session_id, records.file, -records.line))"
)
_CHUNK = 500


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


def _row(r: CCRecord, cost: int | None, flags: str | None) -> tuple[object, ...]:
    return (
        r.source,
        r.key,
        r.message_id,
        r.request_id,
        r.ts_ms,
        r.model,
        r.session_id or "",
        r.project or "",
        r.agent_id,
        r.agent_type,
        r.git_branch,
        r.client_version,
        int(r.is_sidechain),
        r.stop_reason,
        int(r.stop_reason is not None if r.final is None else r.final),
        int(r.model == SYNTHETIC_MODEL),
        r.input_tokens,
        r.cache_creation_tokens,
        r.cache_5m_tokens,
        r.cache_1h_tokens,
        int(r.ttl_known),
        r.cache_read_tokens,
        r.output_tokens,
        r.total_tokens,
        r.web_search_requests,
        r.web_fetch_requests,
        r.usage_json.decode("utf-8"),
        cost,
        flags,
        r.file,
        r.line,
        r.tags_json,
        r.run_id,
    )


def _record_from_row(row: sqlite3.Row) -> CCRecord:
    raw = row["usage_json"].encode("utf-8")
    from tokentrail.ingest.claude_code import decode_usage  # reads only: keep startup light

    u = decode_usage(raw)
    return CCRecord(
        key=row["dedup_key"],
        message_id=row["message_id"],
        request_id=row["request_id"],
        ts_ms=row["ts_ms"],
        model=row["model"],
        session_id=row["session_id"] or None,
        project=row["project"] or None,
        agent_id=row["agent_id"],
        agent_type=row["agent_type"],
        git_branch=row["git_branch"],
        client_version=row["client_version"],
        is_sidechain=bool(row["is_sidechain"]),
        stop_reason=row["stop_reason"],
        input_tokens=row["input_tokens"],
        cache_creation_tokens=row["cache_creation_tokens"],
        cache_5m_tokens=row["cache_5m_tokens"],
        cache_1h_tokens=row["cache_1h_tokens"],
        ttl_known=bool(row["ttl_known"]),
        cache_read_tokens=row["cache_read_tokens"],
        output_tokens=row["output_tokens"],
        web_search_requests=row["web_search_requests"],
        web_fetch_requests=row["web_fetch_requests"],
        speed=u.speed,
        service_tier=u.service_tier,
        inference_geo=u.inference_geo,
        has_iterations=u.has_iterations,
        usage_json=raw,
        file=row["file"] or "",
        line=row["line"] or 0,
        source=row["source"],
        tags_json=row["tags"],
        run_id=row["run_id"],
    )


def _cp_row(c: FileCheckpoint) -> tuple[object, ...]:
    return (c.path, c.dev, c.ino, c.size, c.mtime_ns, c.offset, c.lines, c.head_hash, c.tail_hash)


_Priced = tuple[CCRecord, int | None, str | None]


def _in_chunks(db: sqlite3.Connection, sql: str, args: Sequence[object]) -> Iterator[sqlite3.Row]:
    """Rows of ``sql`` (holding one ``{}`` for a ``?`` list) over ``args`` in chunks."""
    for i in range(0, len(args), _CHUNK):
        chunk = args[i : i + _CHUNK]
        yield from db.execute(sql.format(", ".join("?" * len(chunk))), chunk)


def _merge_stored(db: sqlite3.Connection, priced: list[_Priced]) -> tuple[list[_Priced], int]:
    """Merge incoming Claude Code records with *stored* copies of the same response under
    the other key form (with / without ``requestId``), as :func:`merge_requestless` does
    within a batch. Returns the records to upsert and how many stored rows were re-keyed
    (deleted here; their better copy is inserted under the request-id key)."""
    lone = [
        i
        for i, (r, _, _) in enumerate(priced)
        if r.request_id is None and r.message_id is not None and r.source == SOURCE_CLAUDE_CODE
    ]
    out = list(priced)
    if lone:  # incoming copy without request id, a stored copy with one: take its key
        mids = list({priced[i][0].message_id for i in lone})
        keys: dict[tuple[str, bool], tuple[str, str]] = {}
        for row in _in_chunks(
            db,
            "SELECT message_id, is_sidechain, min(dedup_key), request_id FROM records "
            "WHERE source = 'claude_code' AND request_id IS NOT NULL AND message_id IN ({}) "
            "GROUP BY message_id, is_sidechain",
            mids,
        ):
            keys[(row[0], bool(row[1]))] = (row[2], row[3])
        for i in lone:
            r, c, f = priced[i]
            hit = keys.get((r.message_id or "", r.is_sidechain))
            if hit is not None:
                out[i] = (msgspec.structs.replace(r, key=hit[0], request_id=hit[1]), c, f)
    merged = 0
    if db.execute(
        "SELECT 1 FROM records WHERE request_id IS NULL AND message_id IS NOT NULL LIMIT 1"
    ).fetchone():  # stored copies without request id (usually none)
        withrid: dict[tuple[str, bool], int] = {}
        for i, (r, _, _) in enumerate(out):
            if r.request_id is not None and r.message_id and r.source == SOURCE_CLAUDE_CODE:
                k = (r.message_id, r.is_sidechain)
                j = withrid.get(k)
                if j is None or r.key < out[j][0].key:
                    withrid[k] = i
        mids = list({k[0] for k in withrid})
        for row in _in_chunks(
            db,
            f"SELECT id, cost_pico, price_flags, {_COLS} FROM records WHERE request_id IS NULL"
            " AND message_id IS NOT NULL AND source = 'claude_code' AND message_id IN ({})",
            mids,
        ):
            j = withrid.get((row["message_id"], bool(row["is_sidechain"])))
            if j is None:
                continue
            new = out[j][0]
            old = msgspec.structs.replace(
                _record_from_row(row), key=new.key, request_id=new.request_id
            )
            if is_better(old, new):
                out[j] = (old, row["cost_pico"], row["price_flags"])
            db.execute("DELETE FROM records WHERE id = ?", (row["id"],))
            merged += 1
    return out, merged


def _split_sql(script: str) -> list[str]:
    out: list[str] = []
    buf = ""
    for piece in script.split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \n;"):
                out.append(buf.strip())
            buf = ""
    return out


def _drop_replays(
    db: sqlite3.Connection, priced: list[tuple[CCRecord, int | None, str | None]]
) -> None:
    """Delete stored sidechain copies (``/btw`` replays) of incoming main-transcript
    records: a sidechain row whose message id an incoming main record has under another
    dedup key. Looked up in chunks (one indexed ``IN`` query per chunk, not a statement
    per record)."""
    main_keys: dict[str, set[str]] = {}
    for r, _, _ in priced:
        if not r.is_sidechain and r.message_id:
            main_keys.setdefault(r.message_id, set()).add(r.key)
    ids = list(main_keys)
    stale: list[tuple[str]] = []
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        q = (
            "SELECT dedup_key, message_id FROM records WHERE is_sidechain = 1 AND "
            f"message_id IN ({', '.join('?' * len(chunk))})"
        )
        for key, mid in db.execute(q, chunk):
            if main_keys[mid] - {key}:
                stale.append((key,))
    if stale:
        db.executemany("DELETE FROM records WHERE dedup_key = ?", stale)


_INSERT = f"INSERT INTO records ({_COLS}) VALUES ({', '.join('?' * _NCOLS)})"


def _upsert(db: sqlite3.Connection, priced: list[_Priced], *, empty: bool) -> None:
    """Store ``priced`` (one record per dedup key): a plain ``INSERT`` for keys not stored
    yet (found with the unique index, in chunks), the ranked ``UPSERT`` for the others; the
    upsert's conflict path costs about as much again per row as the insert itself."""
    keys = [r.key for r, _, _ in priced]
    if len(set(keys)) != len(keys):  # never expected: let the ranked upsert sort it out
        db.executemany(_UPSERT, [_row(r, c, f) for r, c, f in priced])
        return
    if empty:
        stored: set[str] = set()
    else:
        stored = {
            row[0]
            for row in _in_chunks(db, "SELECT dedup_key FROM records WHERE dedup_key IN ({})", keys)
        }
    db.executemany(_INSERT, [_row(r, c, f) for r, c, f in priced if r.key not in stored])
    if stored:
        db.executemany(_UPSERT, [_row(r, c, f) for r, c, f in priced if r.key in stored])


#: Secondary indexes of ``records`` that a large insert rebuilds instead of updating.
_BULK_INDEXES = ("records_message_id", "records_ts_ms")


@contextlib.contextmanager
def _bulk_indexes(db: sqlite3.Connection, incoming: int, stored: int) -> Iterator[None]:
    """When a batch is large next to the table (a first ingest), drop the secondary
    indexes on random keys, insert, and build them again by sorting: much cheaper than
    updating them row by row. Same transaction, same index definitions (read back from
    ``sqlite_master``), so readers and the schema never see a difference."""
    if incoming < 2000 or incoming * 2 < stored:
        yield
        return
    marks = ", ".join("?" * len(_BULK_INDEXES))
    defs = db.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN ({marks})",
        _BULK_INDEXES,
    ).fetchall()
    for name, _ in defs:
        db.execute(f"DROP INDEX {name}")
    yield
    for _, sql in defs:
        db.execute(sql)


class SQLiteLedger:
    """The default :class:`~tokentrail.ledger.protocol.LedgerStore`.

    ``path`` is the database file (created with mode 0600); ``timeout`` the busy timeout
    in seconds; ``coster`` prices new records (default: the packaged catalog, loaded on
    first use). Migrations run on open. Use as a context manager or call :meth:`close`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float = 60.0,
        coster: Coster | None = None,
    ) -> None:
        self.path = Path(path)
        self._coster = coster
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            os.close(fd)
            os.chmod(self.path, 0o600)
            self._db = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise LedgerError(f"cannot open ledger {self.path}: {exc}") from exc
        self._db.row_factory = sqlite3.Row
        try:
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            for suffix in ("-wal", "-shm"):
                with contextlib.suppress(OSError):
                    os.chmod(str(self.path) + suffix, 0o600)
            self.migrate()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise LedgerError(f"cannot use ledger {self.path}: {exc}") from exc

    # -- plumbing -----------------------------------------------------------------------

    def __enter__(self) -> SQLiteLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._db.close()

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
        except BaseException:
            db.execute("ROLLBACK")
            raise
        try:
            db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            raise LedgerLockedError(f"ledger {self.path}: commit failed: {exc}") from exc

    def _pending(self) -> bool:
        """Whether a migration is pending, read without the write lock (WAL lets this read
        run while another process holds it, e.g. an ingest)."""
        try:
            done = {r[0] for r in self._db.execute("SELECT name FROM _migrations")}
        except sqlite3.OperationalError:  # no such table yet
            return True
        return any(name not in done for name, _ in MIGRATIONS)

    def migrate(self) -> list[str]:
        """Apply pending named migrations, each with its record, in one transaction.

        The write lock is taken only when a migration is pending, so opening a current
        ledger (e.g. for a report) never waits for a running ingest."""
        applied: list[str] = []
        if not self._pending():
            return applied
        with self._tx() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS _migrations "
                "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            done = {r[0] for r in db.execute("SELECT name FROM _migrations")}
            for name, script in MIGRATIONS:
                if name in done:
                    continue
                for stmt in _split_sql(script):
                    db.execute(stmt)
                db.execute(
                    "INSERT INTO _migrations (name, applied_at) VALUES "
                    "(?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                    (name,),
                )
                applied.append(name)
        return applied

    def applied_migrations(self) -> list[str]:
        """Names of applied migrations, in application order."""
        return [r[0] for r in self._db.execute("SELECT name FROM _migrations ORDER BY rowid")]

    # -- writing ------------------------------------------------------------------------

    def add(self, records: Iterable[CCRecord]) -> tuple[int, int]:
        """Store ``records`` in one transaction; ``(inserted, duplicates)``."""
        res = self.commit_batch(records, (), ())
        return res.inserted, res.duplicates

    def commit_batch(
        self,
        records: Iterable[CCRecord],
        problems: Iterable[Problem],
        checkpoints: Iterable[FileCheckpoint],
        reset_files: Iterable[str] = (),
    ) -> BatchResult:
        """Records + problems + checkpoints atomically (see the protocol)."""
        incoming = 0
        best: dict[str, CCRecord] = {}
        for r in records:
            incoming += 1
            old = best.get(r.key)
            if old is None or is_better(r, old):
                best[r.key] = r
        merge_requestless(best)
        cands = list(best.values())
        main_ids = {r.message_id: r.key for r in cands if not r.is_sidechain and r.message_id}
        cands = [
            r
            for r in cands
            if not (r.is_sidechain and main_ids.get(r.message_id or "", r.key) != r.key)
        ]
        todo = [r for r in cands if r.priced is None]
        if todo:
            coster = self._coster
            if coster is None:
                coster = self._coster = Coster()
            for r, cost in zip(todo, coster.cost_many(todo), strict=True):
                r.priced = cost
        priced = [(r, *r.priced) for r in cands if r.priced is not None]
        now = int(time.time() * 1000)
        probs = list(problems)
        cps = list(checkpoints)
        with self._tx() as db:
            for path in reset_files:
                db.execute("DELETE FROM problems WHERE file = ?", (path,))
            priced, merged = _merge_stored(db, priced)
            side_ids = [r.message_id for r, _, _ in priced if r.is_sidechain and r.message_id]
            replayed: set[str] = set()
            for i in range(0, len(side_ids), _CHUNK):
                chunk = side_ids[i : i + _CHUNK]
                q = (
                    "SELECT DISTINCT message_id FROM records WHERE is_sidechain = 0 AND "
                    f"message_id IN ({', '.join('?' * len(chunk))})"
                )
                replayed.update(row[0] for row in db.execute(q, chunk))
            if replayed:
                priced = [
                    p for p in priced if not (p[0].is_sidechain and p[0].message_id in replayed)
                ]
            _drop_replays(db, priced)
            top = db.execute("SELECT coalesce(max(id), 0) FROM records").fetchone()[0]
            with _bulk_indexes(db, len(priced), top):
                _upsert(db, priced, empty=top == 0)
            inserted = db.execute("SELECT count(*) FROM records WHERE id > ?", (top,)).fetchone()[0]
            if inserted:
                db.execute(ROLLUP_INSERTED, (top,))
                db.execute(DIMS_INSERTED, (top,))
            inserted -= merged  # re-keyed stored records are not new ones
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
                [(*_cp_row(c), now) for c in cps],
            )
        return BatchResult(inserted, incoming - inserted, new_problems)

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
            rows = db.execute(f"SELECT id, cost_pico, price_flags, {_COLS} FROM records").fetchall()
            updates: list[tuple[object, ...]] = []
            for row in rows:
                cost, flags = coster.cost(_record_from_row(row))
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
        return {
            r[0]: FileCheckpoint(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8])
            for r in self._db.execute(
                "SELECT path, dev, ino, size, mtime_ns, byte_offset, lines, head_hash, "
                "tail_hash FROM checkpoints"
            )
        }

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
        sql = f"SELECT {_COLS} FROM records"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY ts_ms, id"
        if flt.limit is not None:
            sql += f" LIMIT {int(flt.limit)}"
        for row in self._db.execute(sql, args):
            yield _record_from_row(row)

    def records(self, flt: RecordFilter | None = None) -> Iterator[UsageRecord]:
        """Stored records as public :class:`~tokentrail.types.UsageRecord` (loose usage)."""
        for r in self.record_rows(flt):
            yield to_usage_record(r)

    def aggregate(self, query: AggregateQuery) -> list[AggregateRow]:
        """Totals by day / month / session / project / model from the rollup table."""
        return aggregate_rollups(self._db, query)

    def usage_points(
        self,
        since_ms: int | None = None,
        until_ms: int | None = None,
        *,
        models: Sequence[str] = (),
        project: str | None = None,
    ) -> list[UsagePoint]:
        """Non-synthetic requests in ``[since_ms, until_ms)`` (UTC ms), oldest first."""
        return usage_points(self._db, since_ms, until_ms, models=models, project=project)

    def latest_point(self, *, main_thread: bool = False) -> UsagePoint | None:
        """The most recent request (main thread only when asked), or None."""
        return latest_point(self._db, main_thread=main_thread)

    def last_gap_end(self, before_ms: int, gap_ms: int) -> int | None:
        """First request after the last quiet gap ``>= gap_ms`` before ``before_ms``."""
        return last_gap_end(self._db, before_ms, gap_ms)

    def distinct(self, column: str) -> list[str]:
        """Distinct ``project`` or ``model`` values in the ledger, sorted."""
        return distinct_values(self._db, column)

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
