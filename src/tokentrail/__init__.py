"""tokentrail: exact, explainable Claude API token usage and cost.

The public API is re-exported here and pinned by ``tests/test_public_api.py``.
Money is :class:`decimal.Decimal` in USD; token counts are ``int``.
"""

from __future__ import annotations

from tokentrail.errors import (
    CatalogError,
    IngestError,
    LedgerError,
    LedgerLockedError,
    PricingError,
    TokenCountError,
    TokentrailError,
    UnknownModelError,
    UsageError,
    UserInputError,
)
from tokentrail.pricing import CostBreakdown, Pricer, price
from tokentrail.types import (
    AgentRef,
    BetaUsage,
    Origin,
    TokenCounts,
    Usage,
    UsageAccumulator,
    UsageRecord,
    add_usage,
    cache_writes_by_ttl,
    context_size,
    context_sizes,
    last_context_window,
    sum_usage,
    token_counts,
    total_input_tokens,
    usage_from,
)

__version__ = "0.1.0"

__all__ = [
    "AgentRef",
    "BetaUsage",
    "CatalogError",
    "CostBreakdown",
    "IngestError",
    "LedgerError",
    "LedgerLockedError",
    "Origin",
    "Pricer",
    "PricingError",
    "TokenCountError",
    "TokenCounts",
    "TokentrailError",
    "UnknownModelError",
    "Usage",
    "UsageAccumulator",
    "UsageError",
    "UsageRecord",
    "UserInputError",
    "__version__",
    "add_usage",
    "cache_writes_by_ttl",
    "context_size",
    "context_sizes",
    "last_context_window",
    "price",
    "sum_usage",
    "token_counts",
    "total_input_tokens",
    "usage_from",
]
