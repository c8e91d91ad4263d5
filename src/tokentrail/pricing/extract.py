"""Read what pricing needs from a usage: one :class:`Call` per sampling call, plus request fields.

A usage with a non-empty ``iterations`` list yields one call per iteration (compaction
included, since the top-level counts leave it out); otherwise the top-level counts form one
call. Counts are tokens; negative, boolean and non-integer counts are rejected by
:func:`tokentrail.types.usage_from`, and a count above its field's limit raises
:class:`~tokentrail.errors.TokenCountError` naming the field. The limits are far above anything
one request can report (the largest context window is 1M tokens, the largest output 128K):
:data:`MAX_TOKENS` (200M) per input-side field (input, cache writes of each TTL, cache reads),
:data:`MAX_OUTPUT_TOKENS` (50M) for output, :data:`MAX_TOOL_REQUESTS` (10,000) per server tool.

Cache writes (``cache_creation_input_tokens`` and its ``cache_creation`` 5m/1h split) follow
:func:`tokentrail.types.cache_writes_by_ttl`. Two cases are marked on the :class:`Call`:

* ``split_inconsistent``: flat total and split disagree (the flat field is kept as the total,
  the split's 1-hour part capped at it, the rest 5-minute);
* iterations without a split under a top level that has one: the top-level split is
  apportioned to them only when that is unambiguous (``split_from_top_level``): the top-level
  split minus the splits the iterations do carry leaves (r5, r1); if r1 is 0 their writes are
  5-minute, if r5 is 0 they are 1-hour, if exactly one iteration lacks a split and its writes
  equal r5 + r1 it gets (r5, r1). Otherwise they stay 5-minute with ``split_missing``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from tokentrail.errors import TokenCountError
from tokentrail.pricing.quirks import (
    KNOWN_TOOLS,
    MAX_OUTPUT_TOKENS,
    MAX_TOKENS,
    MAX_TOOL_REQUESTS,
    split_disagrees,
)
from tokentrail.types import cache_writes_by_ttl, token_counts, usage_from
from tokentrail.types.counts import count_of

__all__ = [
    "KNOWN_ITERATION_TYPES",
    "MAX_OUTPUT_TOKENS",
    "MAX_TOKENS",
    "MAX_TOOL_REQUESTS",
    "Call",
    "Request",
    "read_request",
    "split_disagrees",
]

KNOWN_ITERATION_TYPES = frozenset({"message", "compaction", "advisor_message", "fallback_message"})


@dataclass(frozen=True)
class Call:
    """One sampling call: five token counts (input, 5m writes, 1h writes, reads, output).

    ``model`` is the iteration's own model id, or None to use the request's model.
    ``split_missing`` is True when cache writes were reported without a 5m/1h split (and none
    could be taken from the top level). ``split_inconsistent`` holds the reported
    ``(flat total, 5m, 1h)`` when total and split disagree. ``split_from_top_level`` is True
    when the 5m/1h split was apportioned from the top-level usage (see the module docstring).
    """

    index: int | None
    type: str | None
    model: str | None
    counts: tuple[int, int, int, int, int]
    split_missing: bool
    split_inconsistent: tuple[int, int, int] | None = None
    split_from_top_level: bool = False

    @property
    def prompt_tokens(self) -> int:
        """input + cache writes + cache reads: what the length tiers test."""
        c = self.counts
        return c[0] + c[1] + c[2] + c[3]


@dataclass(frozen=True)
class Request:
    """The request-level fields pricing reads (strings as reported, counts as ints)."""

    calls: tuple[Call, ...]
    speed: str | None
    service_tier: str | None
    inference_geo: str | None
    web_search_requests: int
    web_fetch_requests: int
    other_server_tools: tuple[tuple[str, int], ...]
    has_iterations: bool
    top_split: bool = False
    """True when the top-level usage carries a ``cache_creation`` 5m/1h split."""


def _bounded(value: int, where: str, limit: int = MAX_TOKENS) -> int:
    if value > limit:
        raise TokenCountError(
            f"{where} = {value:,} is beyond any plausible request (limit {limit:,})"
        )
    return value


def _call(obj: Any, index: int | None, where: str) -> Call:
    tc = token_counts(obj)
    counts = (
        _bounded(tc.input_tokens, f"{where}.input_tokens"),
        _bounded(tc.cache_write_5m_tokens, f"{where}.cache_creation (5m)"),
        _bounded(tc.cache_write_1h_tokens, f"{where}.cache_creation (1h)"),
        _bounded(tc.cache_read_tokens, f"{where}.cache_read_input_tokens"),
        _bounded(tc.output_tokens, f"{where}.output_tokens", MAX_OUTPUT_TOKENS),
    )
    split = getattr(obj, "cache_creation", None)
    missing = split is None and counts[1] > 0
    odd = None
    if split is not None:
        flat = count_of(obj, "cache_creation_input_tokens", where=where)
        five = count_of(split, "ephemeral_5m_input_tokens", where=f"{where}.cache_creation")
        hour = count_of(split, "ephemeral_1h_input_tokens", where=f"{where}.cache_creation")
        if split_disagrees(flat, five, hour):
            odd = (flat or 0, five or 0, hour or 0)
    model = getattr(obj, "model", None) if index is not None else None
    kind = getattr(obj, "type", None) if index is not None else None
    return Call(index, kind, model if isinstance(model, str) else None, counts, missing, odd)


def _apportion(top: Any, calls: tuple[Call, ...]) -> tuple[Call, ...]:
    """Give iterations without a split the top-level split where unambiguous (module doc)."""
    missing = [c for c in calls if c.split_missing]
    if not missing or getattr(top, "cache_creation", None) is None:
        return calls
    t5, t1 = cache_writes_by_ttl(top)
    known = [c for c in calls if not c.split_missing]
    r5 = t5 - sum(c.counts[1] for c in known)
    r1 = t1 - sum(c.counts[2] for c in known)
    if r5 < 0 or r1 < 0:
        return calls
    fixed: dict[int, tuple[int, int]] = {}
    if r1 == 0:
        fixed = {id(c): (c.counts[1], 0) for c in missing}
    elif r5 == 0:
        fixed = {id(c): (0, c.counts[1]) for c in missing}
    elif len(missing) == 1 and missing[0].counts[1] == r5 + r1:
        fixed = {id(missing[0]): (r5, r1)}
    if not fixed:
        return calls
    out = []
    for c in calls:
        if id(c) in fixed:
            w5, w1 = fixed[id(c)]
            i, _, _, r, o = c.counts
            c = replace(c, counts=(i, w5, w1, r, o), split_missing=False, split_from_top_level=True)
        out.append(c)
    return tuple(out)


def _tools(u: Any) -> tuple[int, int, tuple[tuple[str, int], ...]]:
    stu = getattr(u, "server_tool_use", None)
    if stu is None:
        return 0, 0, ()
    where = "usage.server_tool_use"
    search = count_of(stu, "web_search_requests", where=where) or 0
    fetch = count_of(stu, "web_fetch_requests", where=where) or 0
    _bounded(search, f"{where}.web_search_requests", MAX_TOOL_REQUESTS)
    _bounded(fetch, f"{where}.web_fetch_requests", MAX_TOOL_REQUESTS)
    extra = getattr(stu, "model_extra", None) or {}
    others = tuple(
        (k, _bounded(v, f"{where}.{k}", MAX_TOOL_REQUESTS))
        for k, v in extra.items()
        if k not in KNOWN_TOOLS and isinstance(v, int) and not isinstance(v, bool) and v > 0
    )
    return search, fetch, others


def read_request(usage: object) -> Request:
    """Parse ``usage`` (anything :func:`tokentrail.types.usage_from` accepts) for pricing."""
    u = usage_from(usage)
    items = getattr(u, "iterations", None) or []
    if items:
        calls = tuple(_call(it, i, f"usage.iterations[{i}]") for i, it in enumerate(items))
        calls = _apportion(u, calls)
    else:
        calls = (_call(u, None, "usage"),)
    search, fetch, others = _tools(u)
    return Request(
        calls=calls,
        speed=getattr(u, "speed", None),
        service_tier=getattr(u, "service_tier", None),
        inference_geo=getattr(u, "inference_geo", None),
        web_search_requests=search,
        web_fetch_requests=fetch,
        other_server_tools=others,
        has_iterations=bool(items),
        top_split=getattr(u, "cache_creation", None) is not None,
    )
