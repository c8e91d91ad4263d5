"""Context analysis: per-iteration context of one request, growth across a thread.

* :func:`record_context` — one request: context per sampling iteration, final window,
  threshold crossings, compactions, headroom, tool-loop growth (:mod:`.record`).
* :func:`session_context` — one thread: the growth curve, compactions, peak, time above
  thresholds (:mod:`.session`).
"""

from __future__ import annotations

from tokentrail.analysis.context.record import (
    LEGACY_LONG_CONTEXT_WINDOW,
    LONG_CONTEXT_TOKENS,
    CompactionEvent,
    Crossing,
    RecordContext,
    StepContext,
    Threshold,
    record_context,
)
from tokentrail.analysis.context.session import (
    TIME_ABOVE_RULE,
    CurvePoint,
    SessionContext,
    TimeAbove,
    session_context,
)

__all__ = [
    "LEGACY_LONG_CONTEXT_WINDOW",
    "LONG_CONTEXT_TOKENS",
    "TIME_ABOVE_RULE",
    "CompactionEvent",
    "Crossing",
    "CurvePoint",
    "RecordContext",
    "SessionContext",
    "StepContext",
    "Threshold",
    "TimeAbove",
    "record_context",
    "session_context",
]
