"""Token arithmetic over usage models: totals, cache TTL split, context sizes, sums.

Every function accepts any tokentrail usage-shaped model — :class:`Usage`, :class:`BetaUsage`,
the two delta usages, or one iteration entry (all four kinds, and in loose mode an entry of an
unknown ``type``). All results are numbers of **tokens**. A count that is absent or ``null``
counts as 0; a count that is not an ``int`` (``bool`` included) or is negative raises
:class:`tokentrail.errors.TokenCountError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Union

from tokentrail.errors import TokenCountError, UsageError
from tokentrail.types._base import BaseModel
from tokentrail.types.beta import (
    BetaMessageDeltaUsage,
    BetaOutputTokensDetails,
    BetaServerToolUsage,
    BetaUsage,
)
from tokentrail.types.iterations import (
    BetaAdvisorMessageIterationUsage,
    BetaCacheCreation,
    BetaCompactionIterationUsage,
    BetaFallbackMessageIterationUsage,
    BetaMessageIterationUsage,
)
from tokentrail.types.usage import (
    CacheCreation,
    MessageDeltaUsage,
    OutputTokensDetails,
    ServerToolUsage,
    Usage,
)

__all__ = [
    "CONVERSATION_ITERATION_KINDS",
    "Counted",
    "TokenCounts",
    "add_usage",
    "cache_writes_by_ttl",
    "context_size",
    "context_sizes",
    "last_context_window",
    "sum_usage",
    "token_counts",
    "total_input_tokens",
]

Counted = Union[
    Usage,
    BetaUsage,
    MessageDeltaUsage,
    BetaMessageDeltaUsage,
    BetaMessageIterationUsage,
    BetaCompactionIterationUsage,
    BetaAdvisorMessageIterationUsage,
    BetaFallbackMessageIterationUsage,
]
"""Anything these helpers can count: a usage, a delta usage, or one iteration entry."""


@dataclass(frozen=True, slots=True)
class TokenCounts:
    """The five billable token components of one sampling call (or of a sum), in tokens.

    ``input_tokens`` is uncached input only; the cache write split follows
    :func:`cache_writes_by_ttl`. Instances add with ``+``.
    """

    input_tokens: int = 0
    cache_write_5m_tokens: int = 0
    cache_write_1h_tokens: int = 0
    cache_read_tokens: int = 0
    output_tokens: int = 0

    @property
    def cache_write_tokens(self) -> int:
        """All cache writes (5-minute + 1-hour), in tokens."""
        return self.cache_write_5m_tokens + self.cache_write_1h_tokens

    @property
    def total_input_tokens(self) -> int:
        """Uncached input + cache writes + cache reads, in tokens."""
        return self.input_tokens + self.cache_write_tokens + self.cache_read_tokens

    def __add__(self, other: TokenCounts) -> TokenCounts:
        if not isinstance(other, TokenCounts):
            return NotImplemented
        return TokenCounts(
            input_tokens=self.input_tokens + other.input_tokens,
            cache_write_5m_tokens=self.cache_write_5m_tokens + other.cache_write_5m_tokens,
            cache_write_1h_tokens=self.cache_write_1h_tokens + other.cache_write_1h_tokens,
            cache_read_tokens=self.cache_read_tokens + other.cache_read_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
        )


def count_of(obj: object, name: str, *, where: str = "usage") -> int | None:
    """Read one token count: ``None`` when absent/null, else a non-negative ``int``.

    Raises :class:`TokenCountError` naming ``where.name`` for a bool, a non-int or a
    negative value.
    """
    value = getattr(obj, name, None)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TokenCountError(f"{where}.{name} must be an integer token count, got {value!r}")
    if value < 0:
        raise TokenCountError(f"{where}.{name} must not be negative, got {value}")
    return value


def _n(obj: object, name: str) -> int:
    return count_of(obj, name) or 0


def cache_writes_by_ttl(u: Counted) -> tuple[int, int]:
    """Cache writes split by TTL: ``(five_minute_tokens, one_hour_tokens)``.

    * No ``cache_creation`` split object (older responses, GA before it existed): all of
      ``cache_creation_input_tokens`` counts as **5-minute** writes (the API's default TTL).
    * Split present, flat ``cache_creation_input_tokens`` absent: the split is used as is.
    * Both present but disagreeing: the flat field is authoritative for the *total*, the
      split for the *1-hour* part (capped at the total); the remainder is 5-minute.

    So ``sum(cache_writes_by_ttl(u))`` is always the total written (flat field if present).
    """
    flat = count_of(u, "cache_creation_input_tokens")
    split = getattr(u, "cache_creation", None)
    if split is None:
        return (flat or 0, 0)
    five = count_of(split, "ephemeral_5m_input_tokens", where="usage.cache_creation") or 0
    hour = count_of(split, "ephemeral_1h_input_tokens", where="usage.cache_creation") or 0
    if flat is None:
        return (five, hour)
    hour = min(hour, flat)
    return (flat - hour, hour)


def token_counts(u: Counted) -> TokenCounts:
    """The five billable components of ``u``'s own top-level fields, in tokens.

    Iterations are *not* expanded here: for a usage with ``iterations`` call this on each
    entry (compaction entries are not included in the top-level fields).
    """
    five, hour = cache_writes_by_ttl(u)
    return TokenCounts(
        input_tokens=_n(u, "input_tokens"),
        cache_write_5m_tokens=five,
        cache_write_1h_tokens=hour,
        cache_read_tokens=_n(u, "cache_read_input_tokens"),
        output_tokens=_n(u, "output_tokens"),
    )


def total_input_tokens(u: Counted) -> int:
    """Uncached input + cache writes (all TTLs) + cache reads, in tokens."""
    return token_counts(u).total_input_tokens


def context_size(u: Counted) -> int:
    """Context size of one sampling call: its total input (see :func:`total_input_tokens`)."""
    return total_input_tokens(u)


def _iterations(u: Counted) -> Sequence[object] | None:
    items = getattr(u, "iterations", None)
    if items is None:
        return None
    if not isinstance(items, list):
        raise UsageError(f"usage.iterations must be a list, got {type(items).__name__}")
    return items


def _as_counted(item: object, index: int) -> Counted:
    if not isinstance(item, BaseModel):
        raise UsageError(f"usage.iterations[{index}] must be an object, got {item!r}")
    return item  # type: ignore[return-value]


def context_sizes(u: Counted) -> list[int]:
    """Context size of every iteration in order, in tokens; ``[context_size(u)]`` without them.

    Every kind is listed (unknown kinds included). A ``compaction`` entry's value is the input
    of the compaction call itself, not the size of the context it closed.
    """
    items = _iterations(u)
    if not items:
        return [context_size(u)]
    return [context_size(_as_counted(it, i)) for i, it in enumerate(items)]


CONVERSATION_ITERATION_KINDS = frozenset({"message", "fallback_message"})
"""Iteration kinds whose input is the conversation's context window.

``message`` is an ordinary sampling call; ``fallback_message`` is the terminal entry of a turn
served by the fallback model, sent *in place of* ``message`` (the SDK's docstring). Not
``compaction`` (the compaction call's own usage), not ``advisor_message`` (a side inference
with its own prompt), not unknown kinds.
"""


def last_context_window(u: Counted) -> int | None:
    """Context window size at the end of the request, in tokens.

    Taken from the last conversation iteration — a ``message`` or ``fallback_message`` entry
    (:data:`CONVERSATION_ITERATION_KINDS`), whichever comes last — never from a ``compaction``
    entry (the compaction call's own usage), an ``advisor_message`` entry or an unknown kind.
    Without iterations (absent or empty), the top-level total input. With iterations but no
    conversation entry, ``None``.
    """
    items = _iterations(u)
    if not items:
        return context_size(u)
    for i in range(len(items) - 1, -1, -1):
        kind = getattr(items[i], "type", None)
        if isinstance(kind, str) and kind in CONVERSATION_ITERATION_KINDS:
            return context_size(_as_counted(items[i], i))
    return None


def _opt_add(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _same(a: object, b: object) -> object:
    return a if a == b else None


def _sum_requests(a: object, b: object, names: tuple[str, ...]) -> dict[str, int] | None:
    if a is None and b is None:
        return None
    return {
        n: (count_of(a, n, where="usage") or 0) + (count_of(b, n, where="usage") or 0)
        for n in names
    }


def add_usage(a: Usage | BetaUsage, b: Usage | BetaUsage) -> Usage | BetaUsage:
    """The sum of two usages (token and request counts), as a new model.

    * Result type: :class:`Usage` when both are GA, else :class:`BetaUsage`.
    * ``input_tokens`` / ``output_tokens`` add. Optional counts: ``None + None`` stays ``None``,
      ``None + n`` is ``n``.
    * Cache writes: each side is first split with :func:`cache_writes_by_ttl`; the flat total and
      (when either side has one) the split object are the sums, so the TTL split of the sum is
      the sum of the TTL splits.
    * ``server_tool_use`` and ``output_tokens_details`` add field-wise (``None`` when both are).
    * ``iterations`` concatenate, ``a``'s first (so the sum commutes on counts, not on order).
    * ``service_tier``, ``speed``, ``inference_geo``, ``fallback_credit`` are kept when equal on
      both sides, else ``None`` (left unset). Extra (undeclared) keys are dropped.
    """
    values: dict[str, object] = {
        "input_tokens": _n(a, "input_tokens") + _n(b, "input_tokens"),
        "output_tokens": _n(a, "output_tokens") + _n(b, "output_tokens"),
        "cache_read_input_tokens": _opt_add(
            count_of(a, "cache_read_input_tokens"), count_of(b, "cache_read_input_tokens")
        ),
    }
    flat_a = count_of(a, "cache_creation_input_tokens")
    flat_b = count_of(b, "cache_creation_input_tokens")
    split_a, split_b = getattr(a, "cache_creation", None), getattr(b, "cache_creation", None)
    ttl_a, ttl_b = cache_writes_by_ttl(a), cache_writes_by_ttl(b)
    if flat_a is not None or flat_b is not None or split_a is not None or split_b is not None:
        values["cache_creation_input_tokens"] = sum(ttl_a) + sum(ttl_b)
    if split_a is not None or split_b is not None:
        values["cache_creation"] = {
            "ephemeral_1h_input_tokens": ttl_a[1] + ttl_b[1],
            "ephemeral_5m_input_tokens": ttl_a[0] + ttl_b[0],
        }
    values["server_tool_use"] = _sum_requests(
        getattr(a, "server_tool_use", None),
        getattr(b, "server_tool_use", None),
        ("web_fetch_requests", "web_search_requests"),
    )
    values["output_tokens_details"] = _sum_requests(
        getattr(a, "output_tokens_details", None),
        getattr(b, "output_tokens_details", None),
        ("thinking_tokens",),
    )
    for name in ("inference_geo", "service_tier", "speed", "fallback_credit"):
        values[name] = _same(getattr(a, name, None), getattr(b, name, None))
    its_a, its_b = _iterations(a), _iterations(b)
    if its_a is not None or its_b is not None:
        values["iterations"] = [*(its_a or ()), *(its_b or ())]

    cls: type[Usage] | type[BetaUsage]
    if isinstance(a, Usage) and isinstance(b, Usage):
        cls = Usage
        for name in ("iterations", "fallback_credit"):
            values.pop(name, None)
        nested: dict[str, type[BaseModel]] = {
            "cache_creation": CacheCreation,
            "server_tool_use": ServerToolUsage,
            "output_tokens_details": OutputTokensDetails,
        }
    else:
        cls = BetaUsage
        nested = {
            "cache_creation": BetaCacheCreation,
            "server_tool_use": BetaServerToolUsage,
            "output_tokens_details": BetaOutputTokensDetails,
        }
    kept: dict[str, object] = {}
    for name in cls.model_fields:
        value = values.get(name)
        if value is None:
            continue
        if name in nested and isinstance(value, dict):
            value = nested[name].model_construct(**value)
        kept[name] = value
    return cls.loose(kept)


def sum_usage(usages: Iterable[Usage | BetaUsage]) -> Usage | BetaUsage:
    """Fold :func:`add_usage` over ``usages`` (left to right).

    An empty iterable gives ``Usage(input_tokens=0, output_tokens=0)``; a single usage is
    returned as is.
    """
    total: Usage | BetaUsage | None = None
    for u in usages:
        total = u if total is None else add_usage(total, u)
    return Usage(input_tokens=0, output_tokens=0) if total is None else total
