"""``tokentrail.Ledger``: the Python API to read the ledger (records, reports, runs).

::

    with tokentrail.Ledger() as led:                     # $TOKENTRAIL_LEDGER or the default
        for rec in led.records(source="sdk", run="nightly-eval"):
            ...
        for row in led.report("day", since=date(2026, 11, 1), tz="Europe/Paris"):
            print(row.key, row.totals.cost)

``records`` returns :class:`~tokentrail.types.UsageRecord` objects (oldest first).
``report`` returns the ledger's :class:`~tokentrail.ledger.AggregateRow` list for the kinds
the rollups answer (day, month, session, project, model); it will return the report objects
of ``tokentrail.reports`` once that package is merged (same kinds, same filters). Money is
:class:`~decimal.Decimal` USD; token counts are ints.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any

from tokentrail.errors import UserInputError
from tokentrail.ledger.protocol import AggregateQuery, AggregateRow, GroupBy, RecordFilter
from tokentrail.ledger.runs import RunSummary
from tokentrail.ledger.sqlite import SQLiteLedger, resolve_ledger_path

if TYPE_CHECKING:
    from tokentrail.types import UsageRecord

__all__ = ["REPORT_KINDS", "Ledger"]

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
    ) -> list[AggregateRow]:
        """Totals grouped by ``kind`` (``day``/``daily``, ``month``/``monthly``, ``session``,
        ``project``, ``model``), ordered by key; ``since``/``until`` are inclusive local
        dates in ``tz`` (default: the process's local time zone)."""
        group = REPORT_KINDS.get(kind)
        if group is None:
            raise UserInputError(
                f"unknown report kind {kind!r} (expected one of {', '.join(REPORT_KINDS)})"
            )
        query = AggregateQuery(
            group_by=group,
            tz=_tz(tz),
            since=since,
            until=until,
            models=tuple(models),
            project=project,
            session_id=session_id,
        )
        return self._store.aggregate(query)

    def runs(self, name: str | None = None) -> list[RunSummary]:
        """Tracked runs with requests, cost and tokens (nested runs included), oldest first."""
        return self._store.run_summaries(name)


def _fields(flt: RecordFilter) -> dict[str, Any]:
    return {f: getattr(flt, f) for f in flt.__dataclass_fields__}
