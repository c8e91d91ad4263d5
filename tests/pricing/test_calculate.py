"""price(): input handling, errors, lines, rule ids and time zones."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from tokentrail.errors import TokenCountError, UnknownModelError, UsageError
from tokentrail.pricing import packaged_catalog, price, utc_day

CAT = packaged_catalog()
U = {"input_tokens": 1000, "output_tokens": 100}


def test_naive_datetime_is_utc_and_aware_is_converted() -> None:
    assert utc_day(datetime(2024, 12, 3, 23, 30)) == date(2024, 12, 3)
    est = timezone(timedelta(hours=-5))
    assert utc_day(datetime(2024, 12, 3, 23, 30, tzinfo=est)) == date(2024, 12, 4)
    b = price(
        U,
        model="claude-3-5-haiku-20241022",
        at=datetime(2024, 12, 3, 20, 0, tzinfo=est),
        catalog=CAT,
    )
    assert b.at == date(2024, 12, 4)
    assert b.total == (1000 * Decimal("0.80") + 100 * Decimal("4")) / 10**6


def test_none_means_today() -> None:
    assert price(U, model="claude-opus-4-7", catalog=CAT).at == datetime.now(timezone.utc).date()


def test_accepts_json_text_and_whole_message() -> None:
    msg = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-opus-4-7",
        "content": [],
        "usage": U,
    }
    a = price(json.dumps(U), model="claude-opus-4-7", at=date(2026, 5, 1), catalog=CAT)
    b = price(msg, model="claude-opus-4-7", at=date(2026, 5, 1), catalog=CAT)
    assert a.total == b.total == (1000 * Decimal(5) + 100 * Decimal(25)) / 10**6


@pytest.mark.parametrize(
    "bad",
    [
        {"input_tokens": -1, "output_tokens": 0},
        {"input_tokens": 200_000_001, "output_tokens": 0},
        {"input_tokens": 0, "output_tokens": 0, "cache_read_input_tokens": 10**12},
        {"input_tokens": True, "output_tokens": 0},
    ],
)
def test_bad_counts_raise_token_count_error(bad: dict[str, object]) -> None:
    with pytest.raises(TokenCountError):
        price(bad, model="claude-opus-4-7", at=date(2026, 5, 1), catalog=CAT)


def test_non_int_count_raises_usage_error() -> None:
    with pytest.raises(UsageError):
        price(
            {"input_tokens": 1.5, "output_tokens": 0},
            model="claude-opus-4-7",
            at=date(2026, 5, 1),
            catalog=CAT,
        )


def test_exactly_the_limit_is_allowed() -> None:
    b = price(
        {"input_tokens": 200_000_000, "output_tokens": 50_000_000},
        model="claude-opus-4-7",
        at=date(2026, 5, 1),
        catalog=CAT,
    )
    # opus 4.7: $5 input, $25 output per MTok
    assert b.total == 200 * Decimal(5) + 50 * Decimal(25)


_SPLIT = {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0}


@pytest.mark.parametrize(
    ("field", "usage", "limit"),
    [
        ("usage.input_tokens", {"input_tokens": "N"}, 200_000_000),
        ("usage.cache_read_input_tokens", {"cache_read_input_tokens": "N"}, 200_000_000),
        ("usage.cache_creation (5m)", {"cache_creation_input_tokens": "N"}, 200_000_000),
        (
            "usage.cache_creation (1h)",
            {
                "cache_creation_input_tokens": "N",
                "cache_creation": {**_SPLIT, "ephemeral_1h_input_tokens": "N"},
            },
            200_000_000,
        ),
        ("usage.output_tokens", {"output_tokens": "N"}, 50_000_000),
        (
            "usage.server_tool_use.web_search_requests",
            {"server_tool_use": {"web_search_requests": "N"}},
            10_000,
        ),
        (
            "usage.server_tool_use.web_fetch_requests",
            {"server_tool_use": {"web_fetch_requests": "N"}},
            10_000,
        ),
        (
            "usage.iterations[0].output_tokens",
            {
                "iterations": [
                    {
                        "type": "message",
                        "input_tokens": 0,
                        "cache_creation_input_tokens": 0,
                        "cache_read_input_tokens": 0,
                        "output_tokens": "N",
                    }
                ]
            },
            50_000_000,
        ),
    ],
)
def test_each_field_has_its_own_limit(field: str, usage: dict[str, object], limit: int) -> None:
    def fill(obj: object, n: int) -> object:
        if obj == "N":
            return n
        if isinstance(obj, dict):
            return {k: fill(v, n) for k, v in obj.items()}
        if isinstance(obj, list):
            return [fill(v, n) for v in obj]
        return obj

    base: dict[str, object] = {"input_tokens": 0, "output_tokens": 0}
    price({**base, **fill(usage, limit)}, model="claude-opus-4-7", at=date(2026, 5, 1))  # type: ignore[dict-item]
    with pytest.raises(TokenCountError) as err:
        price({**base, **fill(usage, limit + 1)}, model="claude-opus-4-7", at=date(2026, 5, 1))  # type: ignore[dict-item]
    assert f"{field} = {limit + 1:,}" in str(err.value)
    assert f"limit {limit:,}" in str(err.value)


def test_unknown_model_in_iteration_raises() -> None:
    usage = {
        "input_tokens": 0,
        "output_tokens": 0,
        "iterations": [
            {
                "type": "advisor_message",
                "model": "claude-nope",
                "input_tokens": 1,
                "output_tokens": 1,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            }
        ],
    }
    with pytest.raises(UnknownModelError):
        price(usage, model="claude-opus-4-7", at=date(2026, 5, 1), catalog=CAT)


def test_lines_carry_rules_sources_and_iteration() -> None:
    usage = {
        "input_tokens": 0,
        "output_tokens": 0,
        "service_tier": "batch",
        "inference_geo": "us",
        "iterations": [
            {
                "type": "compaction",
                "input_tokens": 300_000,
                "output_tokens": 10,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            }
        ],
    }
    b = price(usage, model="claude-sonnet-4-6", at=date(2026, 3, 1), catalog=CAT)
    line = b.lines[0]
    assert line.rules == ("long_context_legacy", "batch", "data_residency")
    assert line.multiplier == Decimal("0.55")
    assert line.iteration == 0
    assert line.iteration_type == "compaction"
    assert line.source
    assert line.source.startswith("https://")
    assert line.usd == 300_000 * Decimal(6) * Decimal("0.55") / 10**6


def test_zero_usage_is_zero_and_complete() -> None:
    b = price(
        {"input_tokens": 0, "output_tokens": 0},
        model="claude-opus-4-7",
        at=date(2026, 5, 1),
        catalog=CAT,
    )
    assert b.total == 0
    assert b.lines == ()
    assert b.complete


def test_synthetic_with_tokens_is_zero_not_error() -> None:
    b = price({"input_tokens": 5, "output_tokens": 7}, model="<synthetic>", catalog=CAT)
    assert b.total == 0
    assert b.resolved_model == "<synthetic>"
    assert b.flag_codes == ("synthetic_model",)


def test_unknown_service_tier_and_geo_are_flagged() -> None:
    b = price(
        {"input_tokens": 10, "output_tokens": 0, "service_tier": "flex", "inference_geo": "eu"},
        model="claude-opus-4-7",
        at=date(2026, 5, 1),
        catalog=CAT,
    )
    assert {"service_tier_unknown", "inference_geo_unknown"} <= set(b.flag_codes)
    assert b.total == 10 * Decimal(5) / 10**6


def test_geo_not_available_is_list_price_without_a_flag() -> None:
    # the API's value for a model without inference-geo routing (Claude Code logs carry it)
    b = price(
        {"input_tokens": 10, "output_tokens": 2, "inference_geo": "not_available"},
        model="claude-haiku-4-5",
        at=date(2026, 1, 20),
        catalog=CAT,
    )
    assert b.flag_codes == ()
    assert b.total == 10 * Decimal(1) / 10**6 + 2 * Decimal(5) / 10**6


def test_other_server_tool_counts_flag_not_derivable() -> None:
    b = price(
        {
            "input_tokens": 10,
            "output_tokens": 0,
            "server_tool_use": {
                "web_search_requests": 0,
                "web_fetch_requests": 0,
                "code_execution_requests": 2,
            },
        },
        model="claude-opus-4-7",
        at=date(2026, 5, 1),
        catalog=CAT,
    )
    assert "not_derivable_from_usage" in b.flag_codes


def test_batch_us_flag_states_the_factor_actually_applied() -> None:
    # Sonnet 4.5 has no data-residency price: the token lines carry batch x0.5 only, and the
    # undocumented-combination flag must say so rather than claim x0.55.
    u = {**U, "service_tier": "batch", "inference_geo": "us"}
    b = price(u, model="claude-sonnet-4-5-20250929", at=date(2026, 3, 1), catalog=CAT)
    assert b.total == (1000 * Decimal("3") + 100 * Decimal("15")) * Decimal("0.5") / 10**6
    msgs = [f.message for f in b.flags if f.code == "combination_not_documented"]
    assert len(msgs) == 1
    assert "x0.5" in msgs[0]
    assert "x0.55" not in msgs[0]
