"""Stored tracked runs (:func:`tokentrail.track.run`) and their totals.

A run row is written when the run starts (status ``running``) and replaced when it ends
(``ok``, ``error`` or ``budget_exceeded``). Records carry the id of their *innermost* run;
a run's totals include its descendants' records (nested runs roll up into their parents).
Money is :class:`~decimal.Decimal` USD (stored as integer picodollars); times are
milliseconds since the Unix epoch, UTC.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import msgspec

from tokentrail.ledger.costing import PICO, pico_to_usd
from tokentrail.ledger.flagged import split_flags
from tokentrail.ledger.rollup_sql import COST_PARTS, pico_of, record_cost_sums
from tokentrail.ledger.schema import FLAGGED_WHERE
from tokentrail.ledger.totals import merge_flags

__all__ = [
    "RUN_COUNTS",
    "RUN_SUMS_SQL",
    "RunRow",
    "RunSummary",
    "load_runs",
    "save_runs",
    "summarize_runs",
    "total_runs",
]


@dataclass(frozen=True, slots=True)
class RunRow:
    """One run: ``id`` (unique), ``name``, ``parent_id`` (enclosing run), ``started_ms`` /
    ``ended_ms`` (``None`` while running), ``budget`` in USD (``None`` = no budget),
    ``tags`` and ``status``."""

    id: str
    name: str
    started_ms: int
    parent_id: str | None = None
    ended_ms: int | None = None
    budget: Decimal | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    status: str = "running"


@dataclass(frozen=True, slots=True)
class RunSummary:
    """A run with the totals of its records and its descendants': ``requests`` (completed
    requests), ``unpriced`` (requests without a price, excluded from ``cost``), ``cost`` (USD)
    and token totals; ``flagged`` counts the priced requests whose cost rests on an
    assumption and ``flags`` their sorted flag codes (see :mod:`tokentrail.ledger.flagged`)."""

    run: RunRow
    requests: int
    unpriced: int
    cost: Decimal
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_creation_tokens: int
    flagged: int = 0
    flags: tuple[str, ...] = ()


def save_runs(db: sqlite3.Connection, runs: Iterable[RunRow]) -> None:
    """Insert or replace run rows (inside the caller's transaction)."""
    db.executemany(
        "INSERT INTO runs (id, name, parent_id, started_ms, ended_ms, budget_pico, tags, status) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
        "parent_id = excluded.parent_id, started_ms = excluded.started_ms, "
        "ended_ms = excluded.ended_ms, budget_pico = excluded.budget_pico, "
        "tags = excluded.tags, status = excluded.status",
        [
            (
                r.id,
                r.name,
                r.parent_id,
                r.started_ms,
                r.ended_ms,
                None if r.budget is None else int(r.budget * PICO),
                msgspec.json.encode(dict(sorted(r.tags.items()))).decode() if r.tags else None,
                r.status,
            )
            for r in runs
        ],
    )


def load_runs(db: sqlite3.Connection, name: str | None = None) -> list[RunRow]:
    """Every stored run (or those named ``name``), oldest first."""
    sql = "SELECT id, name, parent_id, started_ms, ended_ms, budget_pico, tags, status FROM runs"
    args: tuple[object, ...] = ()
    if name is not None:
        sql += " WHERE name = ?"
        args = (name,)
    out = []
    for row in db.execute(sql + " ORDER BY started_ms, id", args):
        tags = msgspec.json.decode(row[6]) if row[6] else {}
        out.append(
            RunRow(
                id=row[0],
                name=row[1],
                parent_id=row[2],
                started_ms=row[3],
                ended_ms=row[4],
                budget=None if row[5] is None else pico_to_usd(row[5]),
                tags={str(k): str(v) for k, v in tags.items()},
                status=row[7],
            )
        )
    return out


#: SQL sums per run, in the order :func:`summarize_runs` reads them (``own`` values): the
#: counts (the cost as ``COST_PARTS`` sums; flagged requests last), then the distinct flag
#: sets of the flagged records (``price_flags`` values joined by commas, or NULL).
RUN_SUMS_SQL = (
    f"sum(1 - synthetic), sum(cost_pico IS NULL), {record_cost_sums()}, "
    "sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), sum(cache_creation_tokens), "
    f"sum({FLAGGED_WHERE}), group_concat(DISTINCT CASE WHEN {FLAGGED_WHERE} THEN price_flags END)"
)
#: How many of the :data:`RUN_SUMS_SQL` columns are counts (the cost's parts included).
RUN_COUNTS = 7 + COST_PARTS


def summarize_runs(
    db: sqlite3.Connection,
    name: str | None = None,
    own: Mapping[str, Sequence[object]] | None = None,
) -> list[RunSummary]:
    """Runs with their totals, descendants included (a parent's figures contain its
    children's); oldest first.

    ``own``: each run's own sums (the :data:`RUN_SUMS_SQL` columns over its records), when
    the caller counts only some records (e.g. ``tokentrail.Ledger.report("run", source=...)``);
    default: every record of the run."""
    every = load_runs(db)
    rows: Mapping[str, Sequence[object]] = (
        own
        if own is not None
        else {
            row[0]: row[1:]
            for row in db.execute(
                f"SELECT run_id, {RUN_SUMS_SQL} FROM records "
                "WHERE run_id IS NOT NULL GROUP BY run_id"
            )
        }
    )
    return total_runs(every, rows, name)


def total_runs(
    every: Sequence[RunRow], rows: Mapping[str, Sequence[object]], name: str | None = None
) -> list[RunSummary]:
    """:func:`summarize_runs` from the runs ``every`` (oldest first) and each run's own
    :data:`RUN_SUMS_SQL` values (``rows``, by run id): any backend's."""
    sums = {k: [int(v) for v in r[:RUN_COUNTS]] for k, r in rows.items()}  # type: ignore[call-overload]
    codes = {k: split_flags(str(r[RUN_COUNTS])) for k, r in rows.items() if r[RUN_COUNTS]}
    children: dict[str, list[str]] = {}
    for r in every:
        if r.parent_id is not None:
            children.setdefault(r.parent_id, []).append(r.id)

    def total(run_id: str, seen: set[str]) -> tuple[list[int], tuple[str, ...]]:
        acc = list(sums.get(run_id, (0,) * RUN_COUNTS))
        flags = codes.get(run_id, ())
        for child in children.get(run_id, ()):
            if child not in seen:
                seen.add(child)
                sub, sub_flags = total(child, seen)
                acc = [a + b for a, b in zip(acc, sub, strict=True)]
                flags = merge_flags(flags, sub_flags)
        return acc, flags

    out = []
    for r in every:
        if name is not None and r.name != name:
            continue
        t, f = total(r.id, {r.id})
        cost = pico_to_usd(pico_of(t[2 : 2 + COST_PARTS]))
        t = t[:2] + t[2 + COST_PARTS :]
        out.append(RunSummary(r, t[0], t[1], cost, t[2], t[3], t[4], t[5], t[6], f))
    return out
