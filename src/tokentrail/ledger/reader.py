"""``tokentrail.Ledger``: the Python API to read the ledger (records, reports, runs).

::

    with tokentrail.Ledger() as led:                     # $TOKENTRAIL_LEDGER or the default
        for rec in led.records(source="sdk", run="nightly-eval"):
            ...
        for row in led.report("day", since=date(2026, 11, 1), tz="Europe/Paris"):
            print(row.key, row.totals.cost)

        for s in led.report("run", source="sdk", tags={"team": "search"}):
            print(s.run.name, s.requests, s.cost)
        for b in led.batches():                          # Message Batches outcomes per file
            print(b.file, b.results["errored"], b.results["expired"])

``records`` returns :class:`~tokentrail.types.UsageRecord` objects (oldest first).
``report`` returns report objects of the ledger layer: a list of
:class:`~tokentrail.ledger.AggregateRow` (key, :class:`~tokentrail.ledger.Totals`, totals per
model) for the grouped kinds (day, month, session, project, model), and a list of
:class:`~tokentrail.ledger.runs.RunSummary` for ``"run"`` (the runs report that
``tokentrail report run`` shows). Every kind takes the same filters, ``source``, ``run`` and
``tags`` included. (For the CLI's rendered reports, weekly / blocks / agent / branch
included, use :func:`tokentrail.reports.build_report` on :attr:`Ledger.store`.) Money is
:class:`~decimal.Decimal` USD; token counts are ints.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any, Literal, overload

from tokentrail.errors import UserInputError
from tokentrail.ledger.aggregate import local_date
from tokentrail.ledger.costing import pico_to_usd
from tokentrail.ledger.flagged import split_flags
from tokentrail.ledger.protocol import (
    AggregateQuery,
    AggregateRow,
    GroupBy,
    RecordFilter,
    Totals,
)
from tokentrail.ledger.rollup_sql import pico_of, record_cost_sums
from tokentrail.ledger.runs import RUN_COUNTS, RUN_SUMS_SQL, RunSummary, summarize_runs
from tokentrail.ledger.schema import FLAGGED_WHERE, QUARTER_MS
from tokentrail.ledger.sources import BatchOutcome, batch_outcomes
from tokentrail.ledger.sqlite import SQLiteLedger, resolve_ledger_path
from tokentrail.ledger.totals import merge_flags

if TYPE_CHECKING:
    from tokentrail.types import UsageRecord

__all__ = ["REPORT_KINDS", "RUN_KIND", "Ledger"]

#: ``report`` kinds and their aliases → the aggregate grouping.
REPORT_KINDS: dict[str, GroupBy] = {
    "day": "day",
    "daily": "day",
    "month": "month",
    "monthly": "month",
    "session": "session",
    "project": "project",
    "model": "model",
}
#: The ``report`` kind of tracked runs (:class:`RunSummary` rows).
RUN_KIND = "run"
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
#: Rollup sums of one set of records, in :class:`Totals` field order (the cost in
#: ``COST_PARTS`` parts), then the flagged records and their flag sets.
_CELL_SUMS = (
    "sum(1 - synthetic), sum(synthetic), sum((1 - is_final) * (1 - synthetic)), "
    "sum(cost_pico IS NULL), sum(input_tokens), sum(cache_creation_tokens), "
    "sum(cache_5m_tokens), sum(cache_1h_tokens), sum(cache_read_tokens), sum(output_tokens), "
    f"sum(web_search_requests), sum(web_fetch_requests), {record_cost_sums()}, "
    f"sum({FLAGGED_WHERE}), group_concat(DISTINCT CASE WHEN {FLAGGED_WHERE} THEN price_flags END)"
)


def _instant(value: date | datetime | None, *, end: bool) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise UserInputError(f"{value.isoformat()} is a naive datetime; give a time zone")
        return value
    day = value + timedelta(days=1) if end else value
    return datetime.combine(day, time(0), tzinfo=timezone.utc)


def _tz(value: str | tzinfo | None) -> tzinfo | None:
    if value is None or isinstance(value, tzinfo):
        return value
    if value.upper() in ("UTC", "Z"):
        return timezone.utc
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UserInputError(f"unknown time zone {value!r}") from exc


class Ledger:
    """Read access to a ledger file (``path``: explicit, else ``$TOKENTRAIL_LEDGER``, else
    the platform default). Opening creates and migrates the file if needed."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = resolve_ledger_path(path)
        self._store = SQLiteLedger(self.path)

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the database connection."""
        self._store.close()

    @property
    def store(self) -> SQLiteLedger:
        """The underlying store."""
        return self._store

    def records(
        self,
        *,
        since: date | datetime | None = None,
        until: date | datetime | None = None,
        source: str | None = None,
        model: str | None = None,
        project: str | None = None,
        session_id: str | None = None,
        run: str | None = None,
        tags: Mapping[str, str] | None = None,
        limit: int | None = None,
    ) -> list[UsageRecord]:
        """Stored records, oldest first, filtered by every given argument.

        ``since`` / ``until``: aware datetimes (``[since, until)``) or dates (whole UTC days,
        both inclusive). ``source``: ``claude_code``, ``sdk``, ``batch`` or ``response``.
        ``run``: a run name or id, its nested runs included. ``tags``: every given tag
        must match. ``limit``: at most that many records (after filtering).
        """
        if limit is not None and limit < 0:
            raise UserInputError(f"limit must be >= 0, got {limit}")
        base = RecordFilter(
            since=_instant(since, end=False),
            until=_instant(until, end=True),
            session_id=session_id,
            model=model,
            project=project,
            source=source,
        )
        run_ids: Iterable[str | None] = [None]
        if run is not None:
            run_ids = self._run_ids(run)
        out: list[UsageRecord] = []
        for rid in run_ids:
            flt = base if rid is None else RecordFilter(**{**_fields(base), "run_id": rid})
            for rec in self._store.records(flt):
                if tags and any(rec.tags.get(k) != v for k, v in tags.items()):
                    continue
                out.append(rec)
        if run is not None:
            out.sort(key=lambda r: r.timestamp)
        return out if limit is None else out[:limit]

    def _run_ids(self, run: str) -> list[str]:
        every = self._store.runs()
        roots = {r.id for r in every if r.name == run or r.id == run}
        ids = set(roots)
        changed = True
        while changed:
            changed = False
            for r in every:
                if r.parent_id in ids and r.id not in ids:
                    ids.add(r.id)
                    changed = True
        return sorted(ids)

    @overload
    def report(  # type: ignore[overload-overlap]
        self,
        kind: Literal["run"],
        *,
        since: date | None = None,
        until: date | None = None,
        tz: str | tzinfo | None = None,
        models: Iterable[str] = (),
        project: str | None = None,
        session_id: str | None = None,
        source: str | None = None,
        run: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> list[RunSummary]: ...

    @overload
    def report(
        self,
        kind: str,
        *,
        since: date | None = None,
        until: date | None = None,
        tz: str | tzinfo | None = None,
        models: Iterable[str] = (),
        project: str | None = None,
        session_id: str | None = None,
        source: str | None = None,
        run: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> list[AggregateRow]: ...

    def report(
        self,
        kind: str,
        *,
        since: date | None = None,
        until: date | None = None,
        tz: str | tzinfo | None = None,
        models: Iterable[str] = (),
        project: str | None = None,
        session_id: str | None = None,
        source: str | None = None,
        run: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> list[AggregateRow] | list[RunSummary]:
        """Totals grouped by ``kind``, ordered by key: ``day``/``daily``, ``month``/``monthly``,
        ``session``, ``project``, ``model`` (:class:`AggregateRow` list), or ``run``
        (:class:`RunSummary` list, oldest run first, as ``tokentrail report run``: a run's
        figures include its nested runs').

        Filters, all combined: ``since``/``until`` inclusive local dates in ``tz`` (default:
        the process's local time zone); exact ``models`` (any of), ``project``,
        ``session_id``; ``source`` (``claude_code``, ``sdk``, ``batch``, ``response``);
        ``run`` (a run name or id, its nested runs included); ``tags`` (every given tag must
        match the record's tags, which hold its runs' tags and ``run=<name>``). Filters
        select *records*: with ``run``, the ``"run"`` kind lists the matching runs and their
        nested runs; with any other filter it lists only the runs that have matching
        records, their figures counting those records only. An unknown ``run`` gives an
        empty list, as :meth:`records` does. Unfiltered grouped kinds read the rollups; a
        ``source`` / ``run`` / ``tags`` filter reads the matching records (indexed).
        """
        zone = _tz(tz)
        model_list = tuple(models)
        if since is not None and until is not None and since > until:
            raise UserInputError(f"since {since} is after until {until}")
        if kind == RUN_KIND:
            return self._run_report(
                since, until, zone, model_list, project, session_id, source, run, tags
            )
        group = REPORT_KINDS.get(kind)
        if group is None:
            raise UserInputError(
                f"unknown report kind {kind!r} "
                f"(expected one of {', '.join([*REPORT_KINDS, RUN_KIND])})"
            )
        if source is None and run is None and not tags:
            query = AggregateQuery(
                group_by=group,
                tz=zone,
                since=since,
                until=until,
                models=model_list,
                project=project,
                session_id=session_id,
            )
            return self._store.aggregate(query)
        conds, args = self._where(since, until, model_list, project, session_id, source, run, tags)
        if conds is None:
            return []
        return _group_cells(self._cells(conds, args, "model, project, session_id"), group, zone,
                            since, until)  # fmt: skip

    def _where(
        self,
        since: date | None,
        until: date | None,
        models: Sequence[str],
        project: str | None,
        session_id: str | None,
        source: str | None,
        run: str | None,
        tags: Mapping[str, str] | None,
    ) -> tuple[list[str] | None, list[object]]:
        """SQL conditions on ``records`` for the filters (``None``: nothing can match)."""
        conds: list[str] = []
        args: list[object] = []
        if models:
            conds.append(f"model IN ({', '.join('?' * len(models))})")
            args.extend(models)
        for col, val in (("project", project), ("session_id", session_id), ("source", source)):
            if val is not None:
                conds.append(f"{col} = ?")
                args.append(val)
        if source is not None and source != "claude_code":
            conds.append("source != 'claude_code'")  # lets the partial API index serve it
        if run is not None:
            ids = self._run_ids(run)
            if not ids:
                return None, []
            conds.append(f"run_id IN ({', '.join('?' * len(ids))})")
            args.extend(ids)
        for k, v in (tags or {}).items():
            conds.append(
                "EXISTS (SELECT 1 FROM json_each(records.tags) WHERE key = ? AND value = ?)"
            )
            args.extend((k, v))
        # Coarse prefilter on the UTC instant (±1 day covers every offset); exact per cell.
        if since is not None:
            conds.append("ts_ms >= ?")
            args.append((since.toordinal() - _EPOCH_ORDINAL - 1) * 86_400_000)
        if until is not None:
            conds.append("ts_ms < ?")
            args.append((until.toordinal() - _EPOCH_ORDINAL + 2) * 86_400_000)
        return conds, args

    def _cells(
        self, conds: list[str], args: list[object], by: str, sums: str = _CELL_SUMS
    ) -> list[tuple[Any, ...]]:
        """Quarter-hour cells (``q``, the ``by`` columns, ``sums``) of the matching records."""
        where = (" WHERE " + " AND ".join(conds)) if conds else ""
        sql = f"SELECT ts_ms / {QUARTER_MS} AS q, {by}, {sums} FROM records{where} GROUP BY q, {by}"
        return list(self._store._db.execute(sql, args))

    def _run_report(
        self,
        since: date | None,
        until: date | None,
        tz: tzinfo | None,
        models: Sequence[str],
        project: str | None,
        session_id: str | None,
        source: str | None,
        run: str | None,
        tags: Mapping[str, str] | None,
    ) -> list[RunSummary]:
        filtered = bool(since or until or models or project or session_id or source or tags)
        db = self._store._db
        if not filtered:
            rows = summarize_runs(db)
        else:
            conds, args = self._where(since, until, models, project, session_id, source, None,
                                      tags)  # fmt: skip
            assert conds is not None
            own: dict[str, list[object]] = {}
            for cell in self._cells([*conds, "run_id IS NOT NULL"], args, "run_id", RUN_SUMS_SQL):
                if not _in_dates(cell[0], tz, since, until):
                    continue
                acc = own.setdefault(cell[1], [0] * RUN_COUNTS + [None])
                for i, v in enumerate(cell[2 : 2 + RUN_COUNTS]):
                    acc[i] = int(acc[i]) + int(v)  # type: ignore[call-overload]
                sets = cell[2 + RUN_COUNTS]
                if sets:
                    acc[RUN_COUNTS] = f"{acc[RUN_COUNTS]},{sets}" if acc[RUN_COUNTS] else sets
            rows = summarize_runs(db, own=own)
            # Only runs with matching records, own or nested (a parent sums its children).
            keep = set(own)
            parents = {s.run.id: s.run.parent_id for s in rows}
            for rid in list(keep):
                p = parents.get(rid)
                while p is not None and p not in keep:
                    keep.add(p)
                    p = parents.get(p)
            rows = [s for s in rows if s.run.id in keep]
        if run is not None:
            ids = set(self._run_ids(run))
            rows = [s for s in rows if s.run.id in ids]
        return rows

    def batches(self) -> list[BatchOutcome]:
        """Each ingested Message Batches results file's outcome (result lines per type,
        errored / expired / canceled included, and bad lines), oldest record date first."""
        return batch_outcomes(self._store)

    def runs(self, name: str | None = None) -> list[RunSummary]:
        """Tracked runs with requests, cost and tokens (nested runs included), oldest first."""
        return self._store.run_summaries(name)


def _in_dates(q: int, tz: tzinfo | None, since: date | None, until: date | None) -> bool:
    if since is None and until is None:
        return True
    d = local_date(q, tz)
    return not ((since is not None and d < since) or (until is not None and d > until))


def _totals(v: Sequence[int], flags: tuple[str, ...] = ()) -> Totals:
    n = [int(x) for x in v]
    return Totals(n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8], n[9], n[10], n[11],
                  pico_to_usd(pico_of(n[12:15])), n[15], flags)  # fmt: skip


def _group_cells(
    cells: list[tuple[Any, ...]],
    group: GroupBy,
    tz: tzinfo | None,
    since: date | None,
    until: date | None,
) -> list[AggregateRow]:
    """Group ``(q, model, project, session_id, *sums, flag sets)`` cells like the rollup
    aggregate (``flag sets``: the cell's distinct ``price_flags`` of flagged records,
    comma-joined, or None)."""
    groups: dict[str, list[int]] = {}
    codes: dict[str, tuple[str, ...]] = {}
    model_codes: dict[tuple[str, str], tuple[str, ...]] = {}
    per_model: dict[str, dict[str, list[int]]] = {}
    first: dict[str, tuple[int, str]] = {}
    span: dict[str, tuple[int, int]] = {}

    def add(acc: dict[str, list[int]], key: str, vals: Sequence[int]) -> None:
        cur = acc.setdefault(key, [0] * len(vals))
        for i, v in enumerate(vals):
            cur[i] += int(v)

    for q, model, project, session, *vals, flag_sets in cells:
        if not _in_dates(q, tz, since, until):
            continue
        if group in ("day", "month"):
            d = local_date(q, tz).isoformat()
            key = d if group == "day" else d[:7]
        else:
            key = {"session": session, "project": project, "model": model}[group]
        add(groups, key, vals)
        add(per_model.setdefault(key, {}), model, vals)
        if flag_sets:
            found = split_flags(flag_sets)
            codes[key] = merge_flags(codes.get(key, ()), found)
            model_codes[key, model] = merge_flags(model_codes.get((key, model), ()), found)
        if group == "session":
            if key not in first or q < first[key][0]:
                first[key] = (q, project)
            lo, hi = span.get(key, (q, q))
            span[key] = (min(lo, q), max(hi, q))
    return [
        AggregateRow(
            key=key,
            totals=_totals(groups[key], codes.get(key, ())),
            models={
                m: _totals(v, model_codes.get((key, m), ()))
                for m, v in sorted(per_model[key].items())
            },
            project=first[key][1] if key in first else None,
            first_day=local_date(span[key][0], tz).isoformat() if key in span else None,
            last_day=local_date(span[key][1], tz).isoformat() if key in span else None,
        )
        for key in sorted(groups)
    ]


def _fields(flt: RecordFilter) -> dict[str, Any]:
    return {f: getattr(flt, f) for f in flt.__dataclass_fields__}
