"""Beta usage models (``anthropic.types.beta``): the superset of the GA usage.

Same names, field order, annotations and defaults as the SDK 2.10.0. Counts are tokens unless
they say *requests*. :class:`BetaCacheCreation` and the iteration kinds live in
:mod:`tokentrail.types.iterations` (they are nested by both modules).
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional, TypeAlias, Union

from tokentrail.types._base import BaseModel, UnionDiscriminator
from tokentrail.types.iterations import BetaCacheCreation, BetaIterationsUsage

__all__ = [
    "BetaCountTokensContextManagementResponse",
    "BetaFallbackCreditNotApplied",
    "BetaFallbackCreditRedeemed",
    "BetaFallbackCreditUsage",
    "BetaMessageDeltaUsage",
    "BetaMessageTokensCount",
    "BetaOutputTokensDetails",
    "BetaServerToolUsage",
    "BetaUsage",
    "Status",
]


class BetaOutputTokensDetails(BaseModel):
    """A read-only breakdown of ``output_tokens`` (which stays the billed total)."""

    thinking_tokens: int
    """Output tokens spent on internal reasoning (already included in ``output_tokens``)."""


class BetaServerToolUsage(BaseModel):
    """Server tool calls made while answering, in requests (not tokens)."""

    web_fetch_requests: int
    """Number of web fetch requests."""

    web_search_requests: int
    """Number of web search requests (billed per request)."""


class BetaFallbackCreditRedeemed(BaseModel):
    """The fallback-credit reprice was applied."""

    type: Literal["redeemed"]


class BetaFallbackCreditNotApplied(BaseModel):
    """No reprice was applied; ``reason`` says why (a closed enum in strict mode)."""

    reason: Literal[
        "body_mismatch",
        "continuation_excluded",
        "continuation_only",
        "expired",
        "invalid_target_model",
        "not_enabled",
        "reprice_unavailable",
        "temporarily_unavailable",
        "variant_fields_present",
        "wrong_organization",
        "wrong_platform",
        "wrong_workspace",
    ]

    type: Literal["not_applied"]

    remove_to_redeem: Optional[list[str]] = None
    """Request fields to drop so a retry can redeem (only with ``variant_fields_present``)."""


Status: TypeAlias = Annotated[
    Union[BetaFallbackCreditRedeemed, BetaFallbackCreditNotApplied], UnionDiscriminator("type")
]
"""Outcome of a fallback-credit token, discriminated on ``type``."""


class BetaFallbackCreditUsage(BaseModel):
    """Outcome of the ``fallback_credit_token`` presented on the request."""

    status: Status


class BetaUsage(BaseModel):
    """Token usage of one beta Messages API response (superset of :class:`Usage`).

    ``input_tokens`` counts only uncached input. When ``iterations`` is present, each entry is
    one sampling call; ``compaction`` entries are *not* included in the top-level counts, and
    the context window is read from the last ``message`` entry, never from a compaction entry.
    """

    cache_creation: Optional[BetaCacheCreation] = None
    """Cache writes split by TTL."""

    cache_creation_input_tokens: Optional[int] = None
    """Input tokens written to the cache (all TTLs)."""

    cache_read_input_tokens: Optional[int] = None
    """Input tokens read from the cache."""

    fallback_credit: Optional[BetaFallbackCreditUsage] = None
    """Outcome of a fallback-credit token, when one was presented."""

    inference_geo: Optional[str] = None
    """Region where inference ran (free string)."""

    input_tokens: int
    """Uncached input tokens."""

    iterations: Optional[BetaIterationsUsage] = None
    """Per-iteration breakdown (see :mod:`tokentrail.types.iterations`)."""

    output_tokens: int
    """Output tokens (inclusive, billed total)."""

    output_tokens_details: Optional[BetaOutputTokensDetails] = None
    """Breakdown of the output tokens."""

    server_tool_use: Optional[BetaServerToolUsage] = None
    """Server tool request counts."""

    service_tier: Optional[Literal["standard", "priority", "batch"]] = None
    """Tier the request ran on."""

    speed: Optional[Literal["standard", "fast"]] = None
    """Inference speed mode."""


class BetaMessageDeltaUsage(BaseModel):
    """Cumulative usage carried by a beta ``message_delta`` stream event (tokens)."""

    cache_creation_input_tokens: Optional[int] = None
    """Cumulative cache-write input tokens (omitted when unchanged)."""

    cache_read_input_tokens: Optional[int] = None
    """Cumulative cache-read input tokens (omitted when unchanged)."""

    fallback_credit: Optional[BetaFallbackCreditUsage] = None
    """Fallback-credit outcome (after a mid-stream fallback)."""

    input_tokens: Optional[int] = None
    """Cumulative uncached input tokens (omitted when unchanged)."""

    iterations: Optional[BetaIterationsUsage] = None
    """Per-iteration breakdown so far."""

    output_tokens: int
    """Cumulative output tokens."""

    output_tokens_details: Optional[BetaOutputTokensDetails] = None
    """Breakdown of the output tokens."""

    server_tool_use: Optional[BetaServerToolUsage] = None
    """Server tool request counts."""


class BetaCountTokensContextManagementResponse(BaseModel):
    """Context management applied by the beta count-tokens endpoint."""

    original_input_tokens: int
    """Input tokens before context management was applied."""


class BetaMessageTokensCount(BaseModel):
    """Answer of the beta count-tokens endpoint."""

    context_management: Optional[BetaCountTokensContextManagementResponse] = None
    """Context management applied, if any."""

    input_tokens: int
    """Total tokens of the messages, system prompt and tools."""
