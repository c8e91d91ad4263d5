"""tokentrail: exact, explainable Claude API token usage and cost.

The public API is re-exported here and pinned by ``tests/test_public_api.py``.
Money is :class:`decimal.Decimal` in USD; token counts are ``int``.
"""

from __future__ import annotations

from tokentrail._lazy import lazy_attributes
from tokentrail.errors import (
    BudgetExceeded,
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

TYPE_CHECKING = False  # typing's constant without importing typing (~10 ms a run)
# Everything below ``errors`` is imported on first use (PEP 562), so ``import tokentrail``
# and a warm CLI run never pay for pydantic or the price catalog they do not need.
_LAZY: dict[str, str] = {
    "AdminApiError": "tokentrail.billing.client",
    "Reconciliation": "tokentrail.billing.report",
    "reconcile_ledger": "tokentrail.billing.api",
    "CostBreakdown": "tokentrail.pricing",
    "Pricer": "tokentrail.pricing",
    "price": "tokentrail.pricing",
    "AgentRef": "tokentrail.types",
    "BetaUsage": "tokentrail.types",
    "Origin": "tokentrail.types",
    "TokenCounts": "tokentrail.types",
    "Usage": "tokentrail.types",
    "UsageAccumulator": "tokentrail.types",
    "UsageRecord": "tokentrail.types",
    "add_usage": "tokentrail.types",
    "cache_writes_by_ttl": "tokentrail.types",
    "context_size": "tokentrail.types",
    "context_sizes": "tokentrail.types",
    "last_context_window": "tokentrail.types",
    "sum_usage": "tokentrail.types",
    "token_counts": "tokentrail.types",
    "total_input_tokens": "tokentrail.types",
    "usage_from": "tokentrail.types",
    "LedgerStore": "tokentrail.ledger",
    "SQLiteLedger": "tokentrail.ledger",
    "ingest_claude_code": "tokentrail.ledger",
    "open_ledger": "tokentrail.ledger",
    "Ledger": "tokentrail.ledger.reader",
    "flush": "tokentrail.track",
    "run": "tokentrail.track",
    "track": "tokentrail.track",
}

if TYPE_CHECKING:
    from tokentrail.billing.api import reconcile_ledger
    from tokentrail.billing.client import AdminApiError
    from tokentrail.billing.report import Reconciliation
    from tokentrail.ledger import LedgerStore, SQLiteLedger, ingest_claude_code, open_ledger
    from tokentrail.ledger.reader import Ledger
    from tokentrail.pricing import CostBreakdown, Pricer, price
    from tokentrail.track import flush, run, track
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


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals(), modules={"track"})
# (``track`` is the tokentrail.track package itself: callable as track(client), and its
# other names, tokentrail.track.flush, .run, .Run, stay reachable whichever comes first.)


__version__ = "0.1.0"

__all__ = [
    "AdminApiError",
    "AgentRef",
    "BetaUsage",
    "BudgetExceeded",
    "CatalogError",
    "CostBreakdown",
    "IngestError",
    "Ledger",
    "LedgerError",
    "LedgerLockedError",
    "LedgerStore",
    "Origin",
    "Pricer",
    "PricingError",
    "Reconciliation",
    "SQLiteLedger",
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
    "flush",
    "ingest_claude_code",
    "last_context_window",
    "open_ledger",
    "price",
    "reconcile_ledger",
    "run",
    "sum_usage",
    "token_counts",
    "total_input_tokens",
    "track",
    "usage_from",
]
