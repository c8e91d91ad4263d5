"""Properties of the engine (hypothesis): monotone, additive, batch halves, window lookup,
and the fast path equals the scalar path exactly."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tokentrail.pricing import Pricer, packaged_catalog, price
from tokentrail.pricing.fast import FastRecord
from tokentrail.pricing.rates import rate_on
from tokentrail.pricing.schema import COMPONENTS

CAT = packaged_catalog()
PRICER = Pricer(CAT)
MODELS = sorted(CAT.models)
FIELDS = ("input_tokens", "w5", "w1", "cache_read_input_tokens", "output_tokens")

counts = st.tuples(*(st.integers(0, 600_000) for _ in range(5)))
days = st.dates(date(2024, 1, 1), date(2027, 1, 1))


def usage(c: tuple[int, ...], **extra: Any) -> dict[str, Any]:
    i, w5, w1, r, o = c
    d: dict[str, Any] = {
        "input_tokens": i,
        "output_tokens": o,
        "cache_read_input_tokens": r,
        "cache_creation_input_tokens": w5 + w1,
        "cache_creation": {"ephemeral_5m_input_tokens": w5, "ephemeral_1h_input_tokens": w1},
    }
    d.update({k: v for k, v in extra.items() if v is not None})
    return d


def iteration(c: tuple[int, ...], kind: str = "message", model: str | None = None) -> dict:
    d = usage(c)
    d["type"] = kind
    if model:
        d["model"] = model
    return d


mods = st.fixed_dictionaries(
    {
        "speed": st.sampled_from([None, "standard", "fast"]),
        "service_tier": st.sampled_from([None, "standard", "batch", "priority"]),
        "inference_geo": st.sampled_from([None, "global", "us"]),
    }
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(MODELS), days, counts, st.integers(0, 4), st.integers(1, 50_000), mods)
def test_monotone_in_every_count(
    model: str, day: date, c: tuple[int, ...], which: int, extra: int, m: dict[str, Any]
) -> None:
    bigger = list(c)
    bigger[which] += extra
    a = price(usage(c, **m), model=model, at=day, catalog=CAT).total
    b = price(usage(tuple(bigger), **m), model=model, at=day, catalog=CAT).total
    assert b >= a


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(MODELS), days, st.lists(counts, min_size=1, max_size=4), mods, st.integers(0, 5)
)
def test_additive_over_iterations(
    model: str, day: date, calls: list[tuple[int, ...]], m: dict[str, Any], searches: int
) -> None:
    kinds = ["message", "compaction"]
    its = [iteration(c, kinds[n % 2]) for n, c in enumerate(calls)]
    whole = price(usage((0, 0, 0, 0, 0), iterations=its, **m), model=model, at=day, catalog=CAT)
    parts = sum(price(usage(c, **m), model=model, at=day, catalog=CAT).total for c in calls)
    assert whole.total == parts
    tools = {"web_search_requests": searches, "web_fetch_requests": 0}
    with_fee = price(
        usage((0, 0, 0, 0, 0), iterations=its, server_tool_use=tools, **m),
        model=model,
        at=day,
        catalog=CAT,
    )
    assert with_fee.total == parts + searches * Decimal("0.01")  # counted once


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(MODELS), days, counts, st.sampled_from([None, "global", "us"]))
def test_batch_halves_every_token_line(
    model: str, day: date, c: tuple[int, ...], geo: str | None
) -> None:
    std = price(usage(c, inference_geo=geo), model=model, at=day, catalog=CAT)
    bat = price(usage(c, inference_geo=geo, service_tier="batch"), model=model, at=day, catalog=CAT)
    assert len(std.lines) == len(bat.lines)
    for a, b in zip(std.lines, bat.lines, strict=True):
        assert b.usd * 2 == a.usd
    assert bat.total * 2 == std.total


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_rate_inside_a_window_equals_the_row(data: st.DataObject) -> None:
    model = data.draw(st.sampled_from(MODELS))
    rows = [r for r in CAT.rows[model] if r.kind == "standard"]
    row = data.draw(st.sampled_from(rows))
    end = row.effective_to or row.effective_from + timedelta(days=800)
    day = data.draw(st.dates(row.effective_from, end))
    overlays = [r for r in CAT.rows_of(model, "price_history") if r.holds(day)]
    for comp in COMPONENTS:
        expected = row.rate(comp)
        if overlays and overlays[0].rate(comp) is not None:
            expected = overlays[0].rate(comp)
        assert rate_on(CAT, CAT.models[model], day, comp) == expected


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_tier_rows_apply_strictly_above_threshold(data: st.DataObject) -> None:
    tiers = [
        r
        for rows in CAT.rows.values()
        for r in rows
        if r.kind in ("long_context_legacy", "prompt_tier", "fast_long_context")
    ]
    row = data.draw(st.sampled_from(tiers))
    end = row.effective_to or row.effective_from + timedelta(days=400)
    day = data.draw(st.dates(row.effective_from, end))
    fast = row.kind == "fast_long_context"
    spec = CAT.models[row.model]
    assert row.above_prompt_tokens is not None
    above = rate_on(CAT, spec, day, "input", fast=fast, prompt_tokens=row.above_prompt_tokens + 1)
    at = rate_on(CAT, spec, day, "input", fast=fast, prompt_tokens=row.above_prompt_tokens)
    assert above == row.input
    assert at != row.input


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(
        [*MODELS, "claude-sonnet-4-5", "us.anthropic.claude-opus-4-6-v1", "<synthetic>"]
    ),
    days,
    counts,
    mods,
    st.integers(0, 3),
    st.lists(
        st.tuples(
            counts,
            st.sampled_from([None, "claude-opus-5", "claude-haiku-4-5"]),
            st.sampled_from(["message", "compaction", "advisor_message"]),
        ),
        max_size=3,
    ),
)
def test_fast_path_equals_scalar(
    model: str,
    day: date,
    c: tuple[int, ...],
    m: dict[str, Any],
    searches: int,
    its: list[tuple[tuple[int, ...], str | None, str]],
) -> None:
    iters = [iteration(ic, kind, im if kind == "advisor_message" else None) for ic, im, kind in its]
    tools = {"web_search_requests": searches, "web_fetch_requests": 0}
    u = usage(c, server_tool_use=tools, iterations=iters or None, **m)
    scalar = price(u, model=model, at=day, catalog=CAT).total
    assert PRICER.total(u, model=model, at=day) == scalar
    rec = FastRecord(
        model,
        day,
        c,
        m["speed"],
        m["service_tier"],
        m["inference_geo"],
        searches,
        tuple((im if kind == "advisor_message" else None, ic) for ic, im, kind in its),
    )
    assert PRICER.totals([rec]) == [scalar]
