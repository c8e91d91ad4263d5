"""Pricing: the dated Claude price catalog and the engine that turns usage into exact USD.

* :func:`price` — one usage record -> :class:`CostBreakdown` (lines, fees, flags, ``explain()``).
* :class:`Pricer` — the fast path for many records (same totals as :func:`price`).
* :func:`default_catalog` / :func:`load_catalog` — the packaged catalog plus a user override.

Rates are USD per million tokens (MTok); money is :class:`decimal.Decimal` USD, never float.
"""

from __future__ import annotations

from tokentrail._lazy import lazy_attributes

TYPE_CHECKING = False  # typing's constant without importing typing
if TYPE_CHECKING:
    from tokentrail.pricing.breakdown import CostBreakdown, CostLine, FeeLine, Flag
    from tokentrail.pricing.calculate import price, utc_day
    from tokentrail.pricing.catalog import (
        Catalog,
        default_catalog,
        load_catalog,
        override_path,
        packaged_catalog,
    )
    from tokentrail.pricing.fast import Pricer
    from tokentrail.pricing.resolve import SYNTHETIC, normalize_model_id, resolve_model

# The engine is imported on first use of a name, so a light part (``tokentrail.pricing.quirks``)
# can be imported without the catalog, pydantic and the SDK types (~0.15 s).
_LAZY = {
    "CostBreakdown": "tokentrail.pricing.breakdown",
    "CostLine": "tokentrail.pricing.breakdown",
    "FeeLine": "tokentrail.pricing.breakdown",
    "Flag": "tokentrail.pricing.breakdown",
    "price": "tokentrail.pricing.calculate",
    "utc_day": "tokentrail.pricing.calculate",
    "Catalog": "tokentrail.pricing.catalog",
    "default_catalog": "tokentrail.pricing.catalog",
    "load_catalog": "tokentrail.pricing.catalog",
    "override_path": "tokentrail.pricing.catalog",
    "packaged_catalog": "tokentrail.pricing.catalog",
    "Pricer": "tokentrail.pricing.fast",
    "SYNTHETIC": "tokentrail.pricing.resolve",
    "normalize_model_id": "tokentrail.pricing.resolve",
    "resolve_model": "tokentrail.pricing.resolve",
}

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals())

__all__ = [
    "SYNTHETIC",
    "Catalog",
    "CostBreakdown",
    "CostLine",
    "FeeLine",
    "Flag",
    "Pricer",
    "default_catalog",
    "load_catalog",
    "normalize_model_id",
    "override_path",
    "packaged_catalog",
    "price",
    "resolve_model",
    "utc_day",
]
