"""Per-iteration usage (beta): one entry per sampling call inside one request.

The union :data:`BetaIterationsUsageItem` is discriminated on ``type`` exactly like the SDK's:
strict validation is pydantic's smart union; loose parsing validates first, then picks the
variant named by ``type``, then falls back to the first variant — so an unknown kind
(``{"type": "future_kind", ...}``) is kept as a :class:`BetaMessageIterationUsage` whose
``type`` is ``"future_kind"``. Counts are tokens.

A ``compaction`` entry is the cost of the compaction call itself, not the size of the context it
closed; its tokens are *not* included in the top-level usage fields.
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional, TypeAlias, Union

from tokentrail.types._base import BaseModel, UnionDiscriminator

__all__ = [
    "BetaAdvisorMessageIterationUsage",
    "BetaCacheCreation",
    "BetaCompactionIterationUsage",
    "BetaFallbackMessageIterationUsage",
    "BetaIterationsUsage",
    "BetaIterationsUsageItem",
    "BetaMessageIterationUsage",
    "Model",
]

Model: TypeAlias = Union[
    Literal[
        "claude-fable-5-2",
        "claude-mythos-5-2",
        "claude-haiku-5-5",
        "claude-sonnet-5-5",
        "claude-fable-5-1",
        "claude-opus-5-5",
        "claude-mythos-5-1",
        "claude-sonnet-5",
        "claude-fable-5",
        "claude-mythos-5",
        "claude-opus-5",
        "claude-opus-4-8",
        "claude-opus-4-7",
        "claude-mythos-preview",
        "claude-opus-4-6",
        "claude-sonnet-4-6",
        "claude-haiku-4-5",
        "claude-haiku-4-5-20251001",
        "claude-opus-4-5",
        "claude-opus-4-5-20251101",
    ],
    str,
]
"""A model id: the known ids as a Literal, but open (any string validates). The ids are those
of the newest supported ``anthropic`` (2.17.0, which dropped ``claude-sonnet-4-5`` and
``claude-sonnet-4-5-20250929`` from the list; they still validate, as any string does)."""


class BetaCacheCreation(BaseModel):
    """Cache writes split by time-to-live, in tokens (beta)."""

    ephemeral_1h_input_tokens: int
    """Input tokens written to the 1-hour cache."""

    ephemeral_5m_input_tokens: int
    """Input tokens written to the 5-minute cache."""


class BetaMessageIterationUsage(BaseModel):
    """Token usage of one model sampling iteration (e.g. a turn of a server-tool loop)."""

    cache_creation: Optional[BetaCacheCreation] = None
    """Cache writes split by TTL."""

    cache_creation_input_tokens: int
    """Input tokens written to the cache."""

    cache_read_input_tokens: int
    """Input tokens read from the cache."""

    input_tokens: int
    """Uncached input tokens."""

    model: Optional[Model] = None
    """Model that sampled this iteration, when reported."""

    output_tokens: int
    """Output tokens."""

    type: Literal["message"]
    """Always ``"message"`` (in loose mode: any unknown kind)."""


class BetaCompactionIterationUsage(BaseModel):
    """Token usage of a compaction call (not the size of the compacted context)."""

    cache_creation: Optional[BetaCacheCreation] = None
    """Cache writes split by TTL."""

    cache_creation_input_tokens: int
    """Input tokens written to the cache."""

    cache_read_input_tokens: int
    """Input tokens read from the cache."""

    input_tokens: int
    """Uncached input tokens."""

    output_tokens: int
    """Output tokens."""

    type: Literal["compaction"]
    """Always ``"compaction"``."""


class BetaAdvisorMessageIterationUsage(BaseModel):
    """Token usage of an advisor sub-inference."""

    cache_creation: Optional[BetaCacheCreation] = None
    """Cache writes split by TTL."""

    cache_creation_input_tokens: int
    """Input tokens written to the cache."""

    cache_read_input_tokens: int
    """Input tokens read from the cache."""

    input_tokens: int
    """Uncached input tokens."""

    model: Model
    """Model that ran the advisor call."""

    output_tokens: int
    """Output tokens."""

    type: Literal["advisor_message"]
    """Always ``"advisor_message"``."""


class BetaFallbackMessageIterationUsage(BaseModel):
    """Token usage of a sampling iteration served by the fallback model."""

    cache_creation: Optional[BetaCacheCreation] = None
    """Cache writes split by TTL."""

    cache_creation_input_tokens: int
    """Input tokens written to the cache."""

    cache_read_input_tokens: int
    """Input tokens read from the cache."""

    input_tokens: int
    """Uncached input tokens."""

    model: Model
    """Model that served the fallback."""

    output_tokens: int
    """Output tokens."""

    type: Literal["fallback_message"]
    """Always ``"fallback_message"``."""


BetaIterationsUsageItem: TypeAlias = Annotated[
    Union[
        BetaMessageIterationUsage,
        BetaCompactionIterationUsage,
        BetaAdvisorMessageIterationUsage,
        BetaFallbackMessageIterationUsage,
    ],
    UnionDiscriminator("type"),
]
"""One entry of ``usage.iterations``, discriminated on ``type``."""

BetaIterationsUsage: TypeAlias = list[BetaIterationsUsageItem]
"""``usage.iterations``: the per-iteration breakdown, in call order."""
