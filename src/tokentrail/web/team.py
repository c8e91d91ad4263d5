"""The dashboard on a ClickHouse team ledger (``tokentrail serve --ledger chdb://...``).

:class:`TeamSource` gives the pages the reads they take from a read-only SQLite ledger
(:class:`~tokentrail.ledger.readonly.ReadOnlyLedger`), answered by the team ledger through
the store protocol (:class:`~tokentrail.ledger.clickhouse.store.ClickHouseLedger`), scoped
to the view's ``user`` / ``machine`` filters. The store is opened once (migrations read
once); requests are served one at a time on it (a chDB engine belongs to one process and
its client is not shared between threads).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tokentrail.analysis.rows import RequestRow
    from tokentrail.ledger.clickhouse.store import ClickHouseLedger
    from tokentrail.ledger.lookup import StoredRecord
    from tokentrail.ledger.protocol import RecordFilter
    from tokentrail.ledger.runs import RunSummary
    from tokentrail.ledger.timeline import UsagePoint
    from tokentrail.ledger.totals import AggregateQuery, AggregateRow

__all__ = ["TeamLedger", "TeamSource"]


class TeamSource:
    """One page's reads of the team ledger (a context manager holding the ledger's lock)."""

    def __init__(self, store: ClickHouseLedger, lock: threading.Lock) -> None:
        self.store = store
        self._lock = lock

    def __enter__(self) -> TeamSource:
        self._lock.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()

    def snapshot(self) -> contextlib.AbstractContextManager[None]:
        """Every read deduplicates with ``FINAL``: nothing to hold."""
        return contextlib.nullcontext()

    def aggregate(self, query: AggregateQuery) -> list[AggregateRow]:
        return self.store.aggregate(query)

    def usage_points(
        self,
        since_ms: int | None = None,
        until_ms: int | None = None,
        *,
        models: Sequence[str] = (),
        project: str | None = None,
    ) -> list[UsagePoint]:
        return self.store.usage_points(since_ms, until_ms, models=models, project=project)

    def session_spans(
        self,
        since_ms: int | None = None,
        until_ms: int | None = None,
        *,
        models: Sequence[str] = (),
        project: str | None = None,
    ) -> dict[str, tuple[int, int]]:
        return self.store.session_spans(since_ms, until_ms, models=models, project=project)

    def quarter_costs(
        self,
        since_ms: int | None = None,
        until_ms: int | None = None,
        *,
        models: Sequence[str] = (),
        project: str | None = None,
    ) -> list[tuple[int, int]]:
        return self.store.quarter_costs(since_ms, until_ms, models=models, project=project)

    def distinct(self, column: str) -> list[str]:
        return self.store.distinct(column)

    def session_ids(self, prefix: str, limit: int = 6) -> list[str]:
        return self.store.session_ids(prefix, limit)

    def request_rows(self, flt: RecordFilter | None = None) -> Iterator[RequestRow]:
        return self.store.request_rows(flt)

    def last_session_id(self) -> str | None:
        return self.store.last_session_id()

    def run_summaries(self, name: str | None = None) -> list[RunSummary]:
        return self.store.run_summaries(name)

    def find_records(self, text: str) -> list[StoredRecord]:
        return self.store.find_records(text)

    def message_ids(
        self, session_id: str, since_ms: int, until_ms: int
    ) -> dict[tuple[int, str], str | None]:
        return self.store.message_ids(session_id, since_ms, until_ms)

    def dimension(self, column: str) -> list[tuple[str, int]]:
        return self.store.dimension(column)

    def scoped(
        self, *, machines: Sequence[str] = (), users: Sequence[str] = ()
    ) -> ClickHouseLedger:
        return self.store.scoped(machines=machines, users=users)

    def problems(self) -> list[tuple[str, int, str, str, str]]:
        """Every stored problem (file, line, field, kind, message), by file then line."""
        return [(p.file, p.line, p.field or "", p.kind, p.message) for p in self.store.problems()]


class TeamLedger:
    """The team ledger a dashboard serves: opened once, a :class:`TeamSource` per page."""

    def __init__(self, url: str) -> None:
        from tokentrail.ledger.clickhouse.store import ClickHouseLedger

        self.store = ClickHouseLedger(url)
        self.display = self.store.url.display
        self._lock = threading.Lock()

    def source(self, machine: str = "", user: str = "") -> TeamSource:
        """The reads of the records of ``machine`` / ``user`` (all when empty)."""
        store = self.store.scoped(
            machines=(machine,) if machine else (), users=(user,) if user else ()
        )
        return TeamSource(store, self._lock)

    def version(self) -> str:
        """Changes whenever records are written (the page's live update)."""
        from tokentrail.ledger.clickhouse.analysis import version

        with self._lock:
            return version(self.store)
