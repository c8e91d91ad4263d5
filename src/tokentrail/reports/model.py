"""Renderer-agnostic report objects: rows of exact sums, ready for any output format.

A :class:`Report` is a list of :class:`ReportRow` plus a totals row. Token counts are ints,
money is :class:`~decimal.Decimal` USD (the ledger's exact sums, never rounded here). A row
whose requests were all unpriced has ``cost is None`` in the renderers' eyes (see
:func:`cost_or_none`): an unknown price is never shown as $0.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from tokentrail.ingest.ids import SYNTHETIC_MODEL
from tokentrail.ledger.frozen import Frozen
from tokentrail.ledger.totals import Totals

TYPE_CHECKING = False  # typing's constant without importing typing (~10 ms a run)

__all__ = [
    "KINDS",
    "SCHEMA_VERSION",
    "Kind",
    "Report",
    "ReportRow",
    "cache_hit_ratio",
    "cost_or_none",
    "priced_models",
]

#: Version of the JSON / CSV / Parquet schema; bumped on any breaking change.
SCHEMA_VERSION = 1

if TYPE_CHECKING:
    from typing import Literal

    Kind = Literal[
        "daily",
        "weekly",
        "monthly",
        "session",
        "project",
        "model",
        "blocks",
        "agent",
        "branch",
        "user",
        "machine",
    ]
else:  # a name for type checkers: plain ``str`` at run time (annotations are not evaluated)
    Kind = str

#: kind -> (key column name, JSON list name, table title)
KINDS: dict[str, tuple[str, str, str]] = {
    "daily": ("date", "daily", "Daily usage"),
    "weekly": ("week", "weekly", "Weekly usage"),
    "monthly": ("month", "monthly", "Monthly usage"),
    "session": ("session_id", "sessions", "Usage by session"),
    "project": ("project", "projects", "Usage by project"),
    "model": ("model", "models", "Usage by model"),
    "blocks": ("block_start", "blocks", "5-hour blocks"),
    "agent": ("agent", "agents", "Usage by agent (subagent type)"),
    "branch": ("branch", "branches", "Usage by git branch"),
    "user": ("user", "users", "Usage by user"),
    "machine": ("machine", "machines", "Usage by machine"),
}


def cache_hit_ratio(t: Totals) -> float | None:
    """Cache reads / all input-side tokens (uncached + writes + reads); None when no input."""
    denom = t.input_tokens + t.cache_creation_tokens + t.cache_read_tokens
    if denom == 0:
        return None
    return t.cache_read_tokens / denom  # float ok: a ratio, not money


def cost_or_none(t: Totals) -> Decimal | None:
    """The row's cost, or None when every request in it is unpriced (never a fake $0)."""
    if t.requests > 0 and t.unpriced >= t.requests:
        return None
    return t.cost


def priced_models(models: Mapping[str, Totals]) -> list[str]:
    """Model ids used, ``<synthetic>`` left out, sorted."""
    return sorted(m for m in models if m != SYNTHETIC_MODEL)


_set = object.__setattr__


class ReportRow(Frozen):
    """One line of a report (frozen, as :class:`~tokentrail.ledger.frozen.Frozen` says).

    ``key``: the group (ISO date, week start date, ``YYYY-MM``, session id, project path,
    model id, agent type, git branch, or the block's start as ISO local time). ``totals``
    and ``models`` (totals per model id) are exact sums. ``extra`` holds kind-specific
    values (session: project, first/last activity; blocks: end, active flag, burn rate
    and projection) as JSON-ready scalars (money as Decimal).
    """

    __match_args__ = ("key", "totals", "models", "extra")
    __slots__ = __match_args__

    key: str
    totals: Totals
    models: Mapping[str, Totals]
    extra: Mapping[str, object]

    def __init__(
        self,
        key: str,
        totals: Totals,
        models: Mapping[str, Totals],
        extra: Mapping[str, object] | None = None,
    ) -> None:
        _set(self, "key", key)
        _set(self, "totals", totals)
        _set(self, "models", models)
        _set(self, "extra", {} if extra is None else extra)


class Report(Frozen):
    """A whole report: its kind, rows (already ordered), totals and the query it answers.

    ``timezone`` is the IANA name used for day boundaries (for local time the system's
    zone name, else its UTC offset, never ``"local"``); ``filters`` the since / until /
    project / model filters applied, as strings.
    """

    __match_args__ = ("kind", "rows", "totals", "models", "timezone", "filters")
    __slots__ = __match_args__

    kind: str
    rows: list[ReportRow]
    totals: Totals
    models: Mapping[str, Totals]
    timezone: str
    filters: Mapping[str, object]

    def __init__(
        self,
        kind: str,
        rows: list[ReportRow],
        totals: Totals,
        models: Mapping[str, Totals],
        timezone: str,
        filters: Mapping[str, object] | None = None,
    ) -> None:
        _set(self, "kind", kind)
        _set(self, "rows", rows)
        _set(self, "totals", totals)
        _set(self, "models", models)
        _set(self, "timezone", timezone)
        _set(self, "filters", {} if filters is None else filters)

    @property
    def key_name(self) -> str:
        """Name of the key column (``date``, ``session_id``...)."""
        return KINDS[self.kind][0]

    @property
    def list_name(self) -> str:
        """Name of the JSON list of rows (``daily``, ``sessions``...)."""
        return KINDS[self.kind][1]

    @property
    def title(self) -> str:
        """Human title for tables."""
        return KINDS[self.kind][2]
