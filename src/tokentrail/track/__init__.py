"""Live tracking of Python programs: instrumented clients, runs and budgets.

* :func:`track` — instrument an ``anthropic`` client (sync or async; Bedrock / Vertex too)
  so every completed response becomes a ledger record (source ``"sdk"``).
* :func:`run` — a named run (sync / async context manager, nestable, per thread / task)
  with live ``cost`` / ``usage`` / ``records`` and an optional USD budget enforced before
  each request (:class:`~tokentrail.errors.BudgetExceeded`).
* :func:`flush` — wait until queued records are written (the writer is a background thread).

Money is :class:`~decimal.Decimal` USD; token counts are ints. ``anthropic`` is an optional
extra (``pip install 'tokentrail[anthropic]'``); this package never imports it.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from tokentrail.errors import BudgetExceeded
from tokentrail.track.client import track
from tokentrail.track.recorder import _warm_up
from tokentrail.track.runs import BudgetWarning, Run, current_run, run
from tokentrail.track.writer import LedgerWriter, WriterStats, flush, get_writer

__all__ = [
    "BudgetExceeded",
    "BudgetWarning",
    "LedgerWriter",
    "Run",
    "WriterStats",
    "current_run",
    "flush",
    "get_writer",
    "run",
    "track",
]


class _CallableModule(types.ModuleType):
    """Lets ``tokentrail.track(client)`` work even after ``import tokentrail.track``
    (importing the subpackage rebinds the parent's ``track`` attribute to this module)."""

    def __call__(self, client: Any, **kwargs: Any) -> Any:
        return track(client, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

# Load the price catalog in the background now, while the program is still setting up, so
# the first tracked call never waits for (or competes with) it.
_warm_up()
