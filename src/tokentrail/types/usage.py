"""GA usage models: what ``anthropic.types`` calls ``Usage`` and the types it nests.

Field names, order, annotations and defaults are the SDK's (2.10.0), so output is byte-identical
(see :mod:`tokentrail.types._base`). Every count is a number of **tokens** unless it says
*requests*.
"""

from __future__ import annotations

from typing import Literal, Optional

from tokentrail.types._base import BaseModel

__all__ = [
    "CacheCreation",
    "MessageDeltaUsage",
    "MessageTokensCount",
    "OutputTokensDetails",
    "ServerToolUsage",
    "Usage",
]


class CacheCreation(BaseModel):
    """Cache writes split by time-to-live, in tokens."""

    ephemeral_1h_input_tokens: int
    """Input tokens written to the 1-hour cache."""

    ephemeral_5m_input_tokens: int
    """Input tokens written to the 5-minute cache."""


class OutputTokensDetails(BaseModel):
    """A read-only breakdown of ``output_tokens`` (which stays the billed total)."""

    thinking_tokens: int
    """Output tokens spent on internal reasoning (already included in ``output_tokens``)."""


class ServerToolUsage(BaseModel):
    """Server tool calls made while answering, in requests (not tokens)."""

    web_fetch_requests: int
    """Number of web fetch requests."""

    web_search_requests: int
    """Number of web search requests (billed per request)."""


class Usage(BaseModel):
    """Token usage of one GA Messages API response.

    ``input_tokens`` counts only uncached input; cache writes and cache reads are separate
    (see :func:`tokentrail.types.total_input_tokens`).
    """

    cache_creation: Optional[CacheCreation] = None
    """Cache writes split by TTL (absent on older responses)."""

    cache_creation_input_tokens: Optional[int] = None
    """Input tokens written to the cache (all TTLs)."""

    cache_read_input_tokens: Optional[int] = None
    """Input tokens read from the cache."""

    inference_geo: Optional[str] = None
    """Region where inference ran (free string, e.g. ``"global"``, ``"us"``)."""

    input_tokens: int
    """Uncached input tokens."""

    output_tokens: int
    """Output tokens (inclusive, billed total)."""

    output_tokens_details: Optional[OutputTokensDetails] = None
    """Breakdown of the output tokens."""

    server_tool_use: Optional[ServerToolUsage] = None
    """Server tool request counts."""

    service_tier: Optional[Literal["standard", "priority", "batch"]] = None
    """Tier the request ran on."""

    speed: Optional[Literal["standard", "fast"]] = None
    """Inference speed mode."""


class MessageDeltaUsage(BaseModel):
    """Cumulative usage carried by a GA ``message_delta`` stream event (tokens)."""

    cache_creation_input_tokens: Optional[int] = None
    """Cumulative cache-write input tokens (omitted when unchanged)."""

    cache_read_input_tokens: Optional[int] = None
    """Cumulative cache-read input tokens (omitted when unchanged)."""

    input_tokens: Optional[int] = None
    """Cumulative uncached input tokens (omitted when unchanged)."""

    output_tokens: int
    """Cumulative output tokens."""

    output_tokens_details: Optional[OutputTokensDetails] = None
    """Breakdown of the output tokens."""

    server_tool_use: Optional[ServerToolUsage] = None
    """Server tool request counts."""


class MessageTokensCount(BaseModel):
    """Answer of the GA count-tokens endpoint."""

    input_tokens: int
    """Total tokens of the messages, system prompt and tools."""
