"""Multipliers on token lines (batch, data residency) and per-request fees (web search/fetch).

Multipliers apply to every token line of a call after its rate row is chosen:

* ``batch`` (``usage.service_tier == "batch"``): x0.5;
* ``data_residency`` (``usage.inference_geo == "us"``) on the models listed in the catalog, from
  the modifier's start day: x1.1. On any other model the multiplier is 1.0 and the record is
  flagged ``inference_geo_unsupported_model``;
* both: x0.55 (undocumented stacking; flagged ``combination_not_documented`` by the engine).

``inference_geo`` ``"global"``, ``"not_available"`` (a model without geo routing) or absent
is 1.0 with no flag; any other value is 1.0 flagged ``inference_geo_unknown``.

Fees are USD per request, never multiplied: web search $0.01 each, web fetch $0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tokentrail.pricing.breakdown import FeeLine, Flag
from tokentrail.pricing.catalog import Catalog
from tokentrail.pricing.schema import ModelSpec

__all__ = ["Multiplier", "fee_lines", "token_multiplier"]

_ONE = Decimal(1)
_KNOWN_TIERS = frozenset({None, "standard", "priority", "batch"})
#: ``not_available``: what the API (and the Admin API's ``inference_geos`` filter) reports for
#: a model without inference-geo routing: no data-residency price applies, list rates hold.
_KNOWN_GEOS = frozenset({None, "global", "us", "not_available"})


@dataclass(frozen=True)
class Multiplier:
    """The product of the multipliers for one model's token lines, the rule ids that made it,
    and the flags raised on the way."""

    factor: Decimal
    rules: tuple[str, ...]
    flags: tuple[Flag, ...]


def token_multiplier(
    catalog: Catalog,
    model: ModelSpec,
    day: date,
    service_tier: str | None,
    inference_geo: str | None,
) -> Multiplier:
    """Memoised multiplier for (model, day, service tier, inference geo)."""
    mods = catalog.modifiers
    dr = mods.data_residency
    key = ("mult", model.id, day >= dr.effective_from, service_tier, inference_geo)
    hit = catalog.cache.get(key)
    if isinstance(hit, Multiplier):
        return hit
    factor = _ONE
    rules: list[str] = []
    flags: list[Flag] = []
    if service_tier == mods.batch.service_tier:
        factor *= mods.batch.multiplier
        rules.append("batch")
    elif service_tier not in _KNOWN_TIERS:
        flags.append(
            Flag(
                "service_tier_unknown",
                f"service_tier {service_tier!r} is not a known tier; priced at list rates",
            )
        )
    if inference_geo == dr.inference_geo:
        if model.id in dr.models and day >= dr.effective_from:
            factor *= dr.multiplier
            rules.append("data_residency")
        else:
            flags.append(
                Flag(
                    "inference_geo_unsupported_model",
                    f"inference_geo {inference_geo!r} on {model.id}, which has no data-residency "
                    "price: multiplier 1.0",
                )
            )
    elif inference_geo not in _KNOWN_GEOS:
        flags.append(
            Flag(
                "inference_geo_unknown",
                f"inference_geo {inference_geo!r} has no known price effect: multiplier 1.0",
            )
        )
    result = Multiplier(factor, tuple(rules), tuple(flags))
    catalog.cache[key] = result
    return result


def fee_lines(catalog: Catalog, web_search: int, web_fetch: int) -> tuple[FeeLine, ...]:
    """Fee lines for the request's server-tool counts (requests, not tokens)."""
    out = []
    for kind, count, mod in (
        ("web_search", web_search, catalog.modifiers.web_search),
        ("web_fetch", web_fetch, catalog.modifiers.web_fetch),
    ):
        if count > 0:
            each = mod.usd_per_request
            out.append(FeeLine(kind, count, each, count * each, mod.source))
    return tuple(out)
