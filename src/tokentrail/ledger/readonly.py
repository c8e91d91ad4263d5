"""The ledger opened read-only with the standard library, for warm reports.

:func:`open_current` opens an existing ledger file read-only (never creating, migrating
or changing it) when it is at the current schema, and gives a :class:`ReadOnlyLedger`:
the :class:`~tokentrail.reports.build.ReportSource` reads of
:class:`~tokentrail.ledger.sqlite.SQLiteLedger` (the same functions and SQL:
:func:`~tokentrail.ledger.aggregate.aggregate_rollups` and :mod:`tokentrail.ledger.timeline`)
plus :meth:`ReadOnlyLedger.is_warm`, the ingest's own rule
(:func:`~tokentrail.ledger.ingest_plan.plan_ingest`) for "an ingest would change nothing".
Errors are :class:`sqlite3.Error` (a locked, corrupt or unreadable file) and
:class:`OSError`; callers that can fall back to the full ledger treat both as "not here".
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator, Sequence

from tokentrail.ingest.checkpoint import FileCheckpoint
from tokentrail.ingest.found import FoundFile, find_claude_files
from tokentrail.ledger.aggregate import aggregate_rollups
from tokentrail.ledger.ingest_plan import all_unchanged, load_checkpoints, load_stats, plan_ingest
from tokentrail.ledger.schema import migration_pending
from tokentrail.ledger.totals import AggregateQuery, AggregateRow
from tokentrail.ledger.uri import readonly_uri

TYPE_CHECKING = False  # typing's constant without importing typing (~10 ms a run)

if TYPE_CHECKING:
    from tokentrail.analysis.rows import RequestRow
    from tokentrail.ledger.lookup import StoredRecord
    from tokentrail.ledger.protocol import RecordFilter
    from tokentrail.ledger.runs import RunSummary
    from tokentrail.ledger.timeline import UsagePoint

__all__ = ["ReadOnlyLedger", "ReportReads", "open_current"]


class ReportReads:
    """The report reads of a ledger connection ``_db`` (the
    :class:`~tokentrail.reports.build.ReportSource` queries), shared by
    :class:`ReadOnlyLedger` and :class:`~tokentrail.ledger.sqlite.SQLiteLedger`."""

    _db: sqlite3.Connection

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
        from tokentrail.ledger.timeline import usage_points

        return usage_points(self._db, since_ms, until_ms, models=models, project=project)

    def session_spans(
        self,
        since_ms: int | None = None,
        until_ms: int | None = None,
        *,
        models: Sequence[str] = (),
        project: str | None = None,
    ) -> dict[str, tuple[int, int]]:
        """Each session's first and last record instant (UTC ms) in the range."""
        from tokentrail.ledger.spans import session_spans

        return session_spans(self._db, since_ms, until_ms, models=models, project=project)

    def session_ids(self, prefix: str, limit: int = 6) -> list[str]:
        """``[prefix]`` when a session has exactly that id, else up to ``limit`` distinct
        session ids starting with it."""
        db = self._db
        if db.execute("SELECT 1 FROM records WHERE session_id = ? LIMIT 1", (prefix,)).fetchone():
            return [prefix]
        return [
            str(r[0])
            for r in db.execute(
                "SELECT DISTINCT session_id FROM records WHERE substr(session_id, 1, ?) = ? "
                f"LIMIT {int(limit)}",
                (len(prefix), prefix),
            )
        ]

    def request_rows(self, flt: RecordFilter | None = None) -> Iterator[RequestRow]:
        """Non-synthetic records as analysis rows, oldest first
        (:func:`tokentrail.ledger.analysis_rows.sqlite_request_rows`)."""
        from tokentrail.ledger.analysis_rows import sqlite_request_rows

        return sqlite_request_rows(self._db, flt)

    def last_session_id(self) -> str | None:
        """The session of the most recent non-synthetic record, None for an empty ledger."""
        from tokentrail.ledger.analysis_rows import sqlite_last_session_id

        return sqlite_last_session_id(self._db)

    def quarter_costs(
        self,
        since_ms: int | None = None,
        until_ms: int | None = None,
        *,
        models: Sequence[str] = (),
        project: str | None = None,
    ) -> list[tuple[int, int]]:
        """(UTC quarter-hour, cost in picodollars) with usage in the range, from the
        rollups (:func:`tokentrail.ledger.heat.quarter_costs`)."""
        from tokentrail.ledger.heat import quarter_costs

        return quarter_costs(self._db, since_ms, until_ms, models=models, project=project)

    def distinct(self, column: str) -> list[str]:
        """Distinct ``project`` or ``model`` values in the ledger, sorted."""
        from tokentrail.ledger.timeline import distinct_values

        return distinct_values(self._db, column)


