"""The catalog's price of usage-report rows, rule by rule.

A usage-report row aggregates many requests, so the per-request tests of the pricing engine
(prompt above 200k tokens) cannot run on it: the row's own ``context_window`` (``200k-1M``)
picks the long-context rate row instead. Multipliers (batch x0.5, data residency x1.1) and
fast-mode rows are the engine's (:mod:`tokentrail.pricing.modifiers`,
:mod:`tokentrail.pricing.rates`). Each rule can be left out (``drop``), which is how
:mod:`tokentrail.billing.reconcile` tells a price difference by rule from an unexplained one.
Money is exact :class:`~decimal.Decimal` USD.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tokentrail.errors import UnknownModelError
from tokentrail.ledger.billing_store import UsageBucket
from tokentrail.pricing.catalog import Catalog
from tokentrail.pricing.modifiers import token_multiplier
from tokentrail.pricing.rates import plan_rates
from tokentrail.pricing.resolve import resolve_model
from tokentrail.pricing.schema import COMPONENTS

__all__ = [
    "PRIORITY_TIERS",
    "RULES",
    "TOKEN_TYPES",
    "WEB_SEARCH",
    "RowPrice",
    "canonical_model",
    "price_row",
    "row_rules",
    "row_tokens",
]

#: Token types as the cost report names them, in the pricing engine's component order.
TOKEN_TYPES = (
    "uncached_input_tokens",
    "cache_creation.ephemeral_5m_input_tokens",
    "cache_creation.ephemeral_1h_input_tokens",
    "cache_read_input_tokens",
    "output_tokens",
)
#: The server-tool count billed per request.
WEB_SEARCH = "web_search_requests"
#: Rules with a price effect the catalog knows: they can be dropped one by one.
RULES = ("batch", "data_residency", "long_context", "fast_mode")
#: Tiers whose cost the cost report leaves out (documented gap).
PRIORITY_TIERS = frozenset({"priority", "priority_on_demand"})
_MTOK = Decimal(1_000_000)
_ZERO = Decimal(0)


def row_tokens(row: UsageBucket) -> dict[str, int]:
    """Tokens by :data:`TOKEN_TYPES` and web searches of one row."""
    return {
        TOKEN_TYPES[0]: row.uncached_input_tokens,
        TOKEN_TYPES[1]: row.cache_5m_tokens,
        TOKEN_TYPES[2]: row.cache_1h_tokens,
        TOKEN_TYPES[3]: row.cache_read_tokens,
        TOKEN_TYPES[4]: row.output_tokens,
        WEB_SEARCH: row.web_search_requests,
    }


def canonical_model(catalog: Catalog, model: str | None) -> str | None:
    """The catalog's id for ``model`` (dated ids, aliases, platform forms and display names
    join), else ``model`` as given."""
    if model is None:
        return None
    slug = "-".join(model.strip().lower().replace(".", "-").split())
    for name in (model, slug):  # an id, else a display name ("Claude Sonnet 4.5")
        try:
            return resolve_model(catalog, name).id
        except UnknownModelError:
            continue
    return model


@dataclass(frozen=True)
class RowPrice:
    """USD by token type (and web searches) for one row; ``rates`` the USD/MTok rates used
    (before multipliers); ``factor`` the multiplier applied to token lines."""

    usd: dict[str, Decimal]
    rates: dict[str, Decimal | None]
    factor: Decimal

    @property
    def total(self) -> Decimal:
        return sum(self.usd.values(), _ZERO)


def row_rules(catalog: Catalog, row: UsageBucket, day: date) -> frozenset[str]:
    """The rules of :data:`RULES` that change this row's price."""
    found: set[str] = set()
    if row.service_tier == "batch":
        found.add("batch")
    if row.inference_geo == "us":
        found.add("data_residency")
    if row.speed == "fast":
        found.add("fast_mode")
    if row.context_window == "200k-1M" and row.model is not None:
        try:
            spec = resolve_model(catalog, row.model)
        except UnknownModelError:
            return frozenset(found)
        if plan_rates(catalog, spec, day, fast=row.speed == "fast").tier is not None:
            found.add("long_context")
    return frozenset(found)


def price_row(
    catalog: Catalog, row: UsageBucket, day: date, drop: frozenset[str] = frozenset()
) -> RowPrice | None:
    """The catalog price of ``row`` on UTC ``day`` with the rules of ``drop`` left out;
    None when the model is not in the catalog (never a silent $0)."""
    if row.model is None:
        return None
    try:
        spec = resolve_model(catalog, row.model)
    except UnknownModelError:
        return None
    fast = row.speed == "fast" and "fast_mode" not in drop
    plan = plan_rates(catalog, spec, day, fast=fast)
    long = row.context_window == "200k-1M" and "long_context" not in drop
    choice = plan.tier if long and plan.tier is not None else plan.base
    tier = None if "batch" in drop else row.service_tier
    geo = None if "data_residency" in drop else row.inference_geo
    factor = token_multiplier(catalog, spec, day, tier, geo).factor
    tokens = row_tokens(row)
    usd: dict[str, Decimal] = {}
    rates: dict[str, Decimal | None] = {}
    for ttype, comp in zip(TOKEN_TYPES, COMPONENTS, strict=True):
        rate = choice.rates[COMPONENTS.index(comp)].rate
        rates[ttype] = rate
        usd[ttype] = _ZERO if rate is None else tokens[ttype] * rate * factor / _MTOK
    fee = catalog.modifiers.web_search.usd_per_request
    usd[WEB_SEARCH] = tokens[WEB_SEARCH] * fee
    rates[WEB_SEARCH] = fee
    return RowPrice(usd, rates, factor)
