"""The view a page shows, from its query string (so a view can be bookmarked).

``?period=7d|30d|month|all|custom&since=YYYY-MM-DD&until=YYYY-MM-DD&tz=UTC&project=&model=``
(and ``&user=&machine=`` on a team ledger: the dashboard scopes the ledger to them).
:func:`parse_view` checks the values (:class:`~tokentrail.errors.UserInputError` on a bad
one); :meth:`View.options` resolves the filters against the ledger, as the CLI does.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta, tzinfo
from urllib.parse import urlencode

from tokentrail.errors import UserInputError
from tokentrail.ledger.frozen import Frozen
from tokentrail.reports.build import ReportOptions, ReportSource, options_for

__all__ = ["PERIODS", "View", "parse_view"]

#: period value -> label in the picker.
PERIODS: dict[str, str] = {
    "7d": "7 days",
    "30d": "30 days",
    "month": "This month",
    "all": "All time",
    "custom": "Custom",
}

_KEYS = ("period", "since", "until", "tz", "project", "model", "user", "machine")


def _zone(name: str) -> tzinfo | None:
    if not name or name == "local":
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UserInputError(f"unknown time zone {name!r}") from exc


def _day(value: str, what: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise UserInputError(f"{what} must be a date (YYYY-MM-DD), not {value!r}") from exc


class View(Frozen):
    """The parsed query: period, custom dates, zone name and filters (all strings as given,
    ``""`` for unset), the zone, and the inclusive local date range it selects."""

    __match_args__ = (
        "period", "since", "until", "tz", "project", "model", "user", "machine", "zone",
        "start", "end",
    )  # fmt: skip
    __slots__ = __match_args__

    period: str
    since: str
    until: str
    tz: str
    project: str
    model: str
    user: str
    machine: str
    zone: tzinfo | None
    start: date | None
    end: date | None

    def __init__(self, params: Mapping[str, str], today: date | None = None) -> None:
        _set = object.__setattr__
        period = params.get("period", "") or "all"
        if params.get("since") or params.get("until"):
            period = "custom"  # dates given in the picker win over its period menu
        if period not in PERIODS:
            raise UserInputError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
        for k in _KEYS:
            _set(self, k, params.get(k, "") if k != "period" else period)
        zone = _zone(self.tz)
        _set(self, "zone", zone)
        now = today or datetime.now(zone).date()
        start: date | None = None
        end: date | None = None
        if period == "7d":
            start = now - timedelta(days=6)
        elif period == "30d":
            start = now - timedelta(days=29)
        elif period == "month":
            start = now.replace(day=1)
        elif period == "custom":
            start = _day(self.since, "since")
            end = _day(self.until, "until")
            if start and end and start > end:
                raise UserInputError(f"since {start} is after until {end}")
        _set(self, "start", start)
        _set(self, "end", end)

    def params(self, **change: str) -> dict[str, str]:
        """The query parameters of this view (unset ones left out), with ``change``."""
        out = {k: str(getattr(self, k)) for k in _KEYS}
        out.update(change)
        if out.get("period") == "all":
            out.pop("period")
        if out.get("period") != "custom":
            out.pop("since", None)
            out.pop("until", None)
        return {k: v for k, v in out.items() if v}

    def query(self, **change: str) -> str:
        """``?...`` of :meth:`params` (``""`` when empty)."""
        q = urlencode(self.params(**change))
        return f"?{q}" if q else ""

    def options(self, source: ReportSource, **extra: object) -> ReportOptions:
        """The report options of this view, filters resolved against ``source``."""
        return options_for(
            source,
            tz=self.zone,
            since=self.start,
            until=self.end,
            project=self.project or None,
            models=[self.model] if self.model else [],
            order="asc",
            **extra,  # type: ignore[arg-type]
        )


def parse_view(params: Mapping[str, str], today: date | None = None) -> View:
    """The :class:`View` of a page's query parameters (first value of each)."""
    return View(params, today)
