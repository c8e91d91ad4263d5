"""Exact usage sums and the aggregate query / row that carry them (standard library only).

:class:`Totals`, :class:`AggregateQuery` and :class:`AggregateRow` are re-exported by
:mod:`tokentrail.ledger.protocol` (their documented home). They are plain classes with
``__slots__`` that behave as frozen dataclasses do (keyword or positional construction,
field equality, hashing, ``repr``, ``FrozenInstanceError`` on assignment, pickling),
without loading :mod:`dataclasses`: a warm report builds them before anything heavier is
imported. Token counts are ints; money is :class:`~decimal.Decimal` USD.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, tzinfo
from decimal import Decimal

from tokentrail.ledger.frozen import Frozen

TYPE_CHECKING = False  # typing's constant without importing typing (~10 ms a run)

__all__ = [
    "AggregateQuery",
    "AggregateRow",
    "GroupBy",
    "Totals",
    "fold_totals",
    "merge_flags",
    "usd_from_pico",
]

if TYPE_CHECKING:
    from typing import Literal

    GroupBy = Literal["day", "month", "session", "project", "model", "agent", "branch"]
else:  # a name for type checkers: plain ``str`` at run time (annotations are not evaluated)
    GroupBy = str

_set = object.__setattr__
_ZERO = Decimal(0)


def usd_from_pico(pico: int) -> Decimal:
    """Exact USD for an integer amount of picodollars (re-exported as
    :func:`tokentrail.ledger.costing.pico_to_usd`)."""
    return Decimal(pico).scaleb(-12)


class Totals(Frozen):
    """Sums over a set of deduplicated records.

    ``requests`` counts billable requests (``<synthetic>`` lines are counted apart in
    ``synthetic``); ``incomplete`` counts requests whose best record never got a
    ``stop_reason`` (output may be under-reported by the log); ``unpriced`` counts
    requests with no price (unknown model or no pricing available): ``cost`` excludes them,
    it is never a silent zero. ``cache_creation_tokens`` is the flat total of cache writes;
    ``cache_5m_tokens`` + ``cache_1h_tokens`` its known TTL split. ``flagged`` counts the
    priced requests whose cost rests on an assumption (the pricing engine raised flags for
    them; ``<synthetic>`` and unpriced records never count), ``flags`` is the sorted union of
    their flag codes (``tokentrail explain ID`` tells one record's story).
    """

    __match_args__ = (
        "requests",
        "synthetic",
        "incomplete",
        "unpriced",
        "input_tokens",
        "cache_creation_tokens",
        "cache_5m_tokens",
        "cache_1h_tokens",
        "cache_read_tokens",
        "output_tokens",
        "web_search_requests",
        "web_fetch_requests",
        "cost",
        "flagged",
        "flags",
    )
    __slots__ = __match_args__

    requests: int
    synthetic: int
    incomplete: int
    unpriced: int
    input_tokens: int
    cache_creation_tokens: int
    cache_5m_tokens: int
    cache_1h_tokens: int
    cache_read_tokens: int
    output_tokens: int
    web_search_requests: int
    web_fetch_requests: int
    cost: Decimal
    flagged: int
    flags: tuple[str, ...]

    def __init__(
        self,
        requests: int = 0,
        synthetic: int = 0,
        incomplete: int = 0,
        unpriced: int = 0,
        input_tokens: int = 0,
        cache_creation_tokens: int = 0,
        cache_5m_tokens: int = 0,
        cache_1h_tokens: int = 0,
        cache_read_tokens: int = 0,
        output_tokens: int = 0,
        web_search_requests: int = 0,
        web_fetch_requests: int = 0,
        cost: Decimal = _ZERO,
        flagged: int = 0,
        flags: tuple[str, ...] = (),
    ) -> None:
        _set(self, "requests", requests)
        _set(self, "synthetic", synthetic)
        _set(self, "incomplete", incomplete)
        _set(self, "unpriced", unpriced)
        _set(self, "input_tokens", input_tokens)
        _set(self, "cache_creation_tokens", cache_creation_tokens)
        _set(self, "cache_5m_tokens", cache_5m_tokens)
        _set(self, "cache_1h_tokens", cache_1h_tokens)
        _set(self, "cache_read_tokens", cache_read_tokens)
        _set(self, "output_tokens", output_tokens)
        _set(self, "web_search_requests", web_search_requests)
        _set(self, "web_fetch_requests", web_fetch_requests)
        _set(self, "cost", cost)
        _set(self, "flagged", flagged)
        _set(self, "flags", flags)

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.requests + other.requests,
            self.synthetic + other.synthetic,
            self.incomplete + other.incomplete,
            self.unpriced + other.unpriced,
            self.input_tokens + other.input_tokens,
            self.cache_creation_tokens + other.cache_creation_tokens,
            self.cache_5m_tokens + other.cache_5m_tokens,
            self.cache_1h_tokens + other.cache_1h_tokens,
            self.cache_read_tokens + other.cache_read_tokens,
            self.output_tokens + other.output_tokens,
            self.web_search_requests + other.web_search_requests,
            self.web_fetch_requests + other.web_fetch_requests,
            self.cost + other.cost,
            self.flagged + other.flagged,
            self.flags
            if not other.flags or other.flags == self.flags
            else merge_flags(self.flags, other.flags),
        )

    @property
    def total_tokens(self) -> int:
        """Input + cache writes + cache reads + output tokens."""
        return (
            self.input_tokens
            + self.cache_creation_tokens
            + self.cache_read_tokens
            + self.output_tokens
        )


def fold_totals(first: Totals, rest: Iterable[Totals]) -> Totals:
    """``first + t1 + t2 + ...`` for the ``rest`` in order (the same left fold, the same
    Decimal additions), without a :class:`Totals` for each partial sum."""
    req, syn, inc, unp = first.requests, first.synthetic, first.incomplete, first.unpriced
    inp, cc, c5, c1 = (
        first.input_tokens,
        first.cache_creation_tokens,
        first.cache_5m_tokens,
        first.cache_1h_tokens,
    )
    cr, out, ws, wf = (
        first.cache_read_tokens,
        first.output_tokens,
        first.web_search_requests,
        first.web_fetch_requests,
    )
    cost = first.cost
    flagged, flags = first.flagged, first.flags
    n = 0
    for t in rest:
        n += 1
        req += t.requests
        syn += t.synthetic
        inc += t.incomplete
        unp += t.unpriced
        inp += t.input_tokens
        cc += t.cache_creation_tokens
        c5 += t.cache_5m_tokens
        c1 += t.cache_1h_tokens
        cr += t.cache_read_tokens
        out += t.output_tokens
        ws += t.web_search_requests
        wf += t.web_fetch_requests
        cost += t.cost
        if t.flagged:
            flagged += t.flagged
            flags = merge_flags(flags, t.flags)
    if not n:
        return first
    return Totals(req, syn, inc, unp, inp, cc, c5, c1, cr, out, ws, wf, cost, flagged, flags)


def merge_flags(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    """The sorted union of two sorted tuples of flag codes."""
    if not b or a == b:
        return a
    if not a:
        return b
    return tuple(sorted(set(a) | set(b)))


class AggregateRow(Frozen):
    """One group of an aggregate: ``key`` (ISO date ``YYYY-MM-DD``, month ``YYYY-MM``,
    session id, project, model, agent type or git branch), its totals, totals per model,
    and for sessions the project and the first / last local day with activity."""

    __match_args__ = ("key", "totals", "models", "project", "first_day", "last_day")
    __slots__ = __match_args__

    key: str
    totals: Totals
    models: Mapping[str, Totals]
    project: str | None
    first_day: str | None
    last_day: str | None

    def __init__(
        self,
        key: str,
        totals: Totals,
        models: Mapping[str, Totals],
        project: str | None = None,
        first_day: str | None = None,
        last_day: str | None = None,
    ) -> None:
        _set(self, "key", key)
        _set(self, "totals", totals)
        _set(self, "models", models)
        _set(self, "project", project)
        _set(self, "first_day", first_day)
        _set(self, "last_day", last_day)


class AggregateQuery(Frozen):
    """What to aggregate: ``group_by``; ``tz`` for day/month boundaries (``None`` = the
    process's local time, honouring ``TZ``); optional inclusive local-date bounds and
    exact-match filters."""

    __match_args__ = ("group_by", "tz", "since", "until", "models", "project", "session_id")
    __slots__ = __match_args__

    group_by: GroupBy
    tz: tzinfo | None
    since: date | None
    until: date | None
    models: Sequence[str]
    project: str | None
    session_id: str | None

    def __init__(
        self,
        group_by: GroupBy = "day",
        tz: tzinfo | None = None,
        since: date | None = None,
        until: date | None = None,
        models: Sequence[str] = (),
        project: str | None = None,
        session_id: str | None = None,
    ) -> None:
        _set(self, "group_by", group_by)
        _set(self, "tz", tz)
        _set(self, "since", since)
        _set(self, "until", until)
        _set(self, "models", models)
        _set(self, "project", project)
        _set(self, "session_id", session_id)
