"""The narrow interface every ledger backend implements, and its value types.

Backends: SQLite (:class:`tokentrail.ledger.sqlite.SQLiteLedger`, the default); a
ClickHouse backend can implement the same protocol later. Token counts are ints; money is
:class:`~decimal.Decimal` USD (stored exactly, see ``tokentrail.ledger.schema``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Literal, Protocol

from tokentrail.ingest.reader import FileCheckpoint
from tokentrail.ingest.records import CCRecord, Problem

if TYPE_CHECKING:
    from tokentrail.types import UsageRecord

__all__ = [
    "AggregateQuery",
    "AggregateRow",
    "BatchResult",
    "LedgerStore",
    "RecordFilter",
    "Totals",
]

GroupBy = Literal["day", "month", "session", "project", "model", "agent", "branch"]


@dataclass(frozen=True, slots=True)
class Totals:
    """Sums over a set of deduplicated records.

    ``requests`` counts billable requests (``<synthetic>`` lines are counted apart in
    ``synthetic``); ``incomplete`` counts requests whose best record never got a
    ``stop_reason`` (output may be under-reported by the log); ``unpriced`` counts
    requests with no price (unknown model or no pricing available): ``cost`` excludes them,
    it is never a silent zero. ``cache_creation_tokens`` is the flat total of cache writes;
    ``cache_5m_tokens`` + ``cache_1h_tokens`` its known TTL split.
    """

    requests: int = 0
    synthetic: int = 0
    incomplete: int = 0
    unpriced: int = 0
    input_tokens: int = 0
    cache_creation_tokens: int = 0
    cache_5m_tokens: int = 0
    cache_1h_tokens: int = 0
    cache_read_tokens: int = 0
    output_tokens: int = 0
    web_search_requests: int = 0
    web_fetch_requests: int = 0
    cost: Decimal = Decimal(0)

    def __add__(self, other: Totals) -> Totals:
        return Totals(*(getattr(self, f) + getattr(other, f) for f in self.__dataclass_fields__))

    @property
    def total_tokens(self) -> int:
        """Input + cache writes + cache reads + output tokens."""
        return (
            self.input_tokens
            + self.cache_creation_tokens
            + self.cache_read_tokens
            + self.output_tokens
        )


@dataclass(frozen=True, slots=True)
class AggregateRow:
    """One group of an aggregate: ``key`` (ISO date ``YYYY-MM-DD``, month ``YYYY-MM``,
    session id, project, model, agent type or git branch), its totals, totals per model,
    and for sessions the project and the first / last local day with activity."""

    key: str
    totals: Totals
    models: Mapping[str, Totals]
    project: str | None = None
    first_day: str | None = None
    last_day: str | None = None


@dataclass(frozen=True, slots=True)
class AggregateQuery:
    """What to aggregate: ``group_by``; ``tz`` for day/month boundaries (``None`` = the
    process's local time, honouring ``TZ``); optional inclusive local-date bounds and
    exact-match filters."""

    group_by: GroupBy = "day"
    tz: tzinfo | None = None
    since: date | None = None
    until: date | None = None
    models: Sequence[str] = ()
    project: str | None = None
    session_id: str | None = None


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
