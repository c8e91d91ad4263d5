"""The plain facts pricing reads from a raw usage object, standard library and msgspec only.

The engine's limits (:data:`MAX_TOKENS` per input-side field, :data:`MAX_OUTPUT_TOKENS`,
:data:`MAX_TOOL_REQUESTS` per server tool), :func:`split_disagrees` and
:func:`usage_quirks` live here so that code which only needs these (the ledger's price memo,
:mod:`tokentrail.ledger.price_memo`) does not load the catalog or the SDK types;
:mod:`tokentrail.pricing.extract` and :mod:`tokentrail.pricing.flagcodes` use them too.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Annotated, Any

import msgspec

__all__ = [
    "MAX_OUTPUT_TOKENS",
    "MAX_TOKENS",
    "MAX_TOOL_REQUESTS",
    "signature",
    "split_disagrees",
    "usage_quirks",
]

#: Limit of one input-side field (input, 5m writes, 1h writes, cache reads) of one request:
#: 200 full 1M-token context windows.
MAX_TOKENS = 200_000_000
#: Limit of ``output_tokens`` of one request (about 390 maximal 128K outputs).
MAX_OUTPUT_TOKENS = 50_000_000
#: Limit of one server-tool request count (``web_search_requests`` ...) of one request.
MAX_TOOL_REQUESTS = 10_000
KNOWN_TOOLS = frozenset({"web_search_requests", "web_fetch_requests"})
"""The server tools priced by a per-request fee (web search) or known free (web fetch)."""


def split_disagrees(flat: int | None, five: int | None, hour: int | None) -> bool:
    """True when a reported flat cache-write total and its 5m/1h split do not add up.

    Each argument is the reported count; a missing (None) flat total or split object never
    disagrees, a missing TTL key counts as 0.
    """
    if flat is None or (five is None and hour is None):
        return False
    return (five or 0) + (hour or 0) != flat


_Count = Annotated[int, msgspec.Meta(ge=0)]


class _Split(msgspec.Struct):
    ephemeral_5m_input_tokens: _Count | None = None
    ephemeral_1h_input_tokens: _Count | None = None


class _Raw(msgspec.Struct):
    input_tokens: _Count
    cache_creation_input_tokens: _Count | None = None
    cache_creation: _Split | None = None
    server_tool_use: dict[str, Any] | None = None


_DECODER = msgspec.json.Decoder(_Raw)


def usage_quirks(usage: bytes | str) -> tuple[bool, bool, bool] | None:
    """``(no split object, flat total disagrees with split, other server tools)`` from the raw
    usage JSON, or None when it is not a plain usage object with sane values."""
    try:
        raw = _DECODER.decode(usage)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    split = raw.cache_creation
    odd = split is not None and split_disagrees(
        raw.cache_creation_input_tokens,
        split.ephemeral_5m_input_tokens,
        split.ephemeral_1h_input_tokens,
    )
    others = False
    stu = raw.server_tool_use
    if stu:
        for k, v in stu.items():
            if isinstance(v, bool) or (isinstance(v, int) and v > MAX_TOOL_REQUESTS):
                return None
            if k not in KNOWN_TOOLS and isinstance(v, int) and v > 0:
                others = True
    return split is None, odd, others


def signature(
    prefix: tuple[Any, ...],
    thresholds: tuple[int, ...],
    counts: tuple[int, int, int, int, int],
    searches: int,
    stop_reason: str | None,
    quirks: tuple[bool, bool, bool],
) -> tuple[Any, ...]:
    """The flag memo's key of a record (see :mod:`tokentrail.pricing.flagcodes`): ``prefix``
    (model, day class, speed, service tier, inference geo), which token components are
    non-zero, how many of the model's prompt ``thresholds`` the prompt is above, the
    :func:`usage_quirks` that matter, web searches > 0 and a refusal."""
    i, w5, w1, r, o = counts
    no_split, odd, others = quirks
    return (
        *prefix,
        (i > 0) | (w5 > 0) << 1 | (w1 > 0) << 2 | (r > 0) << 3 | (o > 0) << 4,
        bisect_left(thresholds, i + w5 + w1 + r),
        no_split and w5 > 0,
        odd,
        others,
        searches > 0,
        stop_reason == "refusal",
    )
