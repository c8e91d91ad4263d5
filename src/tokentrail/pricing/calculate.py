"""``price()``: the exact, explainable cost of one usage record.

Rules, in order (see DESIGN.md and the catalog's header):

1. resolve the model id (:mod:`tokentrail.pricing.resolve`);
2. per sampling call (each ``usage.iterations`` entry, else the top level), pick the rate row
   for the request's UTC day, speed and prompt size (:mod:`tokentrail.pricing.rates`). The
   request's ``speed`` applies to calls of the request's own model; an iteration run by another
   model (an advisor or fallback) is priced at standard speed, since its speed is not reported
   (flag ``iteration_speed_assumed`` when the request is fast);
3. one line per non-zero component: tokens x USD/MTok / 10**6 x multipliers;
4. multipliers: batch 0.5, data residency 1.1 (:mod:`tokentrail.pricing.modifiers`);
5. fees: web search $0.01 per request, counted once from the top level, never multiplied;
6. flags: every default taken where the facts are silent or uncertain.

Money is exact :class:`~decimal.Decimal` USD. A component without a rate is never $0 silently:
its line says unpriced, ``complete`` is False and the total is a lower bound.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone

from tokentrail._money import ZERO, cost
from tokentrail.pricing.breakdown import CostBreakdown, CostLine, Flag
from tokentrail.pricing.catalog import Catalog, default_catalog
from tokentrail.pricing.extract import KNOWN_ITERATION_TYPES, Call, Request, read_request
from tokentrail.pricing.modifiers import fee_lines, token_multiplier
from tokentrail.pricing.rates import RatePlan, boundaries, plan_rates
from tokentrail.pricing.resolve import SYNTHETIC, resolve_model
from tokentrail.pricing.schema import COMPONENTS, ModelSpec

__all__ = ["price", "utc_day"]

_LONG_KINDS = frozenset({"long_context_legacy", "fast_long_context"})


def utc_day(at: datetime | date | None) -> date:
    """The UTC calendar day of ``at``: naive datetimes are UTC, aware ones are converted,
    a date is taken as is, None means today (UTC)."""
    if at is None:
        return datetime.now(timezone.utc).date()
    if isinstance(at, datetime):
        if at.tzinfo is None or at.utcoffset() is None:
            return at.date()
        return at.astimezone(timezone.utc).date()
    if isinstance(at, date):
        return at
    raise TypeError(f"at must be a datetime, a date or None, not {type(at).__name__}")


def price(
    usage: object,
    *,
    model: str,
    at: datetime | date | None = None,
    catalog: Catalog | None = None,
    stop_reason: str | None = None,
    code_execution: bool = False,
) -> CostBreakdown:
    """Price one usage record.

    ``usage``: anything :func:`tokentrail.types.usage_from` accepts (SDK object, dict, JSON,
    tokentrail model). ``model``: the id the response reports (any accepted spelling).
    ``at``: when the request ran (see :func:`utc_day`); its UTC day selects the rows.
    ``catalog``: default :func:`~tokentrail.pricing.catalog.default_catalog`.
    ``stop_reason``: pass the response's to flag refusals. ``code_execution``: True when the
    response shows code-execution activity (a ``container``), whose cost is not derivable.

    Raises UnknownModelError (with close ids) and TokenCountError / UsageError.
    """
    cat = catalog if catalog is not None else default_catalog()
    day = utc_day(at)
    req = read_request(usage)
    if model.strip().lower() == SYNTHETIC:
        return _synthetic(model, day, req)
    spec = resolve_model(cat, model)
    fast = req.speed == "fast"
    flags: list[Flag] = []
    lines: list[CostLine] = []
    basis: list[str] = []
    complete = True
    priced_models: dict[str, ModelSpec] = {}
    plans: list[tuple[Call, RatePlan]] = []
    for call in req.calls:
        cspec = spec if call.model is None else resolve_model(cat, call.model)
        priced_models[cspec.id] = cspec
        own = cspec.id == spec.id
        if fast and not own:
            flags.append(
                Flag(
                    "iteration_speed_assumed",
                    f"iteration {call.index}: speed 'fast' is reported for the request "
                    f"({spec.id}); this iteration ran {cspec.id}, whose speed is not reported: "
                    "priced at standard speed",
                )
            )
        plan = plan_rates(cat, cspec, day, fast=fast and own)
        plans.append((call, plan))
        complete &= plan.complete
        flags.extend(plan.flags)
        call_lines, call_flags = _call_lines(cat, plan, call, req, day)
        lines.extend(call_lines)
        flags.extend(call_flags)
        basis.extend(_basis(plan, call))
        complete &= all(ln.priced for ln in call_lines)
    fees = fee_lines(cat, req.web_search_requests, req.web_fetch_requests)
    flags.extend(_request_flags(cat, req, day, priced_models.values(), stop_reason, code_execution))
    if req.has_iterations:
        flags.extend(_tier_basis(plans))
    total = sum((ln.usd for ln in lines), ZERO) + sum((f.usd for f in fees), ZERO)
    return CostBreakdown(
        model=model,
        resolved_model=spec.id,
        at=day,
        lines=tuple(lines),
        fees=fees,
        total=total,
        flags=tuple(dict.fromkeys(flags)),
        complete=complete,
        basis=tuple(basis),
    )


def _basis(plan: RatePlan, call: Call) -> list[str]:
    """Why this call's row was chosen, when a tier row could have applied (for explain())."""
    if plan.tier is None or plan.threshold is None:
        return []
    prompt = call.prompt_tokens
    where = "" if call.index is None else f"iteration {call.index}: "
    chosen = plan.choose(prompt)
    op = ">" if chosen is plan.tier else "<="
    return [
        f"{where}prompt {prompt:,} {op} {plan.threshold:,} tokens → {chosen.kind} rates "
        f"of {plan.model.id} (prompt = input + cache writes + cache reads)"
    ]