class ReadOnlyLedger(ReportReads):
    """Read-only report queries over one ``sqlite3`` connection (see the module doc)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> ReadOnlyLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._db.close()

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction around the reads inside: they all see the same state of
        the ledger, whatever another process commits meanwhile (WAL)."""
        self._db.execute("BEGIN")
        try:
            yield
        finally:
            self._db.execute("ROLLBACK")

    def checkpoints(self) -> dict[str, FileCheckpoint]:
        """Every file checkpoint, by storable path."""
        return load_checkpoints(self._db)

    def find_records(self, text: str) -> list[StoredRecord]:
        """Records by message or request id, or a prefix of one
        (:func:`tokentrail.ledger.lookup.find_records`)."""
        from tokentrail.ledger.lookup import find_records

        return find_records(self._db, text)

    def message_ids(
        self, session_id: str, since_ms: int, until_ms: int
    ) -> dict[tuple[int, str], str | None]:
        """``(ts_ms, model) -> message id`` of a session's records in the range
        (:func:`tokentrail.ledger.lookup.message_ids`)."""
        from tokentrail.ledger.lookup import message_ids

        return message_ids(self._db, session_id, since_ms, until_ms)

    def run_summaries(self, name: str | None = None) -> list[RunSummary]:
        """Tracked runs with their totals (as :meth:`SQLiteLedger.run_summaries
        <tokentrail.ledger.sqlite.SQLiteLedger.run_summaries>`)."""
        from tokentrail.ledger.runs import summarize_runs

        return summarize_runs(self._db, name)

    def problems(self) -> list[tuple[str, int, str, str, str]]:
        """Every stored problem (file, line, field, kind, message), by file then line (the
        rows of :meth:`~tokentrail.ledger.sqlite.SQLiteLedger.problems`)."""
        return [
            (str(r[0]), int(r[1]), str(r[2] or ""), str(r[3]), str(r[4]))
            for r in self._db.execute(
                "SELECT file, line, field, kind, message FROM problems ORDER BY file, line, kind"
            )
        ]

    def is_warm(
        self, roots: Sequence[str | os.PathLike[str]], found: list[FoundFile] | None = None
    ) -> bool:
        """True when ingesting the transcripts under ``roots`` would change nothing: every
        file found has a checkpoint it still matches (no file new, grown, touched,
        truncated or replaced). A file that disappeared does not matter (its records
        stay). ``found``, when given, receives the files listed. Most warm runs are settled
        by the cheap stat comparison of :func:`~tokentrail.ledger.ingest_plan.all_unchanged`;
        the full plan decides the rest."""
        files = find_claude_files(roots)
        if found is not None:
            found[:] = files
        if all_unchanged(files, load_stats(self._db)):
            return True
        return plan_ingest(files, self.checkpoints()).warm


def _writable_by_us(path: str) -> bool:
    """Whether :class:`~tokentrail.ledger.sqlite.SQLiteLedger` could open ``path`` as it
    does (read-write, then ``chmod 0600``): a regular file we may read and write and, on
    POSIX, own (or we are root)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return False
    if st.st_mode & 0o170000 != 0o100000 or not os.access(path, os.R_OK | os.W_OK):
        return False
    geteuid = getattr(os, "geteuid", None)
    return geteuid is None or geteuid() in (0, st.st_uid)


def open_current(path: str, timeout: float = 10.0) -> ReadOnlyLedger | None:  # float ok: s
    """``path`` opened read-only, or None when it is not a file, a migration is pending
    (the full ledger creates / migrates it), or the full ledger could not open it
    read-write (it says why). ``timeout``: seconds to wait for a lock."""
    if not _writable_by_us(path):
        return None
    db = sqlite3.connect(readonly_uri(path), uri=True, timeout=timeout)
    try:
        if migration_pending(db):
            db.close()
            return None
    except BaseException:
        db.close()
        raise
    return ReadOnlyLedger(db)
