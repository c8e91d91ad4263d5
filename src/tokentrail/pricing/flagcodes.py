"""Flag codes of fast-path records, equal to ``price(...).flag_codes``, memoised by signature.

:func:`~tokentrail.pricing.price` raises its flags from a handful of facts about a record; two
records agreeing on all of them get the same codes. :class:`FlagMemo` keys on those facts:

* model id as given, speed, service tier, inference geo, and the UTC day's place among the
  model's catalog dates (see ``_edges``): everything the rate plans, multipliers, notices and
  request-level flags read;
* which of the five token components are non-zero (unpriced components, secondary sources,
  cache-read notices, the TTL-split flag);
* how many of the model's prompt thresholds the prompt is strictly above (tier rows, the
  context window, fast-above-N notices);
* from the raw usage JSON: cache writes without a split, a flat total disagreeing with its
  split, other server-tool counts;
* web searches > 0, ``stop_reason == "refusal"``.

On a miss, ``price()`` itself runs on the record's usage and its codes are stored, so the memo
can only repeat what ``price()`` said. Records with iterations, usage that is not a plain JSON
usage object, and counts above the engine's limits are not memoised (``price()`` runs, and
raises what it raises). A new flag in :mod:`tokentrail.pricing.calculate` that depends on
another fact of the record must add that fact here.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta
from typing import Any

from tokentrail.pricing.calculate import price
from tokentrail.pricing.catalog import Catalog
from tokentrail.pricing.quirks import (
    MAX_OUTPUT_TOKENS,
    MAX_TOKENS,
    MAX_TOOL_REQUESTS,
    signature,
    usage_quirks,
)
from tokentrail.pricing.resolve import resolve_model
from tokentrail.pricing.schema import ModelSpec

__all__ = ["FlagMemo", "usage_quirks"]


def _edges(catalog: Catalog, spec: ModelSpec) -> tuple[date, ...]:
    """Days on which some day-dependent rule of ``spec`` may change (see ``_day_class``).

    Every rule reads the day as ``day >= X`` or ``day <= Y`` for a catalog date; the
    price-change-during-batch window reaches two days past a row boundary. So the days
    ``d .. d+3`` for every catalog date ``d`` of the model and of the modifiers bound
    intervals on which all of them are constant.
    """
    mods = catalog.modifiers
    base: set[date] = {mods.data_residency.effective_from, mods.cache_ttl.split_expected_from}
    base |= {d for d in (spec.released, spec.deprecated, spec.retired) if d is not None}
    for r in catalog.rows.get(spec.id, ()):
        base.add(r.effective_from)
        if r.effective_to is not None:
            base.add(r.effective_to)
    for n in catalog.notices:
        if n.model == spec.id:
            base |= {n.effective_from, n.effective_to}
    return tuple(sorted({d + timedelta(days=k) for d in base for k in range(4)}))


class FlagMemo:
    """``price()`` flag codes for parsed records, memoised (see the module docstring)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        #: signature -> codes (see the module); shared with :meth:`Pricer.cost_rows
        #: <tokentrail.pricing.fast.Pricer.cost_rows>`, which builds the same keys.
        self.codes_memo: dict[tuple[Any, ...], tuple[str, ...]] = {}
        self._models: dict[str, tuple[tuple[int, ...], tuple[date, ...]]] = {}

    def model_facts(self, model: str) -> tuple[tuple[int, ...], tuple[date, ...]]:
        """(prompt thresholds, day-class edges) of the model ``model`` names (memoised)."""
        return self._models.get(model) or self._model(model)

    def _model(self, model: str) -> tuple[tuple[int, ...], tuple[date, ...]]:
        """(prompt thresholds, day edges) of the model ``model`` names."""
        hit = self._models.get(model)
        if hit is None:
            cat = self.catalog
            spec = resolve_model(cat, model)
            found = {r.above_prompt_tokens for r in cat.rows.get(spec.id, ())}
            found |= {n.above_prompt_tokens for n in cat.notices if n.model == spec.id}
            found.add(spec.context_window)
            th = tuple(sorted(t for t in found if t is not None))
            hit = self._models[model] = (th, _edges(cat, spec))
        return hit

    def codes(
        self, rec: tuple[Any, ...], usage: bytes | str, stop_reason: str | None = None
    ) -> tuple[str, ...]:
        """The flag codes ``price(usage, model=rec.model, at=rec.day, stop_reason=...)`` gives.

        ``rec`` is a :class:`~tokentrail.pricing.fast.FastRecord` (the record's parsed values:
        model, UTC day, counts in tokens, speed, service tier, inference geo, web searches,
        iterations); ``usage`` its raw usage JSON. Raises what ``price()`` raises
        (UnknownModelError, TokenCountError, UsageError).
        """
        model, day, (i, w5, w1, r, o), speed, tier, geo, searches, iterations = rec
        quirks = None if iterations else usage_quirks(usage)
        if (
            quirks is None
            or max(i, w5, w1, r) > MAX_TOKENS
            or o > MAX_OUTPUT_TOKENS
            or searches > MAX_TOOL_REQUESTS
        ):
            return self.price_codes(usage, model, day, stop_reason)
        no_split, odd, others = quirks
        thresholds, edges = self._models.get(model) or self._model(model)
        key = signature(
            (model, bisect_right(edges, day), speed, tier, geo),
            thresholds,
            (i, w5, w1, r, o),
            searches,
            stop_reason,
            (no_split, odd, others),
        )
        hit = self.codes_memo.get(key)
        if hit is None:
            hit = self.codes_memo[key] = self.price_codes(usage, model, day, stop_reason)
        return hit

    def prefix(self, model: str, day: date) -> tuple[tuple[str, int], tuple[int, ...]]:
        """``((model, day class), prompt thresholds)``: the start of the memo key of a
        record of ``model`` on ``day`` and what its prompt is compared with. Raises
        :class:`~tokentrail.errors.UnknownModelError` for a model the catalog does not know."""
        thresholds, edges = self.model_facts(model)
        return (model, bisect_right(edges, day)), thresholds

    def price_codes(
        self, usage: bytes | str, model: str, day: date, stop_reason: str | None
    ) -> tuple[str, ...]:
        return price(
            usage, model=model, at=day, catalog=self.catalog, stop_reason=stop_reason
        ).flag_codes