def _synthetic(model: str, day: date, req: Request) -> CostBreakdown:
    n = sum(sum(c.counts) for c in req.calls)
    flag = Flag(
        "synthetic_model",
        f"{SYNTHETIC} is Claude Code's placeholder for locally generated messages: no API call, "
        f"$0 ({n:,} tokens reported)",
    )
    return CostBreakdown(model, SYNTHETIC, day, (), (), ZERO, (flag,), True)


def _call_lines(
    cat: Catalog, plan: RatePlan, call: Call, req: Request, day: date
) -> tuple[list[CostLine], list[Flag]]:
    spec = plan.model
    prompt = call.prompt_tokens
    choice = plan.choose(prompt)
    mult = token_multiplier(cat, spec, day, req.service_tier, req.inference_geo)
    flags = list(mult.flags)
    where = "" if call.index is None else f"iteration {call.index}: "
    lines = []
    for i, component in enumerate(COMPONENTS):
        tokens = call.counts[i]
        if tokens == 0:
            continue
        cr = choice.rates[i]
        if cr.rate is None:
            lines.append(
                CostLine(
                    component,
                    tokens,
                    None,
                    mult.factor,
                    ZERO,
                    ("unpriced",),
                    None,
                    spec.id,
                    call.index,
                    call.type,
                )
            )
            flags.append(
                Flag(
                    "component_unpriced",
                    f"{where}{spec.id} has no {component} rate on {day}: {tokens:,} tokens left "
                    "unpriced, the total is a lower bound",
                )
            )
            continue
        usd = cost(tokens, cr.rate, mult.factor)
        lines.append(
            CostLine(
                component,
                tokens,
                cr.rate,
                mult.factor,
                usd,
                (cr.rule, *mult.rules),
                cr.source,
                spec.id,
                call.index,
                call.type,
            )
        )
        if cr.confidence != "verified":
            flags.append(
                Flag(
                    "price_secondary_source",
                    f"{spec.id} {cr.rule} rates on {day} rest on {cr.confidence} sources "
                    f"({cr.source})",
                )
            )
    if prompt > spec.context_window and choice.kind not in _LONG_KINDS:
        flags.append(
            Flag(
                "prompt_exceeds_context_window",
                f"{where}prompt of {prompt:,} tokens exceeds the {spec.context_window:,}-token "
                f"window "
                f"of {spec.id} on {day} and no long-context row covers that day: standard row used",
            )
        )
    if call.split_missing and day >= cat.modifiers.cache_ttl.split_expected_from:
        top = (
            "; the top-level split cannot be apportioned to iterations unambiguously"
            if call.index is not None and req.top_split
            else ""
        )
        flags.append(
            Flag(
                "cache_ttl_split_missing",
                f"{where}{call.counts[1]:,} cache-write tokens have no 5m/1h split: all priced as "
                f"5-minute writes (a lower bound if some were 1-hour){top}",
            )
        )
    if call.split_from_top_level:
        flags.append(
            Flag(
                "cache_ttl_split_from_top_level",
                f"{where}no 5m/1h split on this iteration: its writes priced as "
                f"{call.counts[1]:,} 5-minute + {call.counts[2]:,} 1-hour, apportioned from the "
                "top-level split (unambiguous)",
            )
        )
    if call.split_inconsistent is not None:
        flat, five, hour = call.split_inconsistent
        flags.append(
            Flag(
                "cache_split_inconsistent",
                f"{where}cache_creation_input_tokens {flat:,} disagrees with its split (5m "
                f"{five:,} + 1h {hour:,} = {five + hour:,}): priced as the flat total, "
                f"{call.counts[2]:,} 1-hour (the split's, capped at the total) + "
                f"{call.counts[1]:,} 5-minute",
            )
        )
    if call.index is not None and call.type not in KNOWN_ITERATION_TYPES:
        flags.append(
            Flag(
                "unknown_iteration_type",
                f"{where}type {call.type!r} is not a known iteration kind; priced by its token "
                "fields under " + spec.id,
            )
        )
    for n in cat.notices:
        if n.model != spec.id or not n.holds(day):
            continue
        hit = (
            n.when == "any"
            or (n.when == "fast" and plan.fast)
            or (
                n.when == "fast_above_prompt_tokens"
                and plan.fast
                and prompt > (n.above_prompt_tokens or 0)
            )
            or (n.when == "cache_read" and call.counts[3] > 0)
        )
        if hit:
            flags.append(Flag(n.code, n.message))
    return lines, flags


