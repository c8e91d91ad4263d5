"""Runs: named spans of a program whose requests are counted, costed and budgeted together.

``with tokentrail.run("nightly-eval", budget="5.00", tags={"team": "eval"}) as r:`` (or
``async with``) makes ``r`` the *current run* of the calling context: a
:class:`contextvars.ContextVar`, so each thread and each asyncio task sees its own current
run (a task inherits the run active when it was created; a thread started inside a run does
**not**, unless started through :func:`contextvars.copy_context`). Runs nest: a record is
attributed to the innermost run and counted in it and every enclosing run.

Budget: before each tracked request is sent, every run of the chain is checked; when a run's
``cost`` has reached its ``budget`` (``cost >= budget``), the request is refused with
:class:`~tokentrail.errors.BudgetExceeded` (``on_exceed="raise"``, the default) or sent after
a :class:`BudgetWarning` (``on_exceed="warn"``). Requests already in flight when the budget is
reached still complete and count, so concurrent code can overshoot by what is in flight.

Money is :class:`~decimal.Decimal` USD; a request whose model is not in the price catalog
counts in ``unpriced`` and adds nothing to ``cost`` (never a silent zero).
"""

from __future__ import annotations

import threading
import time
import uuid
import warnings
from collections.abc import Mapping
from contextvars import ContextVar, Token
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Literal

from tokentrail.errors import BudgetExceeded, UserInputError
from tokentrail.ingest.records import CCRecord, to_usage_record
from tokentrail.ledger.costing import pico_to_usd
from tokentrail.ledger.runs import RunRow
from tokentrail.types import TokenCounts

if TYPE_CHECKING:
    from tokentrail.types import UsageRecord

__all__ = ["BudgetWarning", "Run", "current_run", "run"]

OnExceed = Literal["raise", "warn"]

_CURRENT: ContextVar[Run | None] = ContextVar("tokentrail_current_run", default=None)


class BudgetWarning(UserWarning):
    """Issued instead of :class:`BudgetExceeded` when a run uses ``on_exceed="warn"``."""


