"""Read what pricing needs from a usage: one :class:`Call` per sampling call, plus request fields.

A usage with a non-empty ``iterations`` list yields one call per iteration (compaction
included, since the top-level counts leave it out); otherwise the top-level counts form one
call. Counts are tokens; a count above :data:`MAX_TOKENS` in one field raises
:class:`~tokentrail.errors.TokenCountError` (negative, boolean and non-integer counts are
rejected by :func:`tokentrail.types.usage_from`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tokentrail.errors import TokenCountError
from tokentrail.types import token_counts, usage_from

__all__ = ["KNOWN_ITERATION_TYPES", "MAX_TOKENS", "Call", "Request", "read_request"]

#: No single field of one request plausibly holds more tokens than this.
MAX_TOKENS = 1_000_000_000
KNOWN_ITERATION_TYPES = frozenset({"message", "compaction", "advisor_message", "fallback_message"})
_KNOWN_TOOLS = frozenset({"web_search_requests", "web_fetch_requests"})


@dataclass(frozen=True)
class Call:
    """One sampling call: five token counts (input, 5m writes, 1h writes, reads, output).

    ``model`` is the iteration's own model id, or None to use the request's model.
    ``split_missing`` is True when cache writes were reported without a 5m/1h split.
    """

    index: int | None
    type: str | None
    model: str | None
    counts: tuple[int, int, int, int, int]
    split_missing: bool

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


def _bounded(value: int, where: str) -> int:
    if value > MAX_TOKENS:
        raise TokenCountError(
            f"{where} = {value:,} is beyond any plausible request (limit {MAX_TOKENS:,})"
        )
    return value


def _call(obj: Any, index: int | None, where: str) -> Call:
    tc = token_counts(obj)
    counts = (
        _bounded(tc.input_tokens, f"{where}.input_tokens"),
        _bounded(tc.cache_write_5m_tokens, f"{where}.cache_creation (5m)"),
        _bounded(tc.cache_write_1h_tokens, f"{where}.cache_creation (1h)"),
        _bounded(tc.cache_read_tokens, f"{where}.cache_read_input_tokens"),
        _bounded(tc.output_tokens, f"{where}.output_tokens"),
    )
    missing = getattr(obj, "cache_creation", None) is None and counts[1] > 0
    model = getattr(obj, "model", None) if index is not None else None
    kind = getattr(obj, "type", None) if index is not None else None
    return Call(index, kind, model if isinstance(model, str) else None, counts, missing)


def _tools(u: Any) -> tuple[int, int, tuple[tuple[str, int], ...]]:
    stu = getattr(u, "server_tool_use", None)
    if stu is None:
        return 0, 0, ()
    search = getattr(stu, "web_search_requests", None) or 0
    fetch = getattr(stu, "web_fetch_requests", None) or 0
    _bounded(search, "usage.server_tool_use.web_search_requests")
    extra = getattr(stu, "model_extra", None) or {}
    others = tuple(
        (k, v)
        for k, v in extra.items()
        if k not in _KNOWN_TOOLS and isinstance(v, int) and not isinstance(v, bool) and v > 0
    )
    return int(search), int(fetch), others


def read_request(usage: object) -> Request:
    """Parse ``usage`` (anything :func:`tokentrail.types.usage_from` accepts) for pricing."""
    u = usage_from(usage)
    items = getattr(u, "iterations", None) or []
    if items:
        calls = tuple(_call(it, i, f"usage.iterations[{i}]") for i, it in enumerate(items))
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
    )
