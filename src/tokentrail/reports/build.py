"""Build :class:`~tokentrail.reports.model.Report` objects from a ledger.

Every kind but ``blocks`` comes from the quarter-hour rollups (``SQLiteLedger.aggregate``);
weekly rows are unions of local days; ``blocks`` reads record instants (``<synthetic>``
lines included, counted as the rollups count them) through the time index. Filters:
inclusive local dates ``since`` / ``until`` in ``tz``, an exact project and a set of exact
model ids (resolve user input first with :func:`resolve_project` and
:func:`resolve_models`, which raise :class:`~tokentrail.errors.UserInputError`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone, tzinfo

from tokentrail.errors import UserInputError
from tokentrail.ledger.frozen import Frozen
from tokentrail.ledger.totals import AggregateQuery, AggregateRow, Totals, fold_totals
from tokentrail.reports.model import KINDS, Report, ReportRow
from tokentrail.reports.zone import local_zone_name

TYPE_CHECKING = False  # typing's constant without importing typing (~10 ms a run)
if TYPE_CHECKING:
    from tokentrail.ledger.timeline import UsagePoint

__all__ = [
    "WEEKDAYS",
    "ReportOptions",
    "ReportSource",
    "build_report",
    "options_for",
    "resolve_models",
    "resolve_project",
    "sum_rows",
    "tz_name",
]

#: ``--start-of-week`` names → ``date.weekday()`` numbers.
WEEKDAYS = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}


if TYPE_CHECKING:
    from typing import Literal, Protocol

    class ReportSource(Protocol):
        """What a report needs from a ledger (``SQLiteLedger`` implements it)."""

        def aggregate(self, query: AggregateQuery) -> list[AggregateRow]: ...

        def usage_points(
            self,
            since_ms: int | None = None,
            until_ms: int | None = None,
            *,
            models: Sequence[str] = (),
            project: str | None = None,
        ) -> list[UsagePoint]: ...

        def session_spans(
            self,
            since_ms: int | None = None,
            until_ms: int | None = None,
            *,
            models: Sequence[str] = (),
            project: str | None = None,
        ) -> dict[str, tuple[int, int]]: ...

        def distinct(self, column: str) -> list[str]: ...

else:  # a name for type checkers: any object serves at run time (never isinstance-checked)
    ReportSource = object


class ReportOptions(Frozen):
    """Query of a report: ``tz`` (None: local), inclusive local ``since`` / ``until``,
    exact ``project`` and ``models``, row ``order``, ``start_of_week`` (0 = Monday), and
    ``now_ms`` (UTC ms; None: the clock) for the active block, an exact ``session_id``
    (every kind but ``blocks``), the ``blocks`` length ``block_ms`` (default 5 h);
    ``filters`` is what the
    report says it applied (see :func:`options_for`). Frozen, as
    :class:`~tokentrail.ledger.frozen.Frozen` says."""

    __match_args__ = (
        "tz",
        "since",
        "until",
        "project",
        "models",
        "order",
        "start_of_week",
        "now_ms",
        "filters",
        "session_id",
        "block_ms",
    )
    __slots__ = __match_args__

    tz: tzinfo | None
    since: date | None
    until: date | None
    project: str | None
    models: tuple[str, ...]
    order: Literal["asc", "desc"]
    start_of_week: int
    now_ms: int | None
    filters: dict[str, object]
    session_id: str | None
    block_ms: int

    def __init__(
        self,
        tz: tzinfo | None = None,
        since: date | None = None,
        until: date | None = None,
        project: str | None = None,
        models: tuple[str, ...] = (),
        order: Literal["asc", "desc"] = "asc",
        start_of_week: int = 0,
        now_ms: int | None = None,
        filters: dict[str, object] | None = None,
        session_id: str | None = None,
        block_ms: int = 5 * 3_600_000,
    ) -> None:
        _set = object.__setattr__
        _set(self, "tz", tz)
        _set(self, "since", since)
        _set(self, "until", until)
        _set(self, "project", project)
        _set(self, "models", models)
        _set(self, "order", order)
        _set(self, "start_of_week", start_of_week)
        _set(self, "now_ms", now_ms)
        _set(self, "filters", {} if filters is None else filters)
        _set(self, "session_id", session_id)
        _set(self, "block_ms", block_ms)


def options_for(
    source: ReportSource,
    *,
    tz: tzinfo | None,
    since: date | None,
    until: date | None,
    project: str | None,
    models: Sequence[str],
    order: str,
    start_of_week: int = 0,
    session_id: str | None = None,
    block_ms: int = 5 * 3_600_000,
) -> ReportOptions:
    """The :class:`ReportOptions` of a report command's options: ``project`` and ``models``
    as the user gave them (resolved with :func:`resolve_project` / :func:`resolve_models`,
    which raise :class:`~tokentrail.errors.UserInputError`), ``order`` ``"desc"`` or
    anything else for ascending; ``filters`` records them as the JSON shows them."""
    filters: dict[str, object] = {
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "project": resolve_project(source, project),
        "models": list(resolve_models(source, models)),
    }
    if session_id is not None:
        filters["session_id"] = session_id
    return ReportOptions(
        tz=tz,
        since=since,
        until=until,
        project=filters["project"],  # type: ignore[arg-type]
        models=tuple(filters["models"]),  # type: ignore[arg-type]
        order="desc" if order == "desc" else "asc",
        start_of_week=start_of_week,
        filters=filters,
        session_id=session_id,
        block_ms=block_ms,
    )


def tz_name(tz: tzinfo | None) -> str:
    """IANA name of ``tz`` (``"UTC"``); for local time the local zone's name (see
    :func:`~tokentrail.reports.zone.local_zone_name`: ``$TZ``, the system's IANA name, else
    its UTC offset), never a bare ``"local"``."""
    if tz is None:
        return local_zone_name()
    key = getattr(tz, "key", None)
    return str(key) if key else str(tz)


def folder_name(path: str) -> str:
    """Claude Code's folder name for a working directory: every character but ASCII letters
    and digits becomes ``-`` (``/home/alex/src/billing.svc`` -> ``-home-alex-src-billing-svc``)."""
    return "".join(c if c.isascii() and c.isalnum() else "-" for c in path)


def resolve_project(source: ReportSource, name: str | None) -> str | None:
    """The stored project matching ``name``, tried in this order: the exact path; Claude
    Code's folder name of a path (:func:`folder_name`); the unique last path component;
    else every project whose path or folder name contains ``name`` (case-insensitive),
    which must be exactly one.

    Errors (``UserInputError``, exit 2) list the candidates (ambiguous) or the stored
    projects (no match) whole, with control characters escaped."""
    if name is None:
        return None
    projects = source.distinct("project")
    if name in projects:
        return name
    hits = [p for p in projects if folder_name(p) == name]
    if not hits:
        stripped = name.rstrip("/")
        hits = [p for p in projects if p.rstrip("/").rsplit("/", 1)[-1] == stripped]
    if not hits:
        low = name.lower()
        hits = [p for p in projects if low in p.lower() or low in folder_name(p).lower()]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise UserInputError(f"project {name!r} is ambiguous: {_listing(hits)}")
    raise UserInputError(f"unknown project {name!r} (known: {_listing(projects)})")


def _listing(values: Sequence[str], limit: int = 8) -> str:
    """Up to ``limit`` stored values, whole and terminal-safe (they come from logs)."""
    if not values:
        return "none yet"
    from tokentrail.reports.text import escape_controls  # an error message: rare

    shown = ", ".join(escape_controls(v) for v in values[:limit])
    more = len(values) - limit
    return shown + (f", and {more} more" if more > 0 else "")


def resolve_models(source: ReportSource, names: Sequence[str]) -> tuple[str, ...]:
    """Model ids matching each name exactly, else every id containing it (``opus``)."""
    if not names:
        return ()
    models = source.distinct("model")
    out: list[str] = []
    for name in names:
        hits = [name] if name in models else [m for m in models if name.lower() in m.lower()]
        if not hits:
            raise UserInputError(f"unknown model {name!r} (none in the ledger matches)")
        out.extend(h for h in hits if h not in out)
    return tuple(out)


def sum_rows(rows: Sequence[ReportRow]) -> tuple[Totals, dict[str, Totals]]:
    """The totals of ``rows`` and their totals per model (sorted by model id): exact sums,
    added in row order."""
    total = fold_totals(Totals(), [r.totals for r in rows])
    per_model: dict[str, list[Totals]] = {}
    for r in rows:
        for m, t in r.models.items():
            ts = per_model.get(m)
            if ts is None:
                per_model[m] = [t]
            else:
                ts.append(t)
    return total, {m: fold_totals(ts[0], ts[1:]) for m, ts in sorted(per_model.items())}


def _week_key(day: str, start_of_week: int) -> str:
    d = date.fromisoformat(day)
    return (d - timedelta(days=(d.weekday() - start_of_week) % 7)).isoformat()


def _merge(rows: list[AggregateRow], keyf: object) -> list[ReportRow]:
    assert callable(keyf)
    acc: dict[str, tuple[Totals, dict[str, Totals]]] = {}
    for r in rows:
        k = keyf(r.key)
        tot, models = acc.get(k, (Totals(), {}))
        for m, t in r.models.items():
            old = models.get(m)
            models[m] = t if old is None else old + t
        acc[k] = (tot + r.totals, models)
    return [ReportRow(k, t, dict(sorted(m.items()))) for k, (t, m) in sorted(acc.items())]


def _local_ms(d: date, tz: tzinfo | None) -> int:
    """UTC ms of local midnight starting ``d`` in ``tz`` (None: process local time)."""
    if tz is None:
        return int(time.mktime(d.timetuple()) * 1000)
    return int(datetime(d.year, d.month, d.day, tzinfo=tz).timestamp() * 1000)


def _iso(ms: int, tz: tzinfo | None) -> str:
    if tz is None:
        dt = datetime.fromtimestamp(ms / 1000).astimezone()
    else:
        dt = datetime.fromtimestamp(ms / 1000, tz)
    return dt.isoformat(timespec="seconds")


def _blocks(source: ReportSource, opts: ReportOptions) -> list[ReportRow]:
    from tokentrail.reports.blocks import identify_blocks

    since = _local_ms(opts.since, opts.tz) if opts.since else None
    until = _local_ms(opts.until + timedelta(days=1), opts.tz) if opts.until else None
    points = source.usage_points(since, until, models=opts.models, project=opts.project)
    now = opts.now_ms if opts.now_ms is not None else int(time.time() * 1000)
    rows: list[ReportRow] = []
    for b in identify_blocks(points, now, opts.block_ms):
        extra: dict[str, object] = {
            "block_end": _iso(b.end_ms, opts.tz),
            "first_activity": _iso(b.first_ms, opts.tz),
            "last_activity": _iso(b.last_ms, opts.tz),
            "is_active": b.active,
        }
        if b.active:
            extra["remaining_minutes"] = max(0, (b.end_ms - now) // 60_000)
            extra["tokens_per_minute"] = (
                round(b.tokens_per_minute, 3) if b.tokens_per_minute is not None else None
            )
            extra["cost_per_hour_usd"] = b.cost_per_hour
            extra["projected_total_tokens"] = b.projected_tokens
            extra["projected_cost_usd"] = b.projected_cost
        rows.append(ReportRow(_iso(b.start_ms, opts.tz), b.totals, b.models, extra))
    return rows


def build_report(source: ReportSource, kind: str, opts: ReportOptions) -> Report:
    """The ``kind`` report (one of :data:`~tokentrail.reports.model.KINDS`) for ``opts``."""
    if kind not in KINDS:
        raise UserInputError(f"unknown report {kind!r} (one of: {', '.join(KINDS)})")
    if opts.since and opts.until and opts.since > opts.until:
        raise UserInputError(f"--since {opts.since} is after --until {opts.until}")
    if kind in ("user", "machine"):  # team dimensions: one daily report per value
        from tokentrail.reports.team import team_report

        return team_report(source, kind, opts)
    rows: list[ReportRow]
    if kind == "blocks":
        rows = _blocks(source, opts)
    else:
        by = {"daily": "day", "weekly": "day", "monthly": "month", "session": "session"}.get(
            kind, kind
        )
        query = AggregateQuery(
            by,  # type: ignore[arg-type]
            opts.tz,
            opts.since,
            opts.until,
            opts.models,
            opts.project,
            opts.session_id,
        )
        agg = source.aggregate(query)
        if kind == "weekly":
            sow = opts.start_of_week
            rows = _merge(agg, lambda k: _week_key(k, sow))
        elif kind == "session":
            spans = source.session_spans(
                _local_ms(opts.since, opts.tz) if opts.since else None,
                _local_ms(opts.until + timedelta(days=1), opts.tz) if opts.until else None,
                models=opts.models,
                project=opts.project,
            )
            rows = []
            for r in agg:
                span = spans.get(r.key)
                rows.append(
                    ReportRow(
                        r.key,
                        r.totals,
                        r.models,
                        {
                            "project": r.project,
                            # whole instants (ISO 8601 with the zone's offset)
                            "first_activity": r.first_day
                            if span is None
                            else _iso(span[0], opts.tz),
                            "last_activity": r.last_day if span is None else _iso(span[1], opts.tz),
                        },
                    )
                )
            rows.sort(key=lambda r: (spans.get(r.key, (0, 0))[1], r.key))  # last activity
        else:
            rows = [ReportRow(r.key, r.totals, r.models) for r in agg]
    if opts.order == "desc":
        rows.reverse()
    total, models = sum_rows(rows)
    return Report(kind, rows, total, models, tz_name(opts.tz), dict(opts.filters))


def utc_now_ms() -> int:
    """The clock, UTC milliseconds."""
    return int(datetime.now(timezone.utc).timestamp() * 1000)
