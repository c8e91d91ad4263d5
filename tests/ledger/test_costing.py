"""The ledger stores the same cost and flag codes as ``tokentrail.price()`` (fast and slow path)."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokentrail.ingest.api_records import api_record
from tokentrail.ingest.records import CCRecord
from tokentrail.ledger.costing import Coster
from tokentrail.pricing import price

_COSTER = Coster()


def _rec(usage: dict[str, Any], model: str, day: date, stop: str | None = None) -> CCRecord:
    ts = int(datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc).timestamp() * 1000)
    return api_record(
        json.dumps(usage).encode(), source="sdk", model=model, ts_ms=ts, stop_reason=stop
    )


def _expected(
    usage: dict[str, Any], model: str, day: date, stop: str | None
) -> tuple[int, str | None]:
    b = price(usage, model=model, at=day, stop_reason=stop)
    return int(b.total * 10**12), ",".join(b.flag_codes) or None


def test_audit_cases_keep_their_flags() -> None:
    base = {"input_tokens": 1000, "output_tokens": 100}
    cases = [
        ({**base, "service_tier": "priority"}, "claude-haiku-4-5", date(2025, 11, 1),
         "priority_tier_contract_price"),
        ({**base, "speed": "fast"}, "claude-opus-4-6", date(2026, 6, 28),
         "fast_mode_after_removal"),
        ({**base, "service_tier": "batch", "inference_geo": "us"}, "claude-opus-4-6",
         date(2026, 4, 1), "combination_not_documented"),
        ({**base, "service_tier": "batch", "server_tool_use": {"web_search_requests": 2}},
         "claude-opus-5", date(2026, 8, 1), "combination_not_documented"),
    ]  # fmt: skip
    for usage, model, day, code in cases:
        cost, flags = _COSTER.cost(_rec(usage, model, day))
        assert flags is not None
        assert code in flags.split(","), (model, flags)
        assert (cost, flags) == _expected(usage, model, day, None)
    # $1 per MTok haiku 4.5 input, $5 output, priority at list: 1000 x 1 + 100 x 5 = 1,500 $/MTok
    assert _COSTER.cost(_rec(cases[0][0], "claude-haiku-4-5", date(2025, 11, 1)))[0] == (
        1500 * 10**6
    )


def test_unpriced_records_say_why() -> None:
    unknown = _rec({"input_tokens": 1, "output_tokens": 1}, "claude-opus-9", date(2026, 8, 1))
    assert _COSTER.cost(unknown) == (None, "unpriced,unknown_model")
    huge = _rec({"input_tokens": 1, "output_tokens": 60_000_000}, "claude-opus-5", date(2026, 8, 1))
    assert _COSTER.cost(huge) == (None, "unpriced,usage_rejected")


_MODELS = ["claude-opus-4-6", "claude-sonnet-4-5", "claude-3-sonnet-20240229", "claude-opus-5",
           "claude-haiku-5-5", "claude-sonnet-4-20250514", "claude-3-5-haiku-20241022",
           "claude-fable-5-2", "claude-opus-4-7"]  # fmt: skip
_N = st.sampled_from([0, 7, 1500, 150_000, 250_000, 1_100_000])
# days around catalog edges (launches, long-context windows, fast-mode windows, price changes)
_DAYS = [date(2024, 11, 3), date(2024, 12, 3), date(2024, 12, 4), date(2025, 5, 31),
         date(2025, 6, 1), date(2025, 8, 12), date(2026, 2, 4), date(2026, 2, 5),
         date(2026, 2, 6), date(2026, 2, 20), date(2026, 2, 21), date(2026, 3, 12),
         date(2026, 3, 13), date(2026, 3, 14), date(2026, 4, 30), date(2026, 5, 1),
         date(2026, 6, 28), date(2026, 7, 24), date(2026, 8, 1), date(2026, 11, 10)]  # fmt: skip


@st.composite
def _usages(draw: st.DrawFn) -> dict[str, Any]:
    u: dict[str, Any] = {"input_tokens": draw(_N), "output_tokens": draw(_N)}
    if draw(st.booleans()):
        u["cache_read_input_tokens"] = draw(_N)
    five, hour = draw(_N), draw(_N)
    shape = draw(st.sampled_from(["none", "flat", "split", "both", "odd"]))
    if shape in ("flat", "both"):
        u["cache_creation_input_tokens"] = five + hour
    if shape == "odd":
        u["cache_creation_input_tokens"] = draw(_N)
    if shape in ("split", "both", "odd"):
        u["cache_creation"] = {"ephemeral_5m_input_tokens": five, "ephemeral_1h_input_tokens": hour}
    for key, values in (("speed", ["fast", "standard", "turbo"]),
                        ("service_tier", ["batch", "priority", "standard", "flex"]),
                        ("inference_geo", ["us", "global", "eu"])):  # fmt: skip
        if draw(st.booleans()):
            u[key] = draw(st.sampled_from(values))
    if draw(st.booleans()):
        u["server_tool_use"] = {
            "web_search_requests": draw(st.integers(0, 3)),
            "web_fetch_requests": draw(st.integers(0, 3)),
            **({"code_execution_requests": 1} if draw(st.booleans()) else {}),
        }
    if draw(st.integers(0, 5)) == 0:
        u["iterations"] = [
            {"type": "message", "input_tokens": draw(_N), "output_tokens": draw(_N),
             "cache_creation_input_tokens": 0, "cache_read_input_tokens": draw(_N)},
            {"type": "advisor_message", "model": draw(st.sampled_from(_MODELS)),
             "input_tokens": draw(_N), "output_tokens": draw(_N),
             "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0},
        ]  # fmt: skip
    return u


_RECORDS = st.tuples(
    _usages(),
    st.sampled_from(_MODELS),
    st.sampled_from(_DAYS),
    st.sampled_from([None, "end_turn", "refusal"]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_RECORDS, min_size=1, max_size=12))
def test_ledger_cost_and_flags_equal_price(
    recs: list[tuple[dict[str, Any], str, date, str | None]],
) -> None:
    """Every stored (cost, flags) is what price() says, record by record, although the fast
    path memoises flags (a small domain makes records share memo entries)."""
    coster = Coster()
    got = coster.cost_many([_rec(u, m, d, s) for u, m, d, s in recs])
    assert got == [_expected(u, m, d, s) for u, m, d, s in recs]


def test_pico_is_exact() -> None:
    # opus 4.7 input $5/MTok: 3 tokens = $0.000015 = 15,000,000 picodollars
    cost, _ = _COSTER.cost(_rec({"input_tokens": 3, "output_tokens": 0}, "claude-opus-4-7",
                                date(2026, 5, 1)))  # fmt: skip
    assert cost == 15_000_000
    assert Decimal(cost) / 10**12 == Decimal("0.000015")


_B = {"input_tokens": 1000, "output_tokens": 10}
_SPLIT = {"ephemeral_5m_input_tokens": 100, "ephemeral_1h_input_tokens": 100}


@pytest.mark.parametrize(
    ("model", "day", "a", "b", "stop_b", "code"),
    [
        # each pair differs in one fact the flag memo keys on; the flag must follow it
        ("claude-opus-5", date(2026, 8, 1),
         {**_B, "cache_creation_input_tokens": 200, "cache_creation": _SPLIT},
         {**_B, "cache_creation_input_tokens": 300, "cache_creation": _SPLIT},
         None, "cache_split_inconsistent"),
        ("claude-opus-5", date(2026, 8, 1), {**_B, "cache_creation_input_tokens": 200,
         "cache_creation": {**_SPLIT, "ephemeral_1h_input_tokens": 0,
                            "ephemeral_5m_input_tokens": 200}},
         {**_B, "cache_creation_input_tokens": 200}, None, "cache_ttl_split_missing"),
        ("claude-opus-4-5", date(2025, 12, 1), {**_B, "input_tokens": 150_000},
         {**_B, "input_tokens": 250_000}, None, "prompt_exceeds_context_window"),
        ("claude-opus-5", date(2026, 8, 1), _B, _B, "refusal", "refusal"),
        ("claude-opus-5", date(2026, 8, 1), {**_B, "service_tier": "batch"},
         {**_B, "service_tier": "batch", "server_tool_use": {"web_search_requests": 1}},
         None, "combination_not_documented"),
        ("claude-opus-5", date(2026, 8, 1), _B,
         {**_B, "server_tool_use": {"code_execution_requests": 1}}, None,
         "not_derivable_from_usage"),
        ("claude-3-sonnet-20240229", date(2024, 6, 1), _B,
         {**_B, "cache_read_input_tokens": 10}, None, "component_unpriced"),
        ("claude-opus-4-6", date(2026, 2, 5), {**_B, "speed": "fast"}, {**_B, "speed": "fast"},
         None, "fast_mode_after_removal"),
    ],
)  # fmt: skip
def test_memo_follows_each_fact(
    model: str, day: date, a: dict[str, Any], b: dict[str, Any], stop_b: str | None, code: str
) -> None:
    day_a = day
    if a == b and stop_b is None:  # same usage: the day is the fact (fast launch)
        day_a = date(2026, 3, 1)
    for order in ((0, 1), (1, 0)):
        coster = Coster()
        recs = [_rec(a, model, day_a), _rec(b, model, day, stop_b)]
        got = coster.cost_many([recs[k] for k in order])
        flags = dict(zip(order, (f for _, f in got), strict=True))
        assert code not in (flags[0] or "").split(","), flags
        assert code in (flags[1] or "").split(","), flags
