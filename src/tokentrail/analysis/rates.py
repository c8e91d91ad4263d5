"""Rates in force for one sampling call, and exact money from bucketed token sums.

:class:`RateBook` asks the pricing engine (the same rate plans and multipliers as
:func:`tokentrail.price`) for the row in force for (model, UTC day, speed, service tier,
inference geo, prompt size) and memoises it as a :class:`CallRates`. Analyses then sum
*tokens* per :class:`CallRates` and turn each sum into USD once (:class:`Tally`), which is
exact (cost is linear in tokens for fixed rates) and fast.

Rates are USD per million tokens (MTok) before multipliers; ``factor`` is the product of the
multipliers (batch 0.5, US inference 1.1). A rate of ``None`` means the catalog has no price
for that component: those tokens are counted as unpriced, never as $0 silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from tokentrail._money import ZERO, cost
from tokentrail.pricing import Catalog, default_catalog, resolve_model
from tokentrail.pricing.modifiers import token_multiplier
from tokentrail.pricing.rates import RateChoice, plan_rates
from tokentrail.pricing.schema import COMPONENTS, ModelSpec

__all__ = ["COMPONENTS", "CallRates", "RateBook", "Tally"]

_NO_TIER = 1 << 62


@dataclass(frozen=True, slots=True, eq=False)
class CallRates:
    """The rate row in force for one sampling call.

    Compared and hashed by identity (a hot dict key): :class:`RateBook` memoises one object
    per (model, day, mode), and equal rates in two objects only split a tally's buckets.

    ``model``: canonical catalog id; ``row``: the row kind chosen (``standard``,
    ``long_context_legacy``, ``prompt_tier``, ``fast``, ``fast_long_context``); ``rates``:
    USD/MTok per component in :data:`COMPONENTS` order (None = no price); ``factor``: the
    multiplier product; ``threshold``: the prompt size (tokens) above which the model's tier
    row applies on that day, or None.
    """

    model: str
    row: str
    rates: tuple[Decimal | None, ...]
    factor: Decimal
    threshold: int | None

    def rate(self, component: str) -> Decimal | None:
        """USD per MTok of ``component`` before multipliers (None = unpriced)."""
        return self.rates[COMPONENTS.index(component)]

    def usd(self, component: str, tokens: int) -> Decimal | None:
        """Exact USD of ``tokens`` of ``component`` (multipliers applied), None if unpriced."""
        r = self.rate(component)
        return None if r is None else cost(tokens, r, self.factor)


@dataclass
class RateBook:
    """Memoised :class:`CallRates` lookups against one catalog (default: the user's)."""

    catalog: Catalog = field(default_factory=default_catalog)
    _plans: dict[tuple[object, ...], tuple[CallRates, CallRates, int]] = field(
        default_factory=dict, repr=False
    )

    def spec(self, model: str) -> ModelSpec:
        """The catalog model for any spelling of ``model`` (raises UnknownModelError)."""
        return resolve_model(self.catalog, model)

    def plan(
        self,
        model: str,
        day: date,
        *,
        speed: str | None = None,
        service_tier: str | None = None,
        inference_geo: str | None = None,
    ) -> tuple[CallRates, CallRates, int]:
        """``(base, tier, threshold)`` for the model/day/mode; ``tier`` is ``base`` and the
        threshold huge when the model has no tier row that day. Raises UnknownModelError."""
        key = (model, day, speed, service_tier, inference_geo)
        hit = self._plans.get(key)
        if hit is not None:
            return hit
        spec = resolve_model(self.catalog, model)
        rp = plan_rates(self.catalog, spec, day, fast=speed == "fast")
        factor = token_multiplier(self.catalog, spec, day, service_tier, inference_geo).factor
        base = _rates(spec.id, rp.base, factor, rp.threshold)
        if rp.tier is None or rp.threshold is None:
            out = (base, base, _NO_TIER)
        else:
            out = (base, _rates(spec.id, rp.tier, factor, rp.threshold), rp.threshold)
        self._plans[key] = out
        return out

    def rates(
        self,
        model: str,
        day: date,
        prompt_tokens: int,
        *,
        speed: str | None = None,
        service_tier: str | None = None,
        inference_geo: str | None = None,
    ) -> CallRates:
        """The :class:`CallRates` for one call whose prompt (input + cache writes + cache
        reads) is ``prompt_tokens``; the tier row when strictly above its threshold."""
        base, tier, threshold = self.plan(
            model, day, speed=speed, service_tier=service_tier, inference_geo=inference_geo
        )
        return tier if prompt_tokens > threshold else base


def _rates(model: str, choice: RateChoice, factor: Decimal, threshold: int | None) -> CallRates:
    return CallRates(model, choice.kind, tuple(c.rate for c in choice.rates), factor, threshold)


class Tally:
    """Token sums per (:class:`CallRates`, component), turned into exact USD on demand.

    ``add(rates, component, tokens)`` is the hot path (a dict update). ``usd()`` prices every
    bucket once: ``tokens x rate x factor / 10**6``; buckets without a rate go to
    ``unpriced_tokens`` and contribute $0 (a lower bound, reported).
    """

    __slots__ = ("_sums",)

    def __init__(self) -> None:
        self._sums: dict[tuple[CallRates, int], int] = {}

    def add(self, rates: CallRates, component: int, tokens: int) -> None:
        """Add ``tokens`` (may be negative: a delta) of component index ``component``."""
        if tokens:
            k = (rates, component)
            self._sums[k] = self._sums.get(k, 0) + tokens

    def merge(self, other: Tally) -> None:
        """Add every bucket of ``other`` into this tally."""
        for k, v in other._sums.items():
            self._sums[k] = self._sums.get(k, 0) + v

    def usd(self) -> Decimal:
        """Exact USD of all priced buckets."""
        return sum(self.by_component().values(), ZERO)

    def by_component(self) -> dict[str, Decimal]:
        """Exact USD per component name (every component present, zero when none)."""
        out = dict.fromkeys(COMPONENTS, ZERO)
        for (rates, i), tokens in self._sums.items():
            r = rates.rates[i]
            if r is not None:
                out[COMPONENTS[i]] += cost(tokens, r, rates.factor)
        return out

    def tokens(self) -> dict[str, int]:
        """Token sums per component name."""
        out = dict.fromkeys(COMPONENTS, 0)
        for (_, i), tokens in self._sums.items():
            out[COMPONENTS[i]] += tokens
        return out

    @property
    def unpriced_tokens(self) -> int:
        """Tokens in buckets whose component has no rate (their USD is not in :meth:`usd`)."""
        return sum(t for (r, i), t in self._sums.items() if r.rates[i] is None)
