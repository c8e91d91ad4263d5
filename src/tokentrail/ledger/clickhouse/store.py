"""The ClickHouse team ledger: a :class:`~tokentrail.ledger.protocol.LedgerStore`.

Open it with :func:`open_store` (a ``clickhouse://``, ``clickhouses://`` or ``chdb://``
URL, see :mod:`~tokentrail.ledger.clickhouse.url`). Writes are plain inserts into
ReplacingMergeTrees (:mod:`~tokentrail.ledger.clickhouse.schema`): idempotent, so a batch
sent twice (a re-push, a push killed and re-run, two machines at once) changes nothing.
Reads deduplicate at query time (:mod:`~tokentrail.ledger.clickhouse.reads`). ``scope``
restricts every read to some machines / users (``--machine`` / ``--user``).

Direct writers (``tokentrail ingest --ledger clickhouse://...``, ``track(ledger=...)``)
go through :meth:`ClickHouseLedger.commit_batch`: copies within a batch are deduplicated
as SQLite does; across batches the version column keeps the better copy. Merging a
request-less copy into a stored copy under another key, which SQLite does across
batches, happens here only within a batch.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

from tokentrail.errors import LedgerError
from tokentrail.ingest.reader import FileCheckpoint
from tokentrail.ingest.records import CCRecord, Problem, surviving_copies
from tokentrail.ledger.batch_write import record_from_row, record_row
from tokentrail.ledger.clickhouse import analysis, reads
from tokentrail.ledger.clickhouse.connect import client_for, driver_error
from tokentrail.ledger.clickhouse.identity import default_machine, default_user
from tokentrail.ledger.clickhouse.schema import MIGRATIONS, RECORD_COLUMNS, WRITE_COLUMNS
from tokentrail.ledger.clickhouse.url import LedgerURL, parse_ledger_url
from tokentrail.ledger.costing import Coster
from tokentrail.ledger.protocol import BatchResult, RecordFilter, RepriceResult
from tokentrail.ledger.totals import AggregateQuery, AggregateRow

if TYPE_CHECKING:
    import sqlite3

    from tokentrail.analysis.rows import RequestRow
    from tokentrail.ledger.lookup import StoredRecord
    from tokentrail.ledger.runs import RunRow, RunSummary
    from tokentrail.ledger.timeline import UsagePoint
    from tokentrail.types import UsageRecord

__all__ = ["ClickHouseLedger", "open_store", "row_from_sqlite"]

_ROW_COLS = ", ".join(c for c in RECORD_COLUMNS)
_READ_COLS = [c for c in RECORD_COLUMNS if c not in ("version", "is_deleted", "written_ms")]


def row_from_sqlite(row: Sequence[Any], machine: str, user: str, now_ms: int) -> tuple[Any, ...]:
    """A ``records`` row (:data:`~tokentrail.ledger.clickhouse.schema.WRITE_COLUMNS`) for a
    SQLite record row in ``batch_write.COLS`` order (source first, then dedup key, ...),
    tagged with machine and user; the server computes its version."""
    r = list(row)
    r[29] = r[29] or ""  # file
    r[30] = r[30] or 0  # line
    return (r[1], r[0], *r[2:], machine, user, 0, now_ms)


class ClickHouseLedger:
    """A team ledger in ClickHouse (see the module doc). ``machine`` / ``user``: the
    identity written with new rows (default: host name, OS user); ``machines`` /
    ``users``: when given, reads see only those."""

    def __init__(
        self,
        url: str | LedgerURL,
        *,
        machine: str | None = None,
        user: str | None = None,
        machines: Sequence[str] = (),
        users: Sequence[str] = (),
        coster: Coster | None = None,
        migrate: bool = True,
    ) -> None:
        self.url = parse_ledger_url(url) if isinstance(url, str) else url
        self.db = self.url.database
        self.machine = machine or default_machine()
        self.user = user or default_user()
        self._coster = coster
        self._errors = driver_error()
        self.client = client_for(self.url)
        scope = reads.Scope()
        if machines:
            scope = scope.add("machine IN {s_machines:Array(String)}", s_machines=list(machines))
        if users:
            scope = scope.add("user IN {s_users:Array(String)}", s_users=list(users))
        self.scope = scope
        if migrate:
            self.migrate()

    # -- plumbing -----------------------------------------------------------------------

    def __enter__(self) -> ClickHouseLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to release: chDB clients live as long as the process, HTTP is pooled."""

    def _fail(self, exc: BaseException) -> LedgerError:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if self.url.password:
            msg = msg.replace(self.url.password, "***")
        return LedgerError(f"ledger {self.url.display}: {msg[:300]}")

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[Sequence[Any]]:
        """Rows of ``sql`` (``{db}`` replaced by the database); errors as LedgerError."""
        try:
            res = self.client.query(sql.replace("{db}", self.db), parameters=params or {})
        except self._errors as exc:
            raise self._fail(exc) from None
        return cast("list[Sequence[Any]]", res.result_rows)

    def command(self, sql: str) -> None:
        try:
            self.client.command(sql.replace("{db}", self.db))
        except self._errors as exc:
            raise self._fail(exc) from None

    def insert(self, table: str, rows: Sequence[Sequence[Any]], columns: Sequence[str]) -> None:
        """Insert ``rows`` into ``table`` (one request; idempotent tables only)."""
        if not rows:
            return
        data = [list(col) for col in zip(*rows, strict=True)]  # column-oriented: fewer
        try:  # per-row steps in the client
            self.client.insert(
                table, data, column_names=list(columns), database=self.db, column_oriented=True
            )
        except self._errors as exc:
            raise self._fail(exc) from None

    def migrate(self) -> list[str]:
        """Create the database and apply pending named migrations (idempotent DDL). A
        current ledger is only read (developers' accounts need no CREATE right)."""
        try:
            done = set(self.applied_migrations())
        except LedgerError:
            done = set()
        if all(name in done for name, _ in MIGRATIONS):
            return []
        if not self.query("SELECT 1 FROM system.databases WHERE name = {n:String}", {"n": self.db}):
            self.command(f"CREATE DATABASE IF NOT EXISTS {self.db}")
        self.command(
            "CREATE TABLE IF NOT EXISTS {db}._migrations (name String, applied_ms Int64) "
            "ENGINE = ReplacingMergeTree(applied_ms) ORDER BY name"
        )
        done = set(self.applied_migrations())
        applied = []
        for name, statements in MIGRATIONS:
            if name in done:
                continue
            for sql in statements:
                self.command(sql)
            self.insert("_migrations", [(name, int(time.time() * 1000))], ("name", "applied_ms"))
            applied.append(name)
        return applied

    def applied_migrations(self) -> list[str]:
        """Names of applied migrations, in order."""
        return [
            str(r[0])
            for r in self.query("SELECT DISTINCT name FROM {db}._migrations ORDER BY name")
        ]

    # -- writing ------------------------------------------------------------------------

    def coster(self) -> Coster:
        """The coster pricing records written without a price."""
        if self._coster is None:
            self._coster = Coster()
        return self._coster

    def insert_sqlite_rows(
        self, rows: Sequence[Sequence[Any]], machine: str | None = None, user: str | None = None
    ) -> int:
        """Insert SQLite record rows (``batch_write.COLS`` order, see :func:`row_from_sqlite`)."""
        now = int(time.time() * 1000)
        m, u = machine or self.machine, user or self.user
        out = [row_from_sqlite(r, m, u, now) for r in rows]
        self.insert("records", out, WRITE_COLUMNS)
        return len(out)

    def insert_tombstones(self, keys: Sequence[str], machine: str | None = None) -> None:
        """Mark ``keys`` deleted (merged into another key or dropped as a replay)."""
        from tokentrail.ledger.clickhouse.schema import TOMBSTONE

        now = int(time.time() * 1000)
        rows = [
            (k, "", 0, "", "", "", machine or self.machine, self.user, TOMBSTONE, 1, now)
            for k in keys
        ]
        cols = ("dedup_key", "source", "ts_ms", "model", "session_id", "usage_json",
                "machine", "user", "version", "is_deleted", "written_ms")  # fmt: skip
        self.insert("records", rows, cols)

    def add(self, records: Iterable[CCRecord]) -> tuple[int, int]:
        """Store ``records``; ``(inserted, duplicates)`` (copies within the batch)."""
        res = self.commit_batch(records, (), ())
        return res.inserted, res.duplicates

    def commit_batch(
        self,
        records: Iterable[CCRecord],
        problems: Iterable[Problem],
        checkpoints: Iterable[FileCheckpoint],
        reset_files: Iterable[str] = (),
    ) -> BatchResult:
        """Records, then problems, then checkpoints (each insert idempotent: a crash
        between them re-reads the files and inserts the same rows again)."""
        incoming, cands = surviving_copies(records)
        todo = [r for r in cands if r.priced is None]
        if todo:
            for r, cost in zip(todo, self.coster().cost_many(todo), strict=True):
                r.priced = cost
        rows = [record_row(r, *r.priced) for r in cands if r.priced is not None]
        self.insert_sqlite_rows(rows)
        now = int(time.time() * 1000)
        probs = [
            (self.machine, self.user, p.file, p.line, p.field, p.kind, p.message, now)
            for p in problems
        ]
        self.insert(
            "problems", probs,
            ("machine", "user", "file", "line", "field", "kind", "message", "seen_ms"),
        )  # fmt: skip
        cps = [(self.machine, *c, now) for c in checkpoints]
        self.insert(
            "checkpoints", cps,
            ("machine", "path", "dev", "ino", "size", "mtime_ns", "byte_offset", "lines",
             "head_hash", "tail_hash", "updated_ms"),
        )  # fmt: skip
        return BatchResult(len(rows), incoming - len(rows), len(probs))

    def save_runs(self, runs: Iterable[RunRow], machine: str | None = None) -> None:
        """Insert or replace tracked-run rows."""
        import msgspec

        from tokentrail.ledger.costing import PICO

        now = int(time.time() * 1000)
        rows = [
            (r.id, r.name, r.parent_id, r.started_ms, r.ended_ms,
             None if r.budget is None else int(r.budget * PICO),
             msgspec.json.encode(dict(sorted(r.tags.items()))).decode() if r.tags else None,
             r.status, machine or self.machine, self.user, now)
            for r in runs
        ]  # fmt: skip
        self.insert(
            "runs", rows,
            ("id", "name", "parent_id", "started_ms", "ended_ms", "budget_pico", "tags",
             "status", "machine", "user", "updated_ms"),
        )  # fmt: skip

    def save_run_rows(self, rows: Sequence[Sequence[Any]], machine: str, user: str) -> None:
        """Insert SQLite ``runs`` rows (id, name, parent_id, started_ms, ended_ms,
        budget_pico, tags, status) as pushed by ``machine`` / ``user``."""
        now = int(time.time() * 1000)
        self.insert(
            "runs", [(*r, machine, user, now) for r in rows],
            ("id", "name", "parent_id", "started_ms", "ended_ms", "budget_pico", "tags",
             "status", "machine", "user", "updated_ms"),
        )  # fmt: skip

    def insert_problem_rows(self, rows: Sequence[Sequence[Any]], machine: str, user: str) -> None:
        """Insert SQLite ``problems`` rows (file, line, field, kind, message, seen_ms)."""
        self.insert(
            "problems", [(machine, user, *r) for r in rows],
            ("machine", "user", "file", "line", "field", "kind", "message", "seen_ms"),
        )  # fmt: skip

    def reprice(self) -> RepriceResult:
        """Not done on a team ledger: reprice each machine's ledger and push again."""
        raise LedgerError(
            f"ledger {self.url.display}: reprice the local ledgers and push them again"
        )

    # -- reading ------------------------------------------------------------------------

    def aggregate(self, query: AggregateQuery) -> list[AggregateRow]:
        """Totals grouped as the SQLite ledger groups them (see :mod:`.reads`)."""
        try:
            return reads.aggregate(self.client, self.db, self.scope, query)
        except self._errors as exc:
            raise self._fail(exc) from None

    def usage_points(
        self,
        since_ms: int | None = None,
        until_ms: int | None = None,
        *,
        models: Sequence[str] = (),
        project: str | None = None,
    ) -> list[UsagePoint]:
        """Requests in ``[since_ms, until_ms)``, oldest first (``<synthetic>`` included)."""
        try:
            return reads.usage_points(
                self.client, self.db, self.scope, since_ms, until_ms, models, project
            )
        except self._errors as exc:
            raise self._fail(exc) from None

    def session_spans(
        self,
        since_ms: int | None = None,
        until_ms: int | None = None,
        *,
        models: Sequence[str] = (),
        project: str | None = None,
    ) -> dict[str, tuple[int, int]]:
        """Each session's first and last record instant (UTC ms) in the range."""
        try:
            return reads.session_spans(
                self.client, self.db, self.scope, since_ms, until_ms, models, project
            )
        except self._errors as exc:
            raise self._fail(exc) from None

    def distinct(self, column: str) -> list[str]:
        """Distinct ``project`` or ``model`` values, sorted."""
        return reads.distinct(self.client, self.db, self.scope, column)

    def session_ids(self, prefix: str, limit: int = 6) -> list[str]:
        """``[prefix]`` when a session has exactly that id, else up to ``limit`` distinct
        session ids starting with it."""
        where = self.scope.add("startsWith(session_id, {p:String})", p=prefix)
        sql = (
            f"SELECT DISTINCT session_id FROM {{db}}.records FINAL{where.where()} "
            f"ORDER BY session_id != {{p:String}}, session_id LIMIT {int(limit)}"
        )
        found = [str(r[0]) for r in self.query(sql, where.params)]
        return [prefix] if prefix in found else found

    def latest_point(self, *, main_thread: bool = False) -> UsagePoint | None:
        """The most recent request (main thread only when asked), or None."""
        scope = self.scope.add("is_sidechain = 0") if main_thread else self.scope
        pts = reads.usage_points(
            self.client, self.db, scope, None, None, (), None,
            with_synthetic=False, order="ts_ms DESC, dedup_key DESC", limit=1,
        )  # fmt: skip
        return pts[0] if pts else None

    def request_rows(self, flt: RecordFilter | None = None) -> Iterator[RequestRow]:
        """Non-synthetic records as analysis rows, oldest first (:mod:`.analysis`)."""
        return analysis.request_rows(self, flt)

    def last_session_id(self) -> str | None:
        """The session of the most recent non-synthetic record, None when empty."""
        return analysis.last_session_id(self)

    def run_summaries(self, name: str | None = None) -> list[RunSummary]:
        """Tracked runs with their totals, descendants included (:mod:`.analysis`)."""
        return analysis.run_summaries(self, name)

    def quarter_costs(
        self,
        since_ms: int | None = None,
        until_ms: int | None = None,
        *,
        models: Sequence[str] = (),
        project: str | None = None,
    ) -> list[tuple[int, int]]:
        """(UTC quarter-hour, cost in picodollars) with usage in the range."""
        return analysis.quarter_costs(self, since_ms, until_ms, models, project)

    def message_ids(
        self, session_id: str, since_ms: int, until_ms: int
    ) -> dict[tuple[int, str], str | None]:
        """``(ts_ms, model) -> message id`` of a session's records in the range."""
        return analysis.message_ids(self, session_id, since_ms, until_ms)

    def scoped(
        self, *, machines: Sequence[str] = (), users: Sequence[str] = ()
    ) -> ClickHouseLedger:
        """The same ledger, reads restricted further to ``machines`` / ``users``."""
        import copy

        out = copy.copy(self)
        scope = self.scope
        if machines:
            scope = scope.add("machine IN {t_machines:Array(String)}", t_machines=list(machines))
        if users:
            scope = scope.add("user IN {t_users:Array(String)}", t_users=list(users))
        out.scope = scope
        return out

    def dimension(self, column: str) -> list[tuple[str, int]]:
        """``(machine or user, records)`` for every value of ``column``, sorted."""
        if column not in ("machine", "user"):
            raise ValueError(f"not a team dimension: {column!r}")
        sql = (
            f"SELECT {column}, count() FROM {{db}}.records FINAL{self.scope.where()} "
            f"GROUP BY {column} ORDER BY {column}"
        )
        return [(str(r[0]), int(r[1])) for r in self.query(sql, self.scope.params)]

    def count_records(self) -> int:
        """Number of stored (deduplicated) records, ``<synthetic>`` included."""
        sql = f"SELECT count() FROM {{db}}.records FINAL{self.scope.where()}"
        return int(self.query(sql, self.scope.params)[0][0])

    def record_rows(self, flt: RecordFilter | None = None) -> Iterator[CCRecord]:
        """Stored records in ingest form, oldest first."""
        flt = flt or RecordFilter()
        s = self.scope
        if flt.since is not None:
            s = s.add("ts_ms >= {f_since:Int64}", f_since=int(flt.since.timestamp() * 1000))
        if flt.until is not None:
            s = s.add("ts_ms < {f_until:Int64}", f_until=int(flt.until.timestamp() * 1000))
        for col in ("session_id", "model", "project", "source", "run_id"):
            val = getattr(flt, col)
            if val is not None:
                s = s.add(f"{col} = {{f_{col}:String}}", **{f"f_{col}": val})
        sql = f"SELECT {', '.join(_READ_COLS)} FROM {{db}}.records FINAL{s.where()}"
        sql += " ORDER BY ts_ms, dedup_key"
        if flt.limit is not None:
            sql += f" LIMIT {int(flt.limit)}"
        for row in self.query(sql, s.params):
            d = dict(zip(_READ_COLS, row, strict=True))
            yield record_from_row(cast("sqlite3.Row", d))

    def records(self, flt: RecordFilter | None = None) -> Iterator[UsageRecord]:
        """Stored records as public :class:`~tokentrail.types.UsageRecord`."""
        from tokentrail.ingest.records import to_usage_record

        for r in self.record_rows(flt):
            yield to_usage_record(r)

    def find_records(self, text: str) -> list[StoredRecord]:
        """``explain``'s lookup (:func:`tokentrail.ledger.lookup.find_records`): records whose
        message or request id is ``text``, else starts with it; oldest first, at most
        ``LIMIT + 1`` (``row_id`` is 0: rows have no local id here)."""
        from tokentrail.ledger.lookup import LIMIT, StoredRecord

        if not text:
            return []
        cols = (
            "source, message_id, request_id, ts_ms, model, session_id, project, stop_reason, "
            "synthetic, usage_json, cost_pico, price_flags, file, line"
        )
        out: list[StoredRecord] = []
        for cond in (
            "(message_id = {t:String} OR request_id = {t:String})",
            "(startsWith(ifNull(message_id, ''), {t:String}) "
            "OR startsWith(ifNull(request_id, ''), {t:String}))",
        ):
            s = self.scope.add(cond, t=text)
            sql = (
                f"SELECT {cols} FROM {{db}}.records FINAL{s.where()} "
                f"ORDER BY ts_ms, dedup_key LIMIT {LIMIT + 1}"
            )
            for r in self.query(sql, s.params):
                out.append(StoredRecord(0, *r[:8], bool(r[8]), *r[9:]))
            if out:
                break
        return out

    def checkpoints(self) -> dict[str, FileCheckpoint]:
        """This machine's file checkpoints (direct ingest), by path."""
        rows = self.query(
            "SELECT path, dev, ino, size, mtime_ns, byte_offset, lines, head_hash, tail_hash "
            "FROM {db}.checkpoints FINAL WHERE machine = {m:String}",
            {"m": self.machine},
        )
        return {str(r[0]): FileCheckpoint._make(r) for r in rows}

    def problems(self) -> list[Problem]:
        """Every stored problem (of the machines / users in scope), by file then line."""
        rows = self.query(
            "SELECT file, line, field, kind, message FROM {db}.problems FINAL"
            f"{self.scope.where()} ORDER BY file, line, kind",
            self.scope.params,
        )
        return [Problem(str(r[0]), int(r[1]), r[2], str(r[3]), str(r[4])) for r in rows]


def open_store(url: str, **kw: Any) -> ClickHouseLedger:
    """Open (creating and migrating if needed) the ClickHouse ledger at ``url``."""
    return ClickHouseLedger(url, **kw)
