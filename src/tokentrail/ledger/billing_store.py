"""Stored buckets of the billed side, and the small interface a ledger backend implements
to keep them (:class:`BillingStore`); :class:`SQLiteBillingStore` is the SQLite one.

Rows are replaced whole per pulled range: :meth:`BillingStore.replace_usage` (and the cost /
analytics twins) deletes every stored row of the range, then inserts the new ones, in one
transaction. So a re-pull never doubles anything, and a pull killed before its commit leaves
the previous rows as they were. The table layout is :mod:`tokentrail.ledger.billing_schema`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from tokentrail.errors import LedgerError

if TYPE_CHECKING:
    from tokentrail.ledger.sqlite import SQLiteLedger

__all__ = [
    "AnalyticsBucket",
    "BillingStore",
    "CostBucket",
    "SQLiteBillingStore",
    "UsageBucket",
    "billing_store_for",
    "group_key",
]

#: The grouped dimensions of a usage-report row, in storage order.
USAGE_DIMS = (
    "model",
    "api_key_id",
    "workspace_id",
    "service_tier",
    "context_window",
    "inference_geo",
    "speed",
)
#: The dimensions of a cost-report row, in storage order.
COST_DIMS = (
    "workspace_id",
    "description",
    "cost_type",
    "token_type",
    "model",
    "service_tier",
    "context_window",
    "currency",
)


def group_key(dims: dict[str, str | None]) -> str:
    """Canonical JSON of a group's dimensions (sorted keys, nulls kept)."""
    return json.dumps(dims, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class UsageBucket:
    """One usage-report row: a bucket (``[start_ms, end_ms)`` UTC, width ``1d`` / ``1h``)
    x group, with its token counts (``None`` dimension: not grouped on, or null in the API)."""

    width: str
    start_ms: int
    end_ms: int
    model: str | None = None
    api_key_id: str | None = None
    workspace_id: str | None = None
    service_tier: str | None = None
    context_window: str | None = None
    inference_geo: str | None = None
    speed: str | None = None
    uncached_input_tokens: int = 0
    cache_5m_tokens: int = 0
    cache_1h_tokens: int = 0
    cache_read_tokens: int = 0
    output_tokens: int = 0
    web_search_requests: int = 0

    def dims(self) -> dict[str, str | None]:
        return {d: getattr(self, d) for d in USAGE_DIMS}


@dataclass(frozen=True, slots=True)
class CostBucket:
    """One cost-report row: a daily bucket x group; ``amount_cents`` is the API's decimal
    string in cents (``"123.45"`` = 1.2345 USD), kept as given."""

    start_ms: int
    end_ms: int
    amount_cents: str
    workspace_id: str | None = None
    description: str | None = None
    cost_type: str | None = None
    token_type: str | None = None
    model: str | None = None
    service_tier: str | None = None
    context_window: str | None = None
    currency: str | None = None

    def dims(self) -> dict[str, str | None]:
        return {d: getattr(self, d) for d in COST_DIMS}


@dataclass(frozen=True, slots=True)
class AnalyticsBucket:
    """One Analytics API item (``kind`` ``usage`` or ``cost``): its group and its ``usage``
    or ``cost`` object as canonical JSON (money stays the API's strings)."""

    kind: str
    width: str
    start_ms: int
    end_ms: int
    grp: str
    data: str


class BillingStore(Protocol):
    """Where pulled buckets live (SQLite here; the team ledger's is
    :class:`~tokentrail.ledger.clickhouse.billing.ClickHouseBillingStore`)."""

    def replace_usage(
        self, width: str, since_ms: int, until_ms: int, rows: Iterable[UsageBucket]
    ) -> int:
        """Replace every usage row of ``width`` with a bucket in ``[since_ms, until_ms)``."""
        ...

    def replace_cost(self, since_ms: int, until_ms: int, rows: Iterable[CostBucket]) -> int:
        """Replace every cost row with a bucket in ``[since_ms, until_ms)``."""
        ...

    def replace_analytics(
        self, kind: str, width: str, since_ms: int, until_ms: int, rows: Iterable[AnalyticsBucket]
    ) -> int:
        """Replace every analytics row of ``kind`` and ``width`` in the range."""
        ...

    def usage(self, since_ms: int, until_ms: int, width: str = "1d") -> list[UsageBucket]:
        """Stored usage rows of ``width`` with a bucket in the range, oldest first."""
        ...

    def cost(self, since_ms: int, until_ms: int) -> list[CostBucket]:
        """Stored cost rows with a bucket in the range, oldest first."""
        ...

    def span(self) -> tuple[int, int] | None:
        """First bucket start and last bucket end stored (daily usage and cost), or None."""
        ...


def billing_store_for(ledger: object) -> BillingStore:
    """The :class:`BillingStore` of an open ledger: SQLite's, or the ClickHouse team
    ledger's (:mod:`tokentrail.ledger.clickhouse.billing`). Raises
    :class:`~tokentrail.errors.LedgerError` for a backend without one."""
    from tokentrail.ledger.sqlite import SQLiteLedger

    if isinstance(ledger, SQLiteLedger):
        return SQLiteBillingStore(ledger)
    from tokentrail.ledger.clickhouse.store import ClickHouseLedger

    if isinstance(ledger, ClickHouseLedger):
        from tokentrail.ledger.clickhouse.billing import ClickHouseBillingStore

        return ClickHouseBillingStore(ledger)
    raise LedgerError(f"{type(ledger).__name__} does not store billing buckets yet")


def _merge_dups(rows: Iterable[tuple[str, list[object]]]) -> dict[str, list[object]]:
    """The rows by key; a key seen twice (an API page repeating a group) keeps the last."""
    out: dict[str, list[object]] = {}
    for key, values in rows:
        out[key] = values
    return out


class SQLiteBillingStore:
    """:class:`BillingStore` on an open :class:`~tokentrail.ledger.sqlite.SQLiteLedger`."""

    def __init__(self, ledger: SQLiteLedger) -> None:
        self._ledger = ledger

    def _replace(
        self,
        table: str,
        where: str,
        args: tuple[object, ...],
        cols: tuple[str, ...],
        rows: dict[str, list[object]],
        pull: tuple[str, str, int, int],
    ) -> int:
        marks = ", ".join("?" for _ in cols)
        with self._ledger._tx() as db:
            db.execute(f"DELETE FROM {table} WHERE {where}", args)
            db.executemany(
                f"INSERT OR REPLACE INTO {table} ({', '.join(cols)}) VALUES ({marks})",
                list(rows.values()),
            )
            db.execute(
                "INSERT INTO billing_pulls (report, width, since_ms, until_ms, pulled_ms, rows) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (*pull, int(time.time() * 1000), len(rows)),
            )
        return len(rows)

    def replace_usage(
        self, width: str, since_ms: int, until_ms: int, rows: Iterable[UsageBucket]
    ) -> int:
        cols = (
            "width", "bucket_ms", "end_ms", "grp", *USAGE_DIMS, "uncached_input_tokens",
            "cache_5m_tokens", "cache_1h_tokens", "cache_read_tokens", "output_tokens",
            "web_search_requests",
        )  # fmt: skip
        keyed = _merge_dups(
            (
                f"{r.start_ms}|{group_key(r.dims())}",
                [
                    r.width,
                    r.start_ms,
                    r.end_ms,
                    group_key(r.dims()),
                    *r.dims().values(),
                    r.uncached_input_tokens,
                    r.cache_5m_tokens,
                    r.cache_1h_tokens,
                    r.cache_read_tokens,
                    r.output_tokens,
                    r.web_search_requests,
                ],
            )
            for r in rows
        )
        return self._replace(
            "billing_usage",
            "width = ? AND bucket_ms >= ? AND bucket_ms < ?",
            (width, since_ms, until_ms),
            cols,
            keyed,
            ("usage_report", width, since_ms, until_ms),
        )

    def replace_cost(self, since_ms: int, until_ms: int, rows: Iterable[CostBucket]) -> int:
        cols = ("bucket_ms", "end_ms", "grp", *COST_DIMS, "amount_cents")
        keyed = _merge_dups(
            (
                f"{r.start_ms}|{group_key(r.dims())}",
                [r.start_ms, r.end_ms, group_key(r.dims()), *r.dims().values(), r.amount_cents],
            )
            for r in rows
        )
        return self._replace(
            "billing_cost",
            "bucket_ms >= ? AND bucket_ms < ?",
            (since_ms, until_ms),
            cols,
            keyed,
            ("cost_report", "1d", since_ms, until_ms),
        )

    def replace_analytics(
        self, kind: str, width: str, since_ms: int, until_ms: int, rows: Iterable[AnalyticsBucket]
    ) -> int:
        cols = ("kind", "width", "bucket_ms", "end_ms", "grp", "data")
        keyed = _merge_dups(
            (f"{r.start_ms}|{r.grp}", [r.kind, r.width, r.start_ms, r.end_ms, r.grp, r.data])
            for r in rows
            if r.kind == kind and r.width == width
        )
        return self._replace(
            "billing_analytics",
            "kind = ? AND width = ? AND bucket_ms >= ? AND bucket_ms < ?",
            (kind, width, since_ms, until_ms),
            cols,
            keyed,
            (f"analytics_{kind}", width, since_ms, until_ms),
        )

    def usage(self, since_ms: int, until_ms: int, width: str = "1d") -> list[UsageBucket]:
        cur = self._ledger._db.execute(
            f"SELECT bucket_ms, end_ms, {', '.join(USAGE_DIMS)}, uncached_input_tokens, "
            "cache_5m_tokens, cache_1h_tokens, cache_read_tokens, output_tokens, "
            "web_search_requests FROM billing_usage WHERE width = ? AND bucket_ms >= ? "
            "AND bucket_ms < ? ORDER BY bucket_ms, grp",
            (width, since_ms, until_ms),
        )
        return [UsageBucket(width, *tuple(r)) for r in cur]

    def cost(self, since_ms: int, until_ms: int) -> list[CostBucket]:
        cur = self._ledger._db.execute(
            f"SELECT bucket_ms, end_ms, amount_cents, {', '.join(COST_DIMS)} FROM billing_cost "
            "WHERE bucket_ms >= ? AND bucket_ms < ? ORDER BY bucket_ms, grp",
            (since_ms, until_ms),
        )
        return [CostBucket(*tuple(r)) for r in cur]

    def analytics(self, kind: str, since_ms: int, until_ms: int) -> list[AnalyticsBucket]:
        """Stored Analytics API rows of ``kind`` in the range, oldest first."""
        cur = self._ledger._db.execute(
            "SELECT kind, width, bucket_ms, end_ms, grp, data FROM billing_analytics "
            "WHERE kind = ? AND bucket_ms >= ? AND bucket_ms < ? ORDER BY bucket_ms, grp",
            (kind, since_ms, until_ms),
        )
        return [AnalyticsBucket(*tuple(r)) for r in cur]

    def span(self) -> tuple[int, int] | None:
        """First bucket start and last bucket end of the stored daily usage / cost rows, or
        None when nothing was pulled."""
        row = self._ledger._db.execute(
            "SELECT min(lo), max(hi) FROM (SELECT min(bucket_ms) AS lo, max(end_ms) AS hi "
            "FROM billing_usage WHERE width = '1d' UNION ALL SELECT min(bucket_ms), "
            "max(end_ms) FROM billing_cost)"
        ).fetchone()
        if row is None or row[0] is None:
            return None
        return int(row[0]), int(row[1])
