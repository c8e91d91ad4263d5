"""The billed side on the ClickHouse team ledger: :class:`ClickHouseBillingStore`, the
:class:`~tokentrail.ledger.billing_store.BillingStore` of a
:class:`~tokentrail.ledger.clickhouse.store.ClickHouseLedger` (migration ``0002_billing``).

The tables and their columns mean what the SQLite ones of
:mod:`tokentrail.ledger.billing_schema` mean (one row per bucket x group, ``grp`` the
group's canonical JSON), plus ``gen``, the *pull generation* that wrote the row.

**Replaced whole, without transactions.** ClickHouse cannot delete a range and insert its
replacement atomically, so a replacement is written as a new generation and then committed:

1. ``gen`` = a number larger than every generation committed so far (and than the clock, in
   nanoseconds), so the latest pull wins even across machines with skewed clocks;
2. the pulled rows are inserted with that ``gen`` (invisible so far);
3. one row ``(report, width, since_ms, until_ms, gen)`` is inserted into
   ``billing_pulls``: a single-row insert, the commit;
4. best effort, rows of older generations in the range are deleted (they can never be
   read again; a ledger user without the DELETE right just keeps them).

A read takes, for each bucket, the *latest committed generation whose range covers it* and
only that generation's rows. So a re-pull replaces its days whole (a group absent from the
new pull disappears), a pull killed before its commit (or whose insert was cut half-way)
is never seen, and nothing is ever counted twice: two generations are never mixed in one
bucket. Data tables are ``ReplacingMergeTree`` ordered by (bucket, group, ``gen``): a
retried insert of one generation collapses, and a merge never folds one generation into
another (an uncommitted generation must not replace a committed row).

**Money.** The cost report's ``amount`` (a decimal string in cents) is kept as
``Decimal128(20)``: exact for any amount below 10^18 cents with at most 20 decimal places
(a value that would not fit exactly is refused, never rounded); read back as the shortest
decimal string of the same value.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from contextlib import suppress
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from tokentrail.errors import LedgerError
from tokentrail.ledger.billing_store import (
    COST_DIMS,
    USAGE_DIMS,
    AnalyticsBucket,
    CostBucket,
    UsageBucket,
    group_key,
)

if TYPE_CHECKING:
    from tokentrail.ledger.clickhouse.store import ClickHouseLedger

__all__ = ["BILLING_STATEMENTS", "ClickHouseBillingStore"]

#: Decimal places of ``billing_cost.amount_cents``.
AMOUNT_SCALE = 20
_QUANTUM = Decimal(1).scaleb(-AMOUNT_SCALE)
_TOKENS = (
    "uncached_input_tokens", "cache_5m_tokens", "cache_1h_tokens", "cache_read_tokens",
    "output_tokens", "web_search_requests",
)  # fmt: skip

_USAGE = f"""
CREATE TABLE IF NOT EXISTS {{db}}.billing_usage (
    width LowCardinality(String),
    bucket_ms Int64,
    end_ms Int64,
    grp String,
    {", ".join(f"{d} Nullable(String)" for d in USAGE_DIMS)},
    {", ".join(f"{t} Int64" for t in _TOKENS)},
    gen UInt64
) ENGINE = ReplacingMergeTree
ORDER BY (width, bucket_ms, grp, gen)
"""

_COST = f"""
CREATE TABLE IF NOT EXISTS {{db}}.billing_cost (
    bucket_ms Int64,
    end_ms Int64,
    grp String,
    {", ".join(f"{d} Nullable(String)" for d in COST_DIMS)},
    amount_cents Decimal128({AMOUNT_SCALE}),
    gen UInt64
) ENGINE = ReplacingMergeTree
ORDER BY (bucket_ms, grp, gen)
"""

_ANALYTICS = """
CREATE TABLE IF NOT EXISTS {db}.billing_analytics (
    kind LowCardinality(String),
    width LowCardinality(String),
    bucket_ms Int64,
    end_ms Int64,
    grp String,
    data String,
    gen UInt64
) ENGINE = ReplacingMergeTree
ORDER BY (kind, width, bucket_ms, grp, gen)
"""

_PULLS = """
CREATE TABLE IF NOT EXISTS {db}.billing_pulls (
    report LowCardinality(String),
    width LowCardinality(String),
    since_ms Int64,
    until_ms Int64,
    gen UInt64,
    pulled_ms Int64,
    rows Int64,
    machine LowCardinality(String),
    user LowCardinality(String)
) ENGINE = ReplacingMergeTree(pulled_ms)
ORDER BY (report, width, gen)
"""

#: The statements of migration ``0002_billing``.
BILLING_STATEMENTS = (_USAGE, _COST, _ANALYTICS, _PULLS)

_USAGE_COLS = ("width", "bucket_ms", "end_ms", "grp", *USAGE_DIMS, *_TOKENS, "gen")
_COST_COLS = ("bucket_ms", "end_ms", "grp", *COST_DIMS, "amount_cents", "gen")
_ANALYTICS_COLS = ("kind", "width", "bucket_ms", "end_ms", "grp", "data", "gen")

Pull = tuple[int, int, int]  # (gen, since_ms, until_ms)


def _amount(text: str) -> Decimal:
    """The API's cents string as an exact ``Decimal128(20)`` value (refused otherwise)."""
    try:
        value = Decimal(text)
        exact = value.quantize(_QUANTUM)
    except (InvalidOperation, ValueError):
        raise LedgerError(f"cost amount {text[:40]!r} does not fit the team ledger") from None
    if exact != value or abs(exact) >= Decimal(10) ** (38 - AMOUNT_SCALE):
        raise LedgerError(f"cost amount {text[:40]!r} does not fit the team ledger exactly")
    return exact