def _request_flags(
    cat: Catalog,
    req: Request,
    day: date,
    models: Iterable[ModelSpec],
    stop_reason: str | None,
    code_execution: bool,
) -> list[Flag]:
    flags = []
    batch = req.service_tier == "batch"
    geo_us = req.inference_geo == "us"
    fast = req.speed == "fast"
    models = tuple(models)
    dr = cat.modifiers.data_residency
    geo_applied = geo_us and any(m.id in dr.models for m in models) and day >= dr.effective_from
    if batch and geo_us:
        effect = (
            "multiplied: x0.55"
            if geo_applied
            else "no data-residency price on this model, so batch alone: x0.5"
        )
        flags.append(
            Flag(
                "combination_not_documented",
                f"batch (x0.5) with US inference (x1.1) is not documented to stack; {effect}",
            )
        )
    if req.web_search_requests > 0 and (batch or geo_us or fast):
        flags.append(
            Flag(
                "combination_not_documented",
                "web-search fee under batch / US inference / fast mode is undocumented; left at "
                "list ($0.01 per search), multipliers touch tokens only",
            )
        )
    if fast and req.service_tier in ("batch", "priority"):
        flags.append(
            Flag(
                "combination_not_offered",
                f"fast mode with service_tier {req.service_tier!r} is not offered; each reported "
                "field applied mechanically (fast row, then the tier)",
            )
        )
    if req.speed not in (None, "standard", "fast"):
        flags.append(Flag("speed_unknown", f"speed {req.speed!r} is unknown; priced as standard"))
    if req.service_tier == "priority":
        flags.append(
            Flag(
                "priority_tier_contract_price",
                "Priority Tier is sold under contract with no public per-token price; "
                "priced at list",
            )
        )
    if code_execution or req.other_server_tools:
        seen = ", ".join(f"{k}={v}" for k, v in req.other_server_tools) or "a code container"
        flags.append(
            Flag(
                "not_derivable_from_usage",
                f"{seen}: code-execution container hours and Managed Agents session hours are not "
                "in a usage record and are excluded from the total",
            )
        )
    if stop_reason == "refusal":
        flags.append(
            Flag(
                "refusal",
                "refused response (stop_reason 'refusal'): its usage is billable and priced as "
                "reported",
            )
        )
    if batch:
        for spec in models:
            near = [b for b in boundaries(cat, spec) if b <= day <= b + timedelta(days=1)]
            if near:
                flags.append(
                    Flag(
                        "price_change_during_batch",
                        f"a price of {spec.id} changed on {near[0]}; a batch item dated {day} may "
                        "have been submitted under the earlier price (priced by its own date)",
                    )
                )
    return flags


def _tier_basis(plans: list[tuple[Call, RatePlan]]) -> list[Flag]:
    groups: dict[str, list[tuple[Call, RatePlan]]] = {}
    for call, plan in plans:
        groups.setdefault(plan.model.id, []).append((call, plan))
    flags = []
    for mid, group in groups.items():
        plan = group[0][1]
        if plan.threshold is None:
            continue
        total = sum(c.prompt_tokens for c, _ in group)
        kinds = {plan.choose(c.prompt_tokens).kind for c, _ in group}
        whole = plan.choose(total).kind
        if kinds != {whole}:
            flags.append(
                Flag(
                    "tier_basis_ambiguous",
                    f"{mid}: tiers judged per iteration; the summed prompt ({total:,} tokens) "
                    f"would "
                    f"fall in the {whole} row",
                )
            )
    return flags
