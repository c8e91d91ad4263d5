"""The narrow interface every ledger backend implements, and its value types.

Backends: SQLite (:class:`tokentrail.ledger.sqlite.SQLiteLedger`, the default) and the
ClickHouse team ledger (:class:`tokentrail.ledger.clickhouse.store.ClickHouseLedger`).
:class:`AnalysisReads` are the reads of ``context``, ``cache``, ``whatif``, ``report run``
and the dashboard's session pages, which every backend (read-only SQLite too) gives.
Token counts are ints; money is :class:`~decimal.Decimal` USD (stored exactly, see
``tokentrail.ledger.schema``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from tokentrail.ledger.totals import AggregateQuery, AggregateRow, GroupBy, Totals

if TYPE_CHECKING:
    from tokentrail.analysis.rows import RequestRow
    from tokentrail.ingest.reader import FileCheckpoint
    from tokentrail.ingest.records import CCRecord, Problem
    from tokentrail.ledger.runs import RunSummary
    from tokentrail.types import UsageRecord

__all__ = [
    "AggregateQuery",
    "AggregateRow",
    "AnalysisReads",
    "BatchResult",
    "GroupBy",
    "LedgerStore",
    "RecordFilter",
    "Totals",
]


@dataclass(frozen=True, slots=True)
class RecordFilter:
    """Filter for :meth:`LedgerStore.records`: UTC instants ``[since, until)`` and
    exact-match attributes (``source``: ``claude_code`` / ``sdk`` / ``batch`` /
    ``response``; ``run_id``: the innermost tracked run); ``None`` means no constraint."""

    since: datetime | None = None
    until: datetime | None = None
    session_id: str | None = None
    model: str | None = None
    project: str | None = None
    limit: int | None = None
    source: str | None = None
    run_id: str | None = None


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Outcome of one committed batch: records newly inserted, copies that were
    duplicates of a known key (possibly replacing a worse copy), problems newly stored."""

    inserted: int = 0
    duplicates: int = 0
    problems: int = 0


@dataclass(slots=True)
class RepriceResult:
    """Outcome of :meth:`LedgerStore.reprice`: records examined, costs changed, unpriced."""

    records: int = 0
    changed: int = 0
    unpriced: int = 0
    flags: dict[str, int] = field(default_factory=dict)


class LedgerStore(Protocol):
    """A permanent, deduplicated store of usage records with incremental-ingest state."""

    def migrate(self) -> list[str]:
        """Apply pending migrations; return the names applied (empty when current)."""
        ...

    def add(self, records: Iterable[CCRecord]) -> tuple[int, int]:
        """Store records in one transaction; return ``(inserted, duplicates)``."""
        ...

    def commit_batch(
        self,
        records: Iterable[CCRecord],
        problems: Iterable[Problem],
        checkpoints: Iterable[FileCheckpoint],
        reset_files: Iterable[str] = (),
    ) -> BatchResult:
        """Records, problems and file checkpoints in one atomic transaction.

        Problems previously stored for ``reset_files`` (re-read from the start) are
        dropped first, in the same transaction.
        """
        ...

    def aggregate(self, query: AggregateQuery) -> list[AggregateRow]:
        """Groups ordered by key (ascending)."""
        ...

    def records(self, flt: RecordFilter | None = None) -> Iterator[UsageRecord]:
        """Stored records as public :class:`~tokentrail.types.UsageRecord`, oldest first."""
        ...

    def checkpoints(self) -> dict[str, FileCheckpoint]:
        """Every file checkpoint, by absolute path."""
        ...

    def problems(self) -> list[Problem]:
        """Every stored problem, ordered by file and line."""
        ...

    def reprice(self) -> RepriceResult:
        """Recompute every stored cost with the current price catalog."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


class AnalysisReads(Protocol):
    """Per-request and per-run reads for the analyses (every backend; a team ledger reads
    the machines / users in its scope). Orders are stable across backends: time, then the
    record's dedup key."""

    def request_rows(self, flt: RecordFilter | None = None) -> Iterator[RequestRow]:
        """Non-synthetic records matching ``flt`` (``since`` / ``until`` / ``session_id`` /
        ``model`` / ``project`` / ``limit``) as analysis rows, oldest first."""
        ...

    def last_session_id(self) -> str | None:
        """The session of the most recent non-synthetic record; None for an empty ledger."""
        ...

    def session_ids(self, prefix: str, limit: int = 6) -> list[str]:
        """``[prefix]`` when a session has exactly that id, else up to ``limit`` distinct
        session ids starting with it."""
        ...

    def run_summaries(self, name: str | None = None) -> list[RunSummary]:
        """Tracked runs (named ``name``) with their totals, descendants included, oldest
        first."""
        ...
