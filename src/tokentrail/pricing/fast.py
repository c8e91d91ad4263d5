"""The fast path: totals for many records with exact integer arithmetic.

:class:`Pricer` resolves (model, UTC day, speed, service tier, inference geo) once, using the
same rate plans and multipliers as :func:`~tokentrail.pricing.price`, and caches the result as
integer coefficients: every rate x multiplier is pre-scaled by ``10**scale`` (``scale`` chosen
from the catalog so that every product is an integer, checked when a plan is built). A record's
total is then ``sum(tokens x coefficient) + searches x fee`` in Python ints, turned into one
:class:`~decimal.Decimal` (USD) at the end. Totals are Decimal-equal to ``price(...).total``.

The fast path returns totals only: for lines and ``complete``, call ``price()``; for the flag
codes, :meth:`Pricer.flag_codes` (memoised, equal to ``price().flag_codes``). Unpriced
components count as $0 here too (``price()`` marks that total as a lower bound). An iteration
run by another model than the request's is priced at standard speed, as in ``price()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Context, Decimal
from typing import Any, NamedTuple

from tokentrail.errors import PricingError
from tokentrail.pricing.calculate import utc_day
from tokentrail.pricing.catalog import Catalog, default_catalog
from tokentrail.pricing.extract import (
    MAX_OUTPUT_TOKENS,
    MAX_TOKENS,
    MAX_TOOL_REQUESTS,
    read_request,
)
from tokentrail.pricing.flagcodes import FlagMemo
from tokentrail.pricing.modifiers import token_multiplier
from tokentrail.pricing.quirks import signature, usage_quirks
from tokentrail.pricing.rates import RateChoice, plan_rates
from tokentrail.pricing.resolve import SYNTHETIC, resolve_model
from tokentrail.pricing.schema import COMPONENTS
from tokentrail.pricing.units import Plan, plan_units, units_to_pico

__all__ = ["CostRow", "FastRecord", "Pricer"]

_CTX = Context(prec=80)
_NO_TIER = 1 << 62  # above any prompt: MAX_TOKENS x 4 components is far below this
Counts = tuple[int, int, int, int, int]
"""input, 5-minute cache writes, 1-hour cache writes, cache reads, output (tokens)."""


class FastRecord(NamedTuple):
    """One record for :meth:`Pricer.totals` (plain values, already parsed).

    ``day`` is the request's UTC day. ``iterations``: ``(model or None, counts)`` per sampling
    call; when non-empty it replaces ``counts`` (as ``usage.iterations`` does).
    """

    model: str
    day: date
    counts: Counts
    speed: str | None = None
    service_tier: str | None = None
    inference_geo: str | None = None
    web_search_requests: int = 0
    iterations: tuple[tuple[str | None, Counts], ...] = ()


CostRow = tuple[
    str, int, int, int, int, int, int, str | None, str | None, str | None, int, bytes, str | None
]
"""One record for :meth:`Pricer.cost_rows`: model, UTC day as days since 1970-01-01, input,
5-minute cache writes, 1-hour cache writes, cache reads, output (tokens), speed, service tier,
inference geo, web searches, raw usage JSON, stop reason."""

_EPOCH_DAY = date(1970, 1, 1).toordinal()

# A plan: (threshold, low coefficients x5, high coefficients x5) as one flat tuple of ints.
_Plan = Plan


def _exponent(d: Decimal) -> int:
    exp = d.normalize().as_tuple().exponent
    assert isinstance(exp, int)
    return max(0, -exp)


class Pricer:
    """Prices many records quickly; totals equal :func:`~tokentrail.pricing.price` exactly.

    Not thread-safe for first use of a key (plans are cached in a dict); share one per thread
    or warm it first.
    """

    def __init__(self, catalog: Catalog | None = None) -> None:
        self.catalog = catalog if catalog is not None else default_catalog()
        mods = self.catalog.modifiers
        factors = [
            Decimal(1),
            mods.batch.multiplier,
            mods.data_residency.multiplier,
            mods.batch.multiplier * mods.data_residency.multiplier,
        ]
        rates = {
            rate
            for rows in self.catalog.rows.values()
            for row in rows
            for c in COMPONENTS
            if (rate := row.rate(c)) is not None
        }
        self.scale = max((_exponent(r * f) for r in rates for f in factors), default=0)
        """Decimal places of the pre-scaled coefficients (USD per MTok x multiplier)."""
        self._exp = -(self.scale + 6)
        self._fee = self._units(mods.web_search.usd_per_request * 1_000_000, "web search fee")
        self._plans: dict[tuple[str, date, str | None, str | None, str | None], _Plan] = {}
        self._synthetic: dict[str, bool] = {}
        self._same: dict[tuple[str, str], bool] = {}
        self._flags: FlagMemo | None = None
        # cost_rows: (model, day number, speed, tier, geo) -> (plan, flag-key prefix,
        # prompt thresholds, day), or None when the fused path cannot price that key.
        self._rows: dict[tuple[str, int, str | None, str | None, str | None], Any] = {}

    def _units(self, value: Decimal, what: str) -> int:
        scaled = value.scaleb(self.scale, _CTX)
        if scaled != scaled.to_integral_value():
            raise PricingError(f"{what} {value} is not exact at scale 10**{self.scale}")
        return int(scaled)

    def flag_codes(
        self, rec: FastRecord, usage: bytes | str, *, stop_reason: str | None = None
    ) -> tuple[str, ...]:
        """The flag codes ``price(usage, model=rec.model, at=rec.day, stop_reason=...)`` gives,
        memoised on what they depend on (see :mod:`tokentrail.pricing.flagcodes`).

        ``usage`` is the record's raw usage JSON, ``rec`` its parsed values (with iterations
        the memo is bypassed). Raises what ``price()`` raises.
        """
        return self._memo().codes(rec, usage, stop_reason)

    def _memo(self) -> FlagMemo:
        memo = self._flags
        if memo is None:
            memo = self._flags = FlagMemo(self.catalog)
        return memo

    def _row_entry(self, key: tuple[str, int, str | None, str | None, str | None]) -> Any:
        model, n, speed, tier, geo = key
        day = date.fromordinal(_EPOCH_DAY + n)
        entry: Any = None
        if model.strip().lower() != SYNTHETIC:
            try:
                plan = self._plans.get((model, day, speed, tier, geo)) or self._plan(
                    (model, day, speed, tier, geo)
                )
                prefix, thresholds = self._memo().prefix(model, day)
            except (PricingError, ValueError, LookupError, TypeError):
                pass  # the caller's per-row path raises and reports it
            else:
                entry = (plan, (*prefix, speed, tier, geo), thresholds, day)
        self._rows[key] = entry
        return entry

    @property
    def search_fee_units(self) -> int:
        """The web-search fee per request in the units of the plans (USD x 10**(scale+6))."""
        return self._fee

    def row_entry(
        self, key: tuple[str, int, str | None, str | None, str | None]
    ) -> tuple[tuple[int, ...], tuple[Any, ...], tuple[int, ...], tuple[date, ...]] | None:
        """For a (model, UTC day number, speed, tier, geo) that :meth:`cost_rows` priced:
        ``(rate plan, flag-key prefix, prompt thresholds, the model's day-class edges)``,
        what a cache of its answers needs to answer that key's class again; else None."""
        entry = self._rows.get(key)
        if not entry or self._flags is None:
            return None
        plan, prefix, thresholds, _ = entry
        _, edges = self._flags.model_facts(key[0])
        return plan, prefix, thresholds, edges

    def cost_rows(self, rows: Iterable[CostRow]) -> list[tuple[int, tuple[str, ...]] | None]:
        """``(picodollars, flag codes)`` of many plain rows (see :data:`CostRow`) in one loop:
        the rate plan, the flag memo and the picodollar scale of :meth:`picodollars` and
        :meth:`flag_codes`, keyed once per (model, day, speed, tier, geo).

        ``None`` for a row this path does not settle: a synthetic or unknown model, counts
        above the engine's limits, usage that is not a plain usage object, a total that is not
        a whole number of picodollars, or a ``price()`` that raised while filling the memo. The
        caller prices those with :meth:`picodollars` / :meth:`totals` and :meth:`flag_codes`,
        which raise what ``price()`` raises. Wherever it answers, the answer equals theirs.
        """
        entries = self._rows
        memo = self._memo()
        codes = memo.codes_memo
        fee = self._fee
        scale = self.scale
        out: list[tuple[int, tuple[str, ...]] | None] = []
        append = out.append
        for model, n, i, w5, w1, r, o, speed, tier, geo, searches, usage, stop in rows:
            k = (model, n, speed, tier, geo)
            e = entries.get(k, False)
            if e is False:
                e = self._row_entry(k)
            if (
                e is None
                or max(i, w5, w1, r) > MAX_TOKENS
                or o > MAX_OUTPUT_TOKENS
                or searches > MAX_TOOL_REQUESTS
            ):
                append(None)
                continue
            quirks = usage_quirks(usage)
            if quirks is None:
                append(None)
                continue
            p, prefix, thresholds, day = e
            pico = units_to_pico(plan_units(p, i, w5, w1, r, o) + searches * fee, scale)
            if pico is None:
                append(None)
                continue
            key = signature(prefix, thresholds, (i, w5, w1, r, o), searches, stop, quirks)
            hit = codes.get(key)
            if hit is None:
                try:
                    hit = codes[key] = memo.price_codes(usage, model, day, stop)
                except (PricingError, ValueError, LookupError, TypeError):
                    append(None)
                    continue
            append((pico, hit))
        return out

    def _same_model(self, imodel: str, model: str) -> bool:
        """True when an iteration's model id names the request's own catalog model."""
        own = resolve_model(self.catalog, imodel).id == resolve_model(self.catalog, model).id
        self._same[(imodel, model)] = own
        return own

    def _coeffs(self, choice: RateChoice, factor: Decimal) -> tuple[int, ...]:
        return tuple(
            0 if cr.rate is None else self._units(cr.rate * factor, f"rate {cr.rate} x {factor}")
            for cr in choice.rates
        )

    def _plan(self, key: tuple[str, date, str | None, str | None, str | None]) -> _Plan:
        model, day, speed, tier, geo = key
        if model.strip().lower() == SYNTHETIC:
            plan: _Plan = (_NO_TIER, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        else:
            spec = resolve_model(self.catalog, model)
            rp = plan_rates(self.catalog, spec, day, fast=speed == "fast")
            factor = token_multiplier(self.catalog, spec, day, tier, geo).factor
            low = self._coeffs(rp.base, factor)
            high = self._coeffs(rp.tier, factor) if rp.tier is not None else low
            threshold = rp.threshold if rp.threshold is not None else _NO_TIER
            plan = (threshold, *low, *high)  # type: ignore[assignment]
        self._plans[key] = plan
        return plan

    def total_counts(
        self,
        model: str,
        day: date,
        counts: Counts,
        *,
        speed: str | None = None,
        service_tier: str | None = None,
        inference_geo: str | None = None,
        web_search_requests: int = 0,
        iterations: Sequence[tuple[str | None, Counts]] = (),
    ) -> Decimal:
        """USD total of one parsed record (see :class:`FastRecord` for the fields)."""
        rec = FastRecord(
            model,
            day,
            counts,
            speed,
            service_tier,
            inference_geo,
            web_search_requests,
            tuple(iterations),
        )
        return self.totals((rec,))[0]

    def total(self, usage: object, *, model: str, at: datetime | date | None = None) -> Decimal:
        """USD total of one usage (anything ``usage_from`` accepts); equals ``price().total``."""
        req = read_request(usage)
        iters = tuple((c.model, c.counts) for c in req.calls) if req.has_iterations else ()
        return self.total_counts(
            model,
            utc_day(at),
            req.calls[0].counts,
            speed=req.speed,
            service_tier=req.service_tier,
            inference_geo=req.inference_geo,
            web_search_requests=req.web_search_requests,
            iterations=iters,
        )

    def totals(self, records: Iterable[FastRecord]) -> list[Decimal]:
        """USD totals of many records, in order (the hot loop: ints only, one Decimal each)."""
        exp = self._exp
        ctx = _CTX
        dec = Decimal
        return [dec(u).scaleb(exp, ctx) for u in self._units_many(records)]

    def picodollars(self, records: Iterable[FastRecord]) -> list[int | None]:
        """Totals of many records in integer picodollars (USD x 10**12), in order, without a
        Decimal per record; ``None`` for a total that is not a whole number of picodollars
        (no current rate gives one: use :meth:`totals` for those). Equal to
        ``price(...).total * 10**12`` wherever it is an int."""
        scale = self.scale
        return [units_to_pico(u, scale) for u in self._units_many(records)]

    def _units_many(self, records: Iterable[FastRecord]) -> Iterator[int]:
        """Each record's total in units of USD x 10**(scale + 6) (see the module)."""
        plans = self._plans
        get = plans.get
        build = self._plan
        fee = self._fee
        synthetic = self._synthetic
        same = self._same
        for model, day, counts, speed, tier, geo, searches, iterations in records:
            is_synthetic = synthetic.get(model)
            if is_synthetic is None:
                is_synthetic = synthetic[model] = model.strip().lower() == SYNTHETIC
            if is_synthetic:  # Claude Code's local placeholder: $0, like price()
                yield 0
                continue
            if iterations:
                units = 0
                for imodel, icounts in iterations:
                    if imodel is None or speed is None:
                        key = (imodel or model, day, speed, tier, geo)
                    else:  # another model's iteration runs at standard speed (see price())
                        own = same.get((imodel, model))
                        if own is None:
                            own = self._same_model(imodel, model)
                        key = (imodel, day, speed if own else None, tier, geo)
                    units += plan_units(get(key) or build(key), *icounts)
            else:
                key = (model, day, speed, tier, geo)
                units = plan_units(get(key) or build(key), *counts)
            if searches:
                units += searches * fee
            yield units
