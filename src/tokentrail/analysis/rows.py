"""The analysis layer's input: one request's usage as plain ints (:class:`RequestRow`).

Every analysis accepts public :class:`~tokentrail.types.UsageRecord` objects or ready-made
:class:`RequestRow` values (what the CLI builds straight from ledger rows, without pydantic).
A row holds one :class:`~tokentrail.pricing.extract.Call` per sampling call: one per entry of
``usage.iterations`` (compaction, advisor and fallback entries included, in order), else one
call for the top-level counts. Counts are tokens; ``ts`` is POSIX seconds (UTC).

Threads: Claude Code writes a subagent's requests under its parent's session id, so one
session holds several conversations. :func:`split_threads` separates them by
(session id, agent id); the context analyses expect one thread, the cache analyses split
further by model (prompt caches are per model).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone

from tokentrail.pricing.extract import Call, read_request
from tokentrail.types import UsageRecord

__all__ = [
    "CONVERSATION_KINDS",
    "SYNTHETIC",
    "Call",
    "RequestRow",
    "as_rows",
    "row_from_record",
    "sorted_rows",
    "split_threads",
]

#: Claude Code's placeholder model for locally generated messages: no API call, skipped.
SYNTHETIC = "<synthetic>"

#: Iteration kinds that sample the conversation itself (their input is the conversation
#: context). ``fallback_message`` takes the place of the ``message`` entry that completed a
#: fallback-served turn (SDK docstring), so it is on the conversation track too.
CONVERSATION_KINDS = frozenset({None, "message", "fallback_message"})

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_DAYS: dict[int, date] = {}


def utc_day_of(ts: float) -> date:  # float ok: POSIX seconds
    """UTC calendar day of POSIX seconds ``ts`` (memoised per day)."""
    n = int(ts // 86400)
    d = _DAYS.get(n)
    if d is None:
        d = _DAYS[n] = date.fromordinal(_EPOCH.date().toordinal() + n)
    return d


@dataclass(frozen=True, slots=True)
class RequestRow:
    """One request's usage in analysis form.

    * ``ts``: request time, POSIX seconds UTC; ``day``: its UTC day (selects prices).
    * ``model``: the model id as reported (any spelling the catalog resolves).
    * ``calls``: one per sampling call, in order (see module doc); ``has_iterations`` says
      whether they came from ``usage.iterations``.
    * ``speed`` / ``service_tier`` / ``inference_geo``: as reported (pricing inputs).
    * ``web_search_requests``: billed per request, not per token.
    * ``session_id`` / ``agent_id`` / ``project`` / ``message_id``: attribution, or None.
    """

    ts: float  # float ok: POSIX seconds
    day: date
    model: str
    calls: tuple[Call, ...]
    has_iterations: bool = False
    speed: str | None = None
    service_tier: str | None = None
    inference_geo: str | None = None
    web_search_requests: int = 0
    session_id: str | None = None
    agent_id: str | None = None
    project: str | None = None
    message_id: str | None = None

    @property
    def at(self) -> datetime:
        """Request time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.ts, timezone.utc)

    @property
    def synthetic(self) -> bool:
        """True for Claude Code's ``<synthetic>`` lines (no API call)."""
        return self.model.strip().lower() == SYNTHETIC

    @classmethod
    def from_counts(
        cls,
        ts: float,  # float ok: POSIX seconds
        model: str,
        counts: tuple[int, int, int, int, int],
        *,
        split_missing: bool = False,
        **attrs: object,
    ) -> RequestRow:
        """A row without iterations from the five counts (input, 5m writes, 1h writes, cache
        reads, output), e.g. straight from a ledger row; ``attrs`` fill the other fields."""
        call = Call(None, None, None, counts, split_missing)
        return cls(ts, utc_day_of(ts), model, (call,), **attrs)  # type: ignore[arg-type]


def row_from_record(rec: UsageRecord) -> RequestRow:
    """The :class:`RequestRow` of a public :class:`UsageRecord` (parses its usage once)."""
    req = read_request(rec.usage)
    ts = rec.timestamp.timestamp()
    return RequestRow(
        ts=ts,
        day=rec.timestamp.astimezone(timezone.utc).date(),
        model=rec.model,
        calls=req.calls,
        has_iterations=req.has_iterations,
        speed=req.speed,
        service_tier=req.service_tier,
        inference_geo=req.inference_geo,
        web_search_requests=req.web_search_requests,
        session_id=rec.session_id,
        agent_id=rec.agent.id if rec.agent is not None else None,
        project=rec.project,
        message_id=rec.message_id,
    )


def as_rows(items: Iterable[UsageRecord | RequestRow]) -> Iterator[RequestRow]:
    """Rows for records or rows, in the order given."""
    for it in items:
        yield it if isinstance(it, RequestRow) else row_from_record(it)


def split_threads(
    rows: Iterable[UsageRecord | RequestRow],
) -> dict[tuple[str | None, str | None], list[RequestRow]]:
    """Rows grouped by (session id, agent id), each group sorted by time (stable).

    The main conversation of a Claude Code session has agent id None; each subagent run is
    its own thread. ``<synthetic>`` rows are dropped (no API call).
    """
    out: dict[tuple[str | None, str | None], list[RequestRow]] = {}
    for r in as_rows(rows):
        if not r.synthetic:
            out.setdefault((r.session_id, r.agent_id), []).append(r)
    for group in out.values():
        group.sort(key=_ts)
    return out


def _ts(r: RequestRow) -> float:  # float ok: POSIX seconds
    return r.ts


def sorted_rows(rows: Iterable[UsageRecord | RequestRow]) -> Sequence[RequestRow]:
    """Non-synthetic rows sorted by time (stable)."""
    return sorted((r for r in as_rows(rows) if not r.synthetic), key=_ts)
