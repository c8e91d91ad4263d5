"""Pricing: the dated Claude price catalog and the engine that turns usage into exact USD.

* :func:`price` — one usage record -> :class:`CostBreakdown` (lines, fees, flags, ``explain()``).
* :class:`Pricer` — the fast path for many records (same totals as :func:`price`).
* :func:`default_catalog` / :func:`load_catalog` — the packaged catalog plus a user override.

Rates are USD per million tokens (MTok); money is :class:`decimal.Decimal` USD, never float.
"""

from __future__ import annotations

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
