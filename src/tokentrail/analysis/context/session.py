"""How the context grew across the requests of one thread (a session or a subagent run).

Every request is analysed with :func:`tokentrail.analysis.context.record_context`'s rules;
the thread adds: the **curve** (every conversation call in time order: per request, and per
iteration where the usage has ``iterations``), growth between requests, crossings judged
against the previous request's last conversation call, compactions (a compaction whose
request ends without a conversation call takes its ``context_after`` from the next
conversation call of the thread, and that call is marked ``after_compaction``; one opening
a request takes its ``context_before`` from the previous request's last conversation call),
the peak, and the **time above** each threshold (see
:data:`TIME_ABOVE_RULE`). Tokens are ints, times POSIX seconds (UTC), money exact USD.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from tokentrail.analysis.context.record import (
    CompactionEvent,
    Crossing,
    RecordContext,
    _analyse,
    _Models,
)
from tokentrail.analysis.rates import RateBook
from tokentrail.analysis.rows import RequestRow, sorted_rows
from tokentrail.types import UsageRecord

__all__ = ["TIME_ABOVE_RULE", "CurvePoint", "SessionContext", "TimeAbove", "session_context"]


@dataclass(frozen=True)
class CurvePoint:
    """One point of a session's context curve: a conversation call of request
    ``request_index`` (``index`` = iteration, None without iterations) at ``ts`` (POSIX s)."""

    request_index: int
    index: int | None
    kind: str
    ts: float  # float ok: POSIX seconds
    context_tokens: int
    growth: int | None
    above: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "request_index": self.request_index,
            "index": self.index,
            "kind": self.kind,
            "timestamp": datetime.fromtimestamp(self.ts, timezone.utc).isoformat(),
            "context_tokens": self.context_tokens,
            "growth": self.growth,
            "above": list(self.above),
        }


@dataclass(frozen=True)
class TimeAbove:
    """Wall time (seconds) and requests whose final window was above a threshold ``name``.

    ``tokens`` is the threshold when every request's model had the same value, else None.
    """

    name: str
    tokens: int | None
    seconds: float
    requests: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "tokens": self.tokens,
            "seconds": self.seconds,
            "requests": self.requests,
        }


#: How :attr:`SessionContext.time_above` is measured.
TIME_ABOVE_RULE = (
    "after each request the context stays at that request's final window until the next "
    "request of the thread; time above a threshold = sum of the gaps to the next request "
    "whose preceding request ended above it (the last request adds no time: the session's "
    "end is not recorded)"
)


@dataclass(frozen=True)
class SessionContext:
    """Context across the requests of one thread (a session or one of its subagent runs).

    ``requests``: each request's :class:`RecordContext`, oldest first; ``curve``: every
    conversation call in order; ``request_growth``: final window − previous final window per
    request (None for the first or when unknown).
    """

    session_id: str | None
    agent_id: str | None
    requests: tuple[RecordContext, ...]
    curve: tuple[CurvePoint, ...]
    request_growth: tuple[int | None, ...]
    crossings: tuple[Crossing, ...]
    compactions: tuple[CompactionEvent, ...]
    time_above: tuple[TimeAbove, ...]
    span_seconds: float
    rule: str = TIME_ABOVE_RULE

    @property
    def peak(self) -> CurvePoint | None:
        """The largest conversation context of the thread (first one on ties)."""
        return max(self.curve, key=lambda p: p.context_tokens, default=None)

    def to_dict(self) -> dict[str, Any]:
        peak = self.peak
        return {
            "session_id": self.session_id,
            "agent_id": self.agent_id,
            "requests": [
                {**r.to_dict(), "request_index": i, "growth": g}
                for i, (r, g) in enumerate(zip(self.requests, self.request_growth, strict=True))
            ],
            "curve": [p.to_dict() for p in self.curve],
            "peak": None if peak is None else peak.to_dict(),
            "crossings": [c.to_dict() for c in self.crossings],
            "compactions": [c.to_dict() for c in self.compactions],
            "time_above": [t.to_dict() for t in self.time_above],
            "time_above_rule": self.rule,
            "span_seconds": self.span_seconds,
        }


def session_context(
    records: Iterable[UsageRecord | RequestRow], *, book: RateBook | None = None
) -> SessionContext:
    """Context growth across the requests of one thread, sorted by time.

    Pass one thread (see :func:`tokentrail.analysis.split_threads`): a subagent's requests
    mixed into the main conversation would make the curve jump. ``<synthetic>`` rows are
    skipped. Time above thresholds follows :data:`TIME_ABOVE_RULE`.
    """
    rows = sorted_rows(records)
    models = _Models(book or RateBook())
    out: list[RecordContext] = []
    curve: list[CurvePoint] = []
    growth: list[int | None] = []
    compactions: list[CompactionEvent] = []
    open_compactions: list[int] = []  # indexes in `compactions` still without an after
    prev: int | None = None
    prev_final: int | None = None
    prev_above: tuple[str, ...] = ()
    pending = False  # a compaction came after the thread's last conversation call
    for i, row in enumerate(rows):
        rc = _analyse(row, models, i, prev, pending, prev_above)
        out.append(rc)
        growth.append(
            None if prev_final is None or rc.final_window is None else rc.final_window - prev_final
        )
        first_conv = next((s.context_tokens for s in rc.steps if s.conversation), None)
        if first_conv is not None:
            for k in open_compactions:
                compactions[k] = compactions[k].with_after(first_conv)
            open_compactions = []
        for ev in rc.compactions:
            compactions.append(ev)
            if ev.context_after is None:
                open_compactions.append(len(compactions) - 1)
        for s in rc.steps:
            if s.conversation:
                curve.append(
                    CurvePoint(i, s.index, s.kind, row.ts, s.context_tokens, s.growth, s.above)
                )
                prev = s.context_tokens
                prev_above = s.above
                pending = False
            elif s.kind == "compaction":
                pending = True
        if rc.final_window is not None:
            prev_final = rc.final_window
    return SessionContext(
        session_id=rows[0].session_id if rows else None,
        agent_id=rows[0].agent_id if rows else None,
        requests=tuple(out),
        curve=tuple(curve),
        request_growth=tuple(growth),
        crossings=tuple(c for r in out for c in r.crossings),
        compactions=tuple(compactions),
        time_above=_time_above(rows, out),
        span_seconds=(rows[-1].ts - rows[0].ts) if rows else 0.0,
    )


def _time_above(rows: Sequence[RequestRow], ctxs: Sequence[RecordContext]) -> tuple[TimeAbove, ...]:
    seconds: dict[str, float] = {}
    count: dict[str, int] = {}
    values: dict[str, set[int]] = {}
    for i, rc in enumerate(ctxs):
        for t in rc.thresholds:
            seconds.setdefault(t.name, 0.0)
            count.setdefault(t.name, 0)
            values.setdefault(t.name, set()).add(t.tokens)
            if rc.final_window is not None and rc.final_window > t.tokens:
                count[t.name] += 1
                if i + 1 < len(rows):
                    seconds[t.name] += rows[i + 1].ts - rows[i].ts
    return tuple(
        TimeAbove(
            name, next(iter(values[name])) if len(values[name]) == 1 else None, s, count[name]
        )
        for name, s in seconds.items()
    )
