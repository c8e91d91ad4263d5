"""Pin of ``tokentrail.types.__all__``: a name added or removed must be a decision."""

from __future__ import annotations

import tokentrail.types as tt

EXPECTED = {
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
}


def test_all_is_pinned() -> None:
    assert len(tt.__all__) == len(set(tt.__all__)), "duplicate names in __all__"
    assert set(tt.__all__) == EXPECTED


def test_every_name_resolves() -> None:
    for name in tt.__all__:
        assert getattr(tt, name) is not None, name
    namespace: dict[str, object] = {}
    exec("from tokentrail.types import *", namespace)
    assert set(namespace) - {"__builtins__"} == EXPECTED
