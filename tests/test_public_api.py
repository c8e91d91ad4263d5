"""Pins the public API: adding or removing a name is a deliberate, reviewed change."""

from __future__ import annotations

import tokentrail

EXPECTED = {
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
}


def test_all_is_pinned() -> None:
    assert set(tokentrail.__all__) == EXPECTED


def test_all_names_resolve() -> None:
    for name in tokentrail.__all__:
        assert getattr(tokentrail, name) is not None, name


def test_all_is_sorted_and_unique() -> None:
    assert len(set(tokentrail.__all__)) == len(tokentrail.__all__)
    assert list(tokentrail.__all__) == sorted(tokentrail.__all__, key=str)


def test_flush_is_the_tracking_flush() -> None:
    import tokentrail.track

    assert tokentrail.flush is tokentrail.track.flush
    assert tokentrail.flush(1) is True


def test_errors_share_one_root() -> None:
    for name in tokentrail.__all__:
        obj = getattr(tokentrail, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, tokentrail.TokentrailError), name


def test_import_is_lazy() -> None:
    import subprocess
    import sys

    code = "import sys, tokentrail.cli; print('pydantic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
