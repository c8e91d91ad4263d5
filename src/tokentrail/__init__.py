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

__version__ = "0.1.0"

__all__ = [
    "CatalogError",
    "IngestError",
    "LedgerError",
    "LedgerLockedError",
    "PricingError",
    "TokenCountError",
    "TokentrailError",
    "UnknownModelError",
    "UsageError",
    "UserInputError",
    "__version__",
]
