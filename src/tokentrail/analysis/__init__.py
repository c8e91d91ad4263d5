"""Analysis: what the iterations and cache fields of usage records are telling you.

Works on iterables of :class:`~tokentrail.types.UsageRecord` (what a ledger's ``records()``
yields) or ready-made :class:`RequestRow` values. Layer rule: imports types, pricing, errors
and _money only.

* :mod:`tokentrail.analysis.context` — context size per iteration, final window, threshold
  crossings, compactions, headroom; growth across a session.
* :mod:`tokentrail.analysis.cache` — hit ratio, savings against no caching, unread writes,
  5m-vs-1h what-if, break-even reads (replay in :mod:`tokentrail.analysis.cache_sim`).
* :mod:`tokentrail.analysis.whatif` — the same records under another model, batch tier or
  TTL policy (an estimate).

Tokens are ints; money exact :class:`~decimal.Decimal` USD.
"""

from __future__ import annotations

from tokentrail.analysis.cache import BreakEven, CacheFigures, CacheReport, cache_report
from tokentrail.analysis.context import (
    RecordContext,
    SessionContext,
    record_context,
    session_context,
)
from tokentrail.analysis.rates import RateBook
from tokentrail.analysis.rows import RequestRow, split_threads
from tokentrail.analysis.whatif import WhatIf, reprice

__all__ = [
    "BreakEven",
    "CacheFigures",
    "CacheReport",
    "RateBook",
    "RecordContext",
    "RequestRow",
    "SessionContext",
    "WhatIf",
    "cache_report",
    "record_context",
    "reprice",
    "session_context",
    "split_threads",
]