def _usd(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("0", "-0") else text


def current_run() -> Run | None:
    """The innermost run active in this thread / task, or ``None``."""
    return _CURRENT.get()


def _parse_budget(budget: object) -> Decimal | None:
    if budget is None:
        return None
    if isinstance(budget, float):
        raise UserInputError(
            f"budget must be a Decimal, int or decimal string (USD), not a float: {budget!r}"
        )
    try:
        value = Decimal(str(budget)) if not isinstance(budget, Decimal) else budget
    except InvalidOperation:
        raise UserInputError(f"budget is not a USD amount: {budget!r}") from None
    if not value.is_finite() or value < 0:
        raise UserInputError(f"budget must be a finite amount >= 0 USD, got {budget!r}")
    return value


class Run:
    """A named run; use :func:`run` to create one. Thread-safe.

    * ``cost``: USD spent by completed requests of this run and its nested runs.
    * ``usage``: their summed :class:`~tokentrail.types.TokenCounts` (tokens).
    * ``requests``: completed requests; ``unpriced``: those without a price.
    * ``records``: their :class:`~tokentrail.types.UsageRecord`, in completion order.
    * ``status``: ``"running"``, then ``"ok"``, ``"error"`` or ``"budget_exceeded"``.
    """

    def __init__(
        self,
        name: str,
        *,
        budget: Decimal | str | int | None = None,
        tags: Mapping[str, str] | None = None,
        on_exceed: OnExceed = "raise",
        keep_records: bool = True,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise UserInputError(f"run name must be a non-empty string, got {name!r}")
        if on_exceed not in ("raise", "warn"):
            raise UserInputError(f'on_exceed must be "raise" or "warn", got {on_exceed!r}')
        self.name = name
        self.id = uuid.uuid4().hex
        self.budget = _parse_budget(budget)
        self.tags: dict[str, str] = {str(k): str(v) for k, v in (tags or {}).items()}
        self.on_exceed: OnExceed = on_exceed
        self.parent: Run | None = None
        self.started_ms: int | None = None
        self.ended_ms: int | None = None
        self.status = "created"
        self._lock = threading.Lock()
        self._settled = threading.Condition(self._lock)
        self._pending = 0  # requests completed but not priced yet (catalog still loading)
        self._cost_pico = 0
        self._unpriced = 0
        self._counts = TokenCounts()
        self._rows: list[CCRecord] = []
        self._requests = 0
        self.keep_records = keep_records
        self._token: Token[Run | None] | None = None
        self._writers: list[object] = []

    # -- figures --------------------------------------------------------------------------

    @property
    def cost(self) -> Decimal:
        """USD spent so far by completed requests (nested runs included)."""
        with self._lock:
            self._settle()
            return pico_to_usd(self._cost_pico)

    @property
    def usage(self) -> TokenCounts:
        """Summed token counts of completed requests (nested runs included)."""
        with self._lock:
            self._settle()
            return self._counts

    @property
    def requests(self) -> int:
        """Completed requests (nested runs included)."""
        with self._lock:
            self._settle()
            return self._requests

    @property
    def unpriced(self) -> int:
        """Completed requests whose model has no price (not in ``cost``)."""
        with self._lock:
            self._settle()
            return self._unpriced

    @property
    def records(self) -> list[UsageRecord]:
        """The usage records of completed requests (nested runs included), oldest first;
        empty when the run was made with ``keep_records=False``."""
        with self._lock:
            self._settle()
            rows = list(self._rows)
        return [to_usage_record(r) for r in rows]

    def chain(self) -> list[Run]:
        """This run and its enclosing runs, innermost first."""
        out: list[Run] = []
        node: Run | None = self
        while node is not None:
            out.append(node)
            node = node.parent
        return out

    def row(self) -> RunRow:
        """The run as stored in the ledger."""
        return RunRow(
            id=self.id,
            name=self.name,
            parent_id=self.parent.id if self.parent else None,
            started_ms=self.started_ms or 0,
            ended_ms=self.ended_ms,
            budget=self.budget,
            tags=dict(self.tags),
            status="running" if self.status == "created" else self.status,
        )

    # -- accounting (called by the tracker) ----------------------------------------------

    def _settle(self) -> None:
        # Called holding the lock. Only the first requests of a process can be pending (while
        # the price catalog loads in the background, tens of ms); wait for them so figures
        # and budget checks are exact.
        if self._pending:
            self._settled.wait_for(lambda: not self._pending, timeout=30)

    def _defer(self) -> None:
        """A completed request whose cost is computed in the background (see ``_add``)."""
        with self._lock:
            self._pending += 1

    def _add(self, record: CCRecord, cost_pico: int | None, deferred: bool = False) -> None:
        counts = TokenCounts(
            input_tokens=record.input_tokens,
            cache_write_5m_tokens=record.cache_5m_tokens,
            cache_write_1h_tokens=record.cache_1h_tokens,
            cache_read_tokens=record.cache_read_tokens,
            output_tokens=record.output_tokens,
        )
        with self._lock:
            self._requests += 1
            if self.keep_records:
                self._rows.append(record)
            self._counts = self._counts + counts
            if cost_pico is None:
                self._unpriced += 1
            else:
                self._cost_pico += cost_pico
            if deferred:
                self._pending -= 1
                self._settled.notify_all()

    def _check(self) -> None:
        """Refuse (or warn) if this run's cost has reached its budget."""
        if self.budget is None:
            return
        cost = self.cost
        if cost < self.budget:
            return
        if self.on_exceed == "warn":
            warnings.warn(
                f"run {self.name!r} is over its budget: cost ${_usd(cost)} >= budget "
                f"${_usd(self.budget)}",
                BudgetWarning,
                stacklevel=4,
            )
            return
        raise BudgetExceeded(self.name, self.budget, cost)

    # -- context manager ------------------------------------------------------------------

    def __enter__(self) -> Run:
        if self._token is not None or self.status != "created":
            raise UserInputError(f"run {self.name!r} was already entered; create a new run")
        self.parent = _CURRENT.get()
        self.started_ms = int(time.time() * 1000)
        self.status = "running"
        self._token = _CURRENT.set(self)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        self.ended_ms = int(time.time() * 1000)
        if exc_type is None:
            self.status = "ok"
        elif issubclass(exc_type, BudgetExceeded):
            self.status = "budget_exceeded"
        else:
            self.status = "error"
        if self._token is not None:
            try:
                _CURRENT.reset(self._token)
            except ValueError:  # exited in another context: restore the parent
                _CURRENT.set(self.parent)
            self._token = None
        from tokentrail.track.writer import run_finished

        run_finished(self)

    async def __aenter__(self) -> Run:
        return self.__enter__()

    async def __aexit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        self.__exit__(exc_type, *rest)

    def __repr__(self) -> str:
        budget = "" if self.budget is None else f", budget=${_usd(self.budget)}"
        return f"<Run {self.name!r} {self.status} cost=${_usd(self.cost)}{budget}>"


def run(
    name: str,
    *,
    budget: Decimal | str | int | None = None,
    tags: Mapping[str, str] | None = None,
    on_exceed: OnExceed = "raise",
    keep_records: bool = True,
) -> Run:
    """A run to use as ``with`` / ``async with`` context manager (see the module docstring).

    ``budget`` is USD as a :class:`~decimal.Decimal`, ``int`` or decimal string (``"5.00"``);
    a ``float`` is refused (:class:`~tokentrail.errors.UserInputError`). ``tags`` are added
    to every record of the run (inner runs' tags win over outer ones'). A run keeps its
    records in memory for :attr:`Run.records` (a compact row, about half a KB, per request);
    a very long run can pass ``keep_records=False`` (cost, usage and budget still work; the
    records are in the ledger either way).
    """
    return Run(name, budget=budget, tags=tags, on_exceed=on_exceed, keep_records=keep_records)
