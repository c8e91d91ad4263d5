"""Pick the rate row in force for one model, UTC day and speed.

A :class:`RatePlan` holds everything that depends on (model, day, speed) but not on the token
counts: the base rates (standard row with any ``price_history`` overlay, or the fast row), the
tier row and its threshold (legacy long context, Haiku 5.5 prompt tier, Opus 4.6 fast >200K),
and the flags the date alone raises. :meth:`RatePlan.choose` then picks base or tier from the
prompt size (input + cache writes + cache reads, in tokens; strictly above the threshold selects
the tier). Plans are memoised per catalog, so the scalar and the fast path share them.

Date edge cases (open questions in the facts file):

* before the model's release: priced at the first rows, flag ``record_before_release``;
* on or after ``retired``: priced at the last rows, flag ``model_retired``;
* fast outside every fast row: the nearest fast row, flag ``fast_mode_after_removal``;
* fast with no fast row or a fast row without rates: the standard rates (never the standard
  long-context premium) as a lower bound, ``complete=False``, flag ``unpriced_fast_mode``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from tokentrail.pricing.breakdown import Flag
from tokentrail.pricing.catalog import Catalog
from tokentrail.pricing.schema import COMPONENTS, ModelSpec, RateRow

__all__ = ["ComponentRate", "RateChoice", "RatePlan", "plan_rates", "rate_on"]


@dataclass(frozen=True)
class ComponentRate:
    """USD per MTok for one component (None = no rate) and where it came from."""

    rate: Decimal | None
    rule: str
    source: str
    confidence: str


@dataclass(frozen=True)
class RateChoice:
    """The rates of one row kind, one per component in :data:`COMPONENTS` order."""

    kind: str
    rates: tuple[ComponentRate, ...]


@dataclass(frozen=True)
class RatePlan:
    """Rates in force for (model, day, speed); ``choose(prompt)`` applies the tier test."""

    model: ModelSpec
    day: date
    fast: bool
    base: RateChoice
    tier: RateChoice | None
    threshold: int | None
    flags: tuple[Flag, ...]
    complete: bool

    def choose(self, prompt_tokens: int) -> RateChoice:
        """The tier row when ``prompt_tokens`` is strictly above the threshold, else the base."""
        if self.tier is not None and self.threshold is not None and prompt_tokens > self.threshold:
            return self.tier
        return self.base


def _nearest(rows: tuple[RateRow, ...], day: date) -> tuple[RateRow | None, bool]:
    """The row holding ``day`` (and True), else the nearest earlier row, else the first."""
    if not rows:
        return None, False
    for row in rows:
        if row.holds(day):
            return row, True
    earlier = [r for r in rows if r.effective_from <= day]
    return (earlier[-1] if earlier else rows[0]), False


def _holding(rows: tuple[RateRow, ...], day: date) -> RateRow | None:
    for row in rows:
        if row.holds(day):
            return row
    return None


def _choice(row: RateRow, overlay: RateRow | None = None) -> RateChoice:
    rates = []
    for c in COMPONENTS:
        if overlay is not None and overlay.rate(c) is not None:
            rates.append(
                ComponentRate(overlay.rate(c), "price_history", overlay.source, overlay.confidence)
            )
        else:
            rates.append(ComponentRate(row.rate(c), row.kind, row.source, row.confidence))
    return RateChoice(row.kind, tuple(rates))


def _clamp(day: date, row: RateRow) -> date:
    if day < row.effective_from:
        return row.effective_from
    if row.effective_to is not None and day > row.effective_to:
        return row.effective_to
    return day


def _standard(
    catalog: Catalog, model: ModelSpec, day: date, flags: list[Flag], *, legacy: bool
) -> tuple[RateChoice, RateChoice | None, int | None]:
    mid = model.id
    row, inside = _nearest(catalog.rows_of(mid, "standard"), day)
    assert row is not None  # the catalog guarantees a standard row per model
    if not inside and day >= model.released:
        flags.append(
            Flag(
                "rate_row_outside_window",
                f"no standard row of {mid} covers {day}; used the row from {row.effective_from}",
            )
        )
    eday = _clamp(day, row)
    base = _choice(row, _holding(catalog.rows_of(mid, "price_history"), eday))
    tier_rows = [
        r
        for r in catalog.rows.get(mid, ())
        if r.kind == "prompt_tier" or (legacy and r.kind == "long_context_legacy")
    ]
    tier = _holding(tuple(tier_rows), eday)
    if tier is None:
        return base, None, None
    return base, _choice(tier), tier.above_prompt_tokens


def plan_rates(catalog: Catalog, model: ModelSpec, day: date, *, fast: bool) -> RatePlan:
    """The memoised :class:`RatePlan` for ``model`` on UTC ``day`` at fast or standard speed."""
    key = ("plan", model.id, day, fast)
    hit = catalog.cache.get(key)
    if hit is not None:
        assert isinstance(hit, RatePlan)
        return hit
    plan = _plan(catalog, model, day, fast)
    catalog.cache[key] = plan
    return plan


def _plan(catalog: Catalog, model: ModelSpec, day: date, fast: bool) -> RatePlan:
    flags: list[Flag] = []
    mid = model.id
    if day < model.released:
        flags.append(
            Flag(
                "record_before_release",
                f"{day} is before {mid} was released ({model.released}); priced at its first rates",
            )
        )
    if model.retired is not None and day >= model.retired:
        flags.append(
            Flag(
                "model_retired",
                f"{mid} was retired on {model.retired}; priced at its last rates",
            )
        )
    if not fast:
        base, tier, threshold = _standard(catalog, model, day, flags, legacy=True)
        return RatePlan(model, day, False, base, tier, threshold, tuple(flags), True)
    fast_rows = catalog.rows_of(mid, "fast")
    row, inside = _nearest(fast_rows, day)
    if row is not None and not inside:
        first, last = fast_rows[0], fast_rows[-1]
        when = "before fast mode launched" if day < first.effective_from else "after it ended"
        flags.append(
            Flag(
                "fast_mode_after_removal",
                f"speed 'fast' on {day} is outside every fast row of {mid} ({when}: "
                f"{first.effective_from}..{last.effective_to or 'open'}); priced at the nearest "
                f"fast row ({row.effective_from}..{row.effective_to or 'open'}). Alternatives: "
                "standard rates (what a removed fast mode bills) or $0 (rejected requests)",
            )
        )
    if row is None or not row.priced:
        why = "has no fast-mode row" if row is None else "has fast mode but no known fast price"
        flags.append(
            Flag(
                "unpriced_fast_mode",
                f"{mid} {why}: standard-speed rates used as a lower bound",
            )
        )
        base, tier, threshold = _standard(catalog, model, day, flags, legacy=False)
        return RatePlan(model, day, True, base, tier, threshold, tuple(flags), False)
    eday = _clamp(day, row)
    base = _choice(row)
    tier_row = _holding(catalog.rows_of(mid, "fast_long_context"), eday)
    if tier_row is None:
        return RatePlan(model, day, True, base, None, None, tuple(flags), True)
    return RatePlan(
        model, day, True, base, _choice(tier_row), tier_row.above_prompt_tokens, tuple(flags), True
    )


def rate_on(
    catalog: Catalog,
    model: ModelSpec,
    day: date,
    component: str,
    *,
    fast: bool = False,
    prompt_tokens: int = 0,
) -> Decimal | None:
    """USD per MTok of one component for ``model`` on ``day`` (before multipliers)."""
    choice = plan_rates(catalog, model, day, fast=fast).choose(prompt_tokens)
    return choice.rates[COMPONENTS.index(component)].rate


def boundaries(catalog: Catalog, model: ModelSpec) -> tuple[date, ...]:
    """Days on which a non-fast price of ``model`` changes (row starts and day-after-ends),
    excluding the release day."""
    days: set[date] = set()
    for row in catalog.rows.get(model.id, ()):
        if row.kind in ("fast", "fast_long_context"):
            continue
        days.add(row.effective_from)
        if row.effective_to is not None:
            days.add(row.effective_to + timedelta(days=1))
    days.discard(model.released)
    return tuple(sorted(days))