def _text(value: Decimal) -> str:
    """The shortest plain decimal string of ``value`` (``150.10000`` -> ``150.1``)."""
    out = format(value.normalize(), "f")
    return "0" if out in ("-0", "0") else out


def valid_gen(pulls: Sequence[Pull], bucket_ms: int) -> int | None:
    """The latest committed generation whose range covers ``bucket_ms`` (``pulls`` sorted
    by generation, latest first), or None."""
    for gen, lo, hi in pulls:
        if lo <= bucket_ms < hi:
            return gen
    return None


class ClickHouseBillingStore:
    """:class:`~tokentrail.ledger.billing_store.BillingStore` on a team ledger (see the
    module doc). Billing rows are the organization's: the ledger's machine / user scope
    does not apply to them."""

    _last_gen = 0

    def __init__(self, ledger: ClickHouseLedger) -> None:
        self._ledger = ledger

    # -- generations ----------------------------------------------------------------------

    def _new_gen(self) -> int:
        rows = self._ledger.query("SELECT max(gen) FROM {db}.billing_pulls")
        top = int(rows[0][0] or 0) if rows else 0
        gen = max(time.time_ns(), top + 1, ClickHouseBillingStore._last_gen + 1)
        ClickHouseBillingStore._last_gen = gen
        return gen

    def _pulls(self, report: str, width: str) -> list[Pull]:
        rows = self._ledger.query(
            "SELECT DISTINCT gen, since_ms, until_ms FROM {db}.billing_pulls "
            "WHERE report = {r:String} AND width = {w:String} ORDER BY gen DESC",
            {"r": report, "w": width},
        )
        return [(int(g), int(lo), int(hi)) for g, lo, hi in rows]

    def _replace(
        self,
        table: str,
        cols: Sequence[str],
        rows: dict[str, list[Any]],
        pull: tuple[str, str, int, int],
        where: str,
    ) -> int:
        led = self._ledger
        gen = self._new_gen()
        led.insert(table, [[*r, gen] for r in rows.values()], cols)
        report, width, lo, hi = pull
        led.insert(
            "billing_pulls",
            [(report, width, lo, hi, gen, int(time.time() * 1000), len(rows), led.machine,
              led.user)],
            ("report", "width", "since_ms", "until_ms", "gen", "pulled_ms", "rows", "machine",
             "user"),
        )  # fmt: skip
        with suppress(LedgerError):  # superseded for good: the committed gen covers them
            led.command(
                f"DELETE FROM {{db}}.{table} WHERE {where} AND bucket_ms >= {int(lo)} "
                f"AND bucket_ms < {int(hi)} AND gen < {gen}"
            )
        return len(rows)

    def _select(
        self,
        report: str,
        width: str,
        sql: str,
        params: dict[str, Any],
        bucket_at: int,
        key_at: int,
    ) -> list[Sequence[Any]]:
        """Rows of ``sql`` (its last column ``gen``) of each bucket's valid generation, one
        per (bucket, group), ordered as SQLite orders them (bucket, then group)."""
        pulls = self._pulls(report, width)
        if not pulls:
            return []
        rows = self._ledger.query(sql, {**params, "gens": [g for g, _, _ in pulls]})
        seen: dict[tuple[int, str], Sequence[Any]] = {}
        for r in rows:
            if int(r[-1]) == valid_gen(pulls, int(r[bucket_at])):
                seen[(int(r[bucket_at]), str(r[key_at]))] = r
        return [seen[k] for k in sorted(seen)]

    # -- BillingStore -----------------------------------------------------------------------

    def replace_usage(
        self, width: str, since_ms: int, until_ms: int, rows: Iterable[UsageBucket]
    ) -> int:
        keyed: dict[str, list[Any]] = {}
        for r in rows:
            grp = group_key(r.dims())
            keyed[f"{r.start_ms}|{grp}"] = [
                r.width, r.start_ms, r.end_ms, grp, *r.dims().values(),
                *(getattr(r, t) for t in _TOKENS),
            ]  # fmt: skip
        return self._replace(
            "billing_usage",
            _USAGE_COLS,
            keyed,
            ("usage_report", width, since_ms, until_ms),
            f"width = {_quote(width)}",
        )

    def replace_cost(self, since_ms: int, until_ms: int, rows: Iterable[CostBucket]) -> int:
        keyed: dict[str, list[Any]] = {}
        for r in rows:
            grp = group_key(r.dims())
            keyed[f"{r.start_ms}|{grp}"] = [
                r.start_ms, r.end_ms, grp, *r.dims().values(), _amount(r.amount_cents)
            ]  # fmt: skip
        return self._replace(
            "billing_cost",
            _COST_COLS,
            keyed,
            ("cost_report", "1d", since_ms, until_ms),
            "1",
        )

    def replace_analytics(
        self, kind: str, width: str, since_ms: int, until_ms: int, rows: Iterable[AnalyticsBucket]
    ) -> int:
        keyed = {
            f"{r.start_ms}|{r.grp}": [r.kind, r.width, r.start_ms, r.end_ms, r.grp, r.data]
            for r in rows
            if r.kind == kind and r.width == width
        }
        return self._replace(
            "billing_analytics",
            _ANALYTICS_COLS,
            keyed,
            (f"analytics_{kind}", width, since_ms, until_ms),
            f"kind = {_quote(kind)} AND width = {_quote(width)}",
        )

    def usage(self, since_ms: int, until_ms: int, width: str = "1d") -> list[UsageBucket]:
        rows = self._select(
            "usage_report",
            width,
            f"SELECT {', '.join(_USAGE_COLS)} FROM {{db}}.billing_usage WHERE width = "
            "{w:String} AND bucket_ms >= {lo:Int64} AND bucket_ms < {hi:Int64} "
            "AND gen IN {gens:Array(UInt64)}",
            {"w": width, "lo": since_ms, "hi": until_ms},
            1,
            3,
        )
        n = len(USAGE_DIMS)
        return [
            UsageBucket(
                str(r[0]), int(r[1]), int(r[2]), *r[4 : 4 + n], *(int(x) for x in r[4 + n : -1])
            )
            for r in rows
        ]

    def cost(self, since_ms: int, until_ms: int) -> list[CostBucket]:
        rows = self._select(
            "cost_report",
            "1d",
            f"SELECT {', '.join(_COST_COLS)} FROM {{db}}.billing_cost WHERE bucket_ms >= "
            "{lo:Int64} AND bucket_ms < {hi:Int64} AND gen IN {gens:Array(UInt64)}",
            {"lo": since_ms, "hi": until_ms},
            0,
            2,
        )
        return [CostBucket(int(r[0]), int(r[1]), _text(r[-2]), *r[3:-2]) for r in rows]

    def analytics(self, kind: str, since_ms: int, until_ms: int) -> list[AnalyticsBucket]:
        """Stored Analytics API rows of ``kind`` (daily) in the range, oldest first."""
        rows = self._select(
            f"analytics_{kind}",
            "1d",
            f"SELECT {', '.join(_ANALYTICS_COLS)} FROM {{db}}.billing_analytics WHERE kind = "
            "{k:String} AND width = '1d' AND bucket_ms >= {lo:Int64} AND bucket_ms < {hi:Int64}"
            " AND gen IN {gens:Array(UInt64)}",
            {"k": kind, "lo": since_ms, "hi": until_ms},
            2,
            4,
        )
        return [AnalyticsBucket(str(r[0]), str(r[1]), int(r[2]), int(r[3]), *r[4:6]) for r in rows]

    def span(self) -> tuple[int, int] | None:
        """First bucket start and last bucket end of the stored daily usage / cost rows
        (valid generations only), or None when nothing was pulled."""
        found: list[tuple[int, int]] = []
        for report, width, table in (
            ("usage_report", "1d", "billing_usage WHERE width = '1d'"),
            ("cost_report", "1d", "billing_cost"),
        ):
            pulls = self._pulls(report, width)
            if not pulls:
                continue
            rows = self._ledger.query(
                f"SELECT bucket_ms, max(end_ms), gen FROM {{db}}.{table} GROUP BY bucket_ms, gen"
            )
            found += [(int(b), int(e)) for b, e, g in rows if int(g) == valid_gen(pulls, int(b))]
        if not found:
            return None
        return min(b for b, _ in found), max(e for _, e in found)


def _quote(text: str) -> str:
    """A ClickHouse string literal (for the clean-up statement, values the code chose)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
