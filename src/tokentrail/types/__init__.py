"""Wire-exact usage models of the Claude API, plus tokentrail's record envelope.

The models mirror the ``anthropic`` SDK 2.10.0 type for type and field for field (names, order,
annotations, defaults, Literal values), so ``to_dict()`` / ``to_json()`` / ``model_dump()`` give
the SDK's output byte for byte — without importing ``anthropic``. Parse strictly with
``Model.model_validate(data)`` or loosely with ``Model.construct(**data)`` / ``Model.loose(data)``;
:func:`usage_from` reads any usage-carrying input. Counts are tokens.
"""

from __future__ import annotations

from tokentrail.types._base import BaseModel, UnionDiscriminator
from tokentrail.types.accumulate import UsageAccumulator
from tokentrail.types.beta import (
    BetaCountTokensContextManagementResponse,
    BetaFallbackCreditNotApplied,
    BetaFallbackCreditRedeemed,
    BetaFallbackCreditUsage,
    BetaMessageDeltaUsage,
    BetaMessageTokensCount,
    BetaOutputTokensDetails,
    BetaServerToolUsage,
    BetaUsage,
    Status,
)
from tokentrail.types.convert import usage_from
from tokentrail.types.counts import (
    Counted,
    TokenCounts,
    add_usage,
    cache_writes_by_ttl,
    context_size,
    context_sizes,
    last_context_window,
    sum_usage,
    token_counts,
    total_input_tokens,
)
from tokentrail.types.iterations import (
    BetaAdvisorMessageIterationUsage,
    BetaCacheCreation,
    BetaCompactionIterationUsage,
    BetaFallbackMessageIterationUsage,
    BetaIterationsUsage,
    BetaIterationsUsageItem,
    BetaMessageIterationUsage,
    Model,
)
from tokentrail.types.record import SOURCES, AgentRef, Origin, Source, UsageRecord
from tokentrail.types.usage import (
    CacheCreation,
    MessageDeltaUsage,
    MessageTokensCount,
    OutputTokensDetails,
    ServerToolUsage,
    Usage,
)

__all__ = [
    "SOURCES",
    "AgentRef",
    "BaseModel",
    "BetaAdvisorMessageIterationUsage",
    "BetaCacheCreation",
    "BetaCompactionIterationUsage",
    "BetaCountTokensContextManagementResponse",
    "BetaFallbackCreditNotApplied",
    "BetaFallbackCreditRedeemed",
    "BetaFallbackCreditUsage",
    "BetaFallbackMessageIterationUsage",
    "BetaIterationsUsage",
    "BetaIterationsUsageItem",
    "BetaMessageDeltaUsage",
    "BetaMessageIterationUsage",
    "BetaMessageTokensCount",
    "BetaOutputTokensDetails",
    "BetaServerToolUsage",
    "BetaUsage",
    "CacheCreation",
    "Counted",
    "MessageDeltaUsage",
    "MessageTokensCount",
    "Model",
    "Origin",
    "OutputTokensDetails",
    "ServerToolUsage",
    "Source",
    "Status",
    "TokenCounts",
    "UnionDiscriminator",
    "Usage",
    "UsageAccumulator",
    "UsageRecord",
    "add_usage",
    "cache_writes_by_ttl",
    "context_size",
    "context_sizes",
    "last_context_window",
    "sum_usage",
    "token_counts",
    "total_input_tokens",
    "usage_from",
]
