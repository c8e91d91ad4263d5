"""How big the context was at each sampling iteration of one request.

Definitions (all counts are tokens):

* **context of a call** = uncached input + cache writes (5m + 1h) + cache reads of that call
  (output is not part of the prompt it was sampled from).
* **conversation track**: calls of kind ``message`` and ``fallback_message`` (a fallback entry
  takes the place of the ``message`` entry that completed the turn), or the top-level counts
  of a request without ``iterations``. ``compaction`` calls (the summarising call),
  ``advisor_message`` calls (the advisor's own prompt, on its own model) and unknown kinds
  are shown per step but are not on the track.
* **final window** of a request = context of its last conversation call — never a compaction
  entry (the SDK's rule), None when the request has no conversation call.
* **thresholds** (crossed when a context is *strictly above*): ``200k`` (200,000, the classic
  long-context line), ``context_window`` (the model's own window from the catalog) and
  ``price_tier`` (the tier row in force for that model, day and speed, e.g. Claude Haiku 5.5
  above 100,000 or the legacy >200K premium). Each step is judged against its own model.
  A **crossing** is a conversation call above a threshold of its model whose previous
  conversation call (in this request, or the previous request of the thread) was not above
  the threshold of that name of *its* model — so a fallback onto a smaller window that the
  context already exceeds is a crossing of that window.
* **window** of a model = its catalog context window, except while its ``long_context_legacy``
  rate row applies (Claude Sonnet 4 / 4.5 until 2026-04-30: the 1M beta): then
  :data:`LEGACY_LONG_CONTEXT_WINDOW`, since requests above 200K were served then.
* **growth** of a conversation call = its context − the previous conversation call's context;
  across a compaction it is marked ``after_compaction``. ``loop_growth`` of a request = the
  sum of the growth of its conversation calls after its first one, compaction drops
  excluded: what a tool loop piled up within the request.
* **compaction**: a ``compaction`` entry reports the usage of the summarising call itself,
  not the size of the context it closed (SDK: "do not derive the context window size from a
  compaction entry"), so its counts only give its ``cost_usd`` (priced like the engine
  does). ``context_before`` = context of the previous conversation call (earlier in the
  request, else the last one of the previous requests of the thread): a lower bound of the
  closed context, which also held that call's output and tool results. ``context_after`` =
  context of the next conversation call (the summary plus what followed it). ``removed`` =
  max(0, before − after), never negative. With no conversation call before it
  ``context_before`` and ``removed`` are None (a note says so); with none after it (in the
  request, or in the thread for a session) ``context_after`` and ``removed`` are None.
* **headroom** = the model's context window − final window (negative = over).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from tokentrail._money import ZERO
from tokentrail.analysis.rates import COMPONENTS, RateBook
from tokentrail.analysis.rows import CONVERSATION_KINDS, RequestRow, as_rows
from tokentrail.errors import UnknownModelError
from tokentrail.pricing.breakdown import usd_str
from tokentrail.types import UsageRecord

__all__ = [
    "LEGACY_LONG_CONTEXT_WINDOW",
    "LONG_CONTEXT_TOKENS",
    "CompactionEvent",
    "Crossing",
    "RecordContext",
    "StepContext",
    "Threshold",
    "record_context",
]

#: The classic long-context line (tokens): requests above it paid the legacy premium.
LONG_CONTEXT_TOKENS = 200_000

#: The window (tokens) of the legacy 1M long-context beta (``context-1m-2025-08-07``), used
#: while a model's ``long_context_legacy`` rate row is in force and its catalog window is
#: smaller (Claude Sonnet 4 / 4.5 until 2026-04-30).
LEGACY_LONG_CONTEXT_WINDOW = 1_000_000


@dataclass(frozen=True)
class Threshold:
    """A context size worth knowing about: ``name`` (``200k`` / ``context_window`` /
    ``price_tier``), ``tokens`` (crossed when strictly above) and what it is."""

    name: str
    tokens: int
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "tokens": self.tokens, "note": self.note}


@dataclass(frozen=True)
class StepContext:
    """One sampling call of a request.

    ``index``: position in ``usage.iterations`` (None without iterations); ``kind``: the
    iteration type, ``request`` without iterations; ``model``: the model that ran it (catalog
    id when known). ``context_tokens`` = ``input_tokens + cache_write_tokens +
    cache_read_tokens``. ``window`` / ``headroom``: the model's window and window − context
    (negative = over), None for an unknown model. ``above``: threshold names exceeded.
    """

    index: int | None
    kind: str
    model: str
    input_tokens: int
    cache_write_tokens: int
    cache_read_tokens: int
    output_tokens: int
    conversation: bool
    growth: int | None
    after_compaction: bool
    window: int | None
    above: tuple[str, ...]

    @property
    def context_tokens(self) -> int:
        """Input + cache writes + cache reads, in tokens."""
        return self.input_tokens + self.cache_write_tokens + self.cache_read_tokens

    @property
    def headroom(self) -> int | None:
        """``window - context_tokens`` (negative when over), None for an unknown model."""
        return None if self.window is None else self.window - self.context_tokens

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "kind": self.kind,
            "model": self.model,
            "input_tokens": self.input_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "output_tokens": self.output_tokens,
            "context_tokens": self.context_tokens,
            "conversation": self.conversation,
            "growth": self.growth,
            "after_compaction": self.after_compaction,
            "window": self.window,
            "headroom": self.headroom,
            "above": list(self.above),
        }


@dataclass(frozen=True)
class CompactionEvent:
    """One ``compaction`` iteration (see the module doc for the before/after rule).

    ``input_tokens`` … ``output_tokens``: the summarising call's own usage (what it cost, not
    the size of the context it closed); ``cost_usd``: that call's cost (None when its model
    is unknown); ``context_before``: the previous conversation call's context, tokens (None
    when there is none); ``context_after``: the next conversation call's context (None when
    there is none); ``request_index``: the request's position in a session (None for one
    record).
    """

    request_index: int | None
    index: int
    input_tokens: int
    cache_write_tokens: int
    cache_read_tokens: int
    output_tokens: int
    cost_usd: Decimal | None
    context_before: int | None
    context_after: int | None

    @property
    def call_tokens(self) -> int:
        """Input + cache writes + cache reads of the summarising call itself (tokens)."""
        return self.input_tokens + self.cache_write_tokens + self.cache_read_tokens

    @property
    def removed(self) -> int | None:
        """``max(0, context_before - context_after)`` (tokens), None when either is unknown.

        Never negative: a next call larger than the call before the compaction means the
        compaction removed nothing that the figures can show."""
        if self.context_before is None or self.context_after is None:
            return None
        return max(0, self.context_before - self.context_after)

    def with_after(self, context_after: int) -> CompactionEvent:
        """A copy whose ``context_after`` is ``context_after`` (found in a later request)."""
        return replace(self, context_after=context_after)

    def to_dict(self) -> dict[str, Any]:
        return {
            "request_index": self.request_index,
            "index": self.index,
            "input_tokens": self.input_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "output_tokens": self.output_tokens,
            "call_tokens": self.call_tokens,
            "cost_usd": None if self.cost_usd is None else usd_str(self.cost_usd),
            "context_before": self.context_before,
            "context_after": self.context_after,
            "removed": self.removed,
        }


@dataclass(frozen=True)
class Crossing:
    """The conversation went from at/below ``tokens`` to above it at this call.

    ``from_tokens`` is the previous conversation context (None when there was none).
    """

    threshold: str
    tokens: int
    request_index: int | None
    index: int | None
    from_tokens: int | None
    to_tokens: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "tokens": self.tokens,
            "request_index": self.request_index,
            "index": self.index,
            "from_tokens": self.from_tokens,
            "to_tokens": self.to_tokens,
        }


@dataclass(frozen=True)
class RecordContext:
    """Context analysis of one request (see the module doc for every definition)."""

    model: str
    at: datetime
    steps: tuple[StepContext, ...]
    final_window: int | None
    window: int | None
    thresholds: tuple[Threshold, ...]
    crossings: tuple[Crossing, ...]
    compactions: tuple[CompactionEvent, ...]
    notes: tuple[str, ...] = ()

    @property
    def headroom(self) -> int | None:
        """Model window − final window (tokens; negative when over), None if unknown."""
        if self.window is None or self.final_window is None:
            return None
        return self.window - self.final_window

    @property
    def peak(self) -> int:
        """Largest conversation context of the request (0 when there is none)."""
        return max((s.context_tokens for s in self.steps if s.conversation), default=0)

    @property
    def loop_growth(self) -> int:
        """Tokens the conversation piled up within this request (a tool loop): the growth of
        each conversation call over the previous one, from the second conversation call on,
        calls right after a compaction excluded. 0 for a single call."""
        conv = [s for s in self.steps if s.conversation][1:]
        return sum(s.growth or 0 for s in conv if not s.after_compaction)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "timestamp": self.at.isoformat(),
            "final_window": self.final_window,
            "window": self.window,
            "headroom": self.headroom,
            "peak": self.peak,
            "loop_growth": self.loop_growth,
            "thresholds": [t.to_dict() for t in self.thresholds],
            "steps": [s.to_dict() for s in self.steps],
            "crossings": [c.to_dict() for c in self.crossings],
            "compactions": [c.to_dict() for c in self.compactions],
            "notes": list(self.notes),
        }


@dataclass
class _Models:
    """Per-model thresholds and windows, memoised (unknown models: 200k only)."""

    book: RateBook
    memo: dict[tuple[object, ...], tuple[int | None, tuple[Threshold, ...], str]] = field(
        default_factory=dict
    )

    def of(self, model: str, row: RequestRow) -> tuple[int | None, tuple[Threshold, ...], str]:
        key = (model, row.day, row.speed)
        hit = self.memo.get(key)
        if hit is not None:
            return hit
        base = Threshold("200k", LONG_CONTEXT_TOKENS, "the 200,000-token long-context line")
        try:
            spec = self.book.spec(model)
        except UnknownModelError:
            out: tuple[int | None, tuple[Threshold, ...], str] = (None, (base,), model)
        else:
            base_rates, tier, limit = self.book.plan(model, row.day, speed=row.speed)
            window = spec.context_window
            note = f"the {window:,}-token context window of {spec.id}"
            if tier.row == "long_context_legacy" and window < LEGACY_LONG_CONTEXT_WINDOW:
                window = LEGACY_LONG_CONTEXT_WINDOW
                note = f"the {window:,}-token window of the {spec.id} 1M beta on {row.day}"
            found = [base, Threshold("context_window", window, note)]
            if tier is not base_rates:
                found.append(
                    Threshold(
                        "price_tier",
                        limit,
                        f"{spec.id} {tier.row} rates above {limit:,} prompt tokens on {row.day}",
                    )
                )
            out = (window, tuple(found), spec.id)
        self.memo[key] = out
        return out


def _cost(book: RateBook, row: RequestRow, model: str, counts: Sequence[int]) -> Decimal | None:
    try:
        rates = book.rates(
            model,
            row.day,
            counts[0] + counts[1] + counts[2] + counts[3],
            speed=row.speed,
            service_tier=row.service_tier,
            inference_geo=row.inference_geo,
        )
    except UnknownModelError:
        return None
    total = ZERO
    for i, comp in enumerate(COMPONENTS):
        usd = rates.usd(comp, counts[i]) if counts[i] else ZERO
        total += usd or ZERO
    return total


def _analyse(
    row: RequestRow,
    models: _Models,
    request_index: int | None,
    prev: int | None,
    pending: bool = False,
    prev_above: tuple[str, ...] = (),
) -> RecordContext:
    """``prev``: context of the previous conversation call of the thread (an earlier
    request), or None; ``prev_above``: the thresholds that call was above (of its model);
    ``pending``: the thread's last step so far was a compaction (the first conversation
    call of this request comes after it)."""
    steps: list[StepContext] = []
    crossings: list[Crossing] = []
    compactions: list[tuple[int, int | None]] = []  # (position in steps, context before)
    notes: list[str] = []
    window, thresholds, model_id = models.of(row.model, row)
    last = prev
    last_above = prev_above
    pending_compaction = pending
    for call in row.calls:
        kind = call.type if call.index is not None else None
        cwin, cthr, cid = (
            models.of(call.model, row) if call.model else (window, thresholds, model_id)
        )
        c = call.counts
        ctx = c[0] + c[1] + c[2] + c[3]
        conversation = kind in CONVERSATION_KINDS
        if conversation:
            for t in cthr:
                if ctx > t.tokens and t.name not in last_above:
                    crossings.append(
                        Crossing(t.name, t.tokens, request_index, call.index, last, ctx)
                    )
        elif kind == "compaction":
            compactions.append((len(steps), last))
            if last is None:
                notes.append(
                    f"iteration {call.index}: compaction with no conversation call before it: "
                    "context before unknown"
                )
        elif kind != "advisor_message":
            notes.append(f"iteration {call.index}: unknown kind {kind!r}, not on the track")
        steps.append(
            StepContext(
                index=call.index,
                kind=kind or "request",
                model=cid,
                input_tokens=c[0],
                cache_write_tokens=c[1] + c[2],
                cache_read_tokens=c[3],
                output_tokens=c[4],
                conversation=conversation,
                growth=ctx - last if conversation and last is not None else None,
                after_compaction=conversation and pending_compaction,
                window=cwin,
                above=tuple(t.name for t in cthr if ctx > t.tokens),
            )
        )
        if conversation:
            last = ctx
            last_above = steps[-1].above
            pending_compaction = False
        elif kind == "compaction":
            pending_compaction = True
    events = []
    for pos, before in compactions:
        call = row.calls[pos]
        after = next((s.context_tokens for s in steps[pos + 1 :] if s.conversation), None)
        c = call.counts
        events.append(
            CompactionEvent(
                request_index=request_index,
                index=call.index or 0,
                input_tokens=c[0],
                cache_write_tokens=c[1] + c[2],
                cache_read_tokens=c[3],
                output_tokens=c[4],
                cost_usd=_cost(models.book, row, call.model or row.model, c),
                context_before=before,
                context_after=after,
            )
        )
    conv = [s for s in steps if s.conversation]
    final = conv[-1].context_tokens if conv else None
    if final is None:
        notes.append("no conversation call (message/fallback_message): final window unknown")
    if window is None:
        notes.append(f"model {row.model!r} is not in the catalog: window and tiers unknown")
    return RecordContext(
        model=model_id,
        at=row.at,
        steps=tuple(steps),
        final_window=final,
        window=window,
        thresholds=thresholds,
        crossings=tuple(crossings),
        compactions=tuple(events),
        notes=tuple(notes),
    )


def record_context(
    record: UsageRecord | RequestRow, *, book: RateBook | None = None
) -> RecordContext:
    """Context analysis of one request (tokens; compaction cost in exact USD).

    ``book``: rates and catalog (default: the user's catalog). An unknown model is not an
    error here: window, tiers and compaction cost are None and a note says so.
    """
    row = next(as_rows([record]))
    return _analyse(row, _Models(book or RateBook()), None, None)
