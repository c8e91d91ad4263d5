"""usage_from: every accepted input, loose and strict, and every refusal."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest

import tokentrail.types as tt
from tokentrail.errors import TokenCountError, UsageError

anthropic_types = pytest.importorskip("anthropic.types")
beta = pytest.importorskip("anthropic.types.beta")

# loose models with unknown values make pydantic's serializer warn, exactly like the SDK's
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

FULL: dict[str, Any] = {
    "input_tokens": 10,
    "output_tokens": 20,
    "cache_creation_input_tokens": 30,
    "cache_read_input_tokens": 40,
    "cache_creation": {"ephemeral_5m_input_tokens": 10, "ephemeral_1h_input_tokens": 20},
    "server_tool_use": {"web_search_requests": 2, "web_fetch_requests": 1},
    "service_tier": "standard",
}


@pytest.mark.parametrize("strict", [False, True])
def test_inputs_map_to_the_right_class(strict: bool) -> None:
    as_dict = tt.usage_from(FULL, strict=strict)
    assert type(as_dict) is tt.BetaUsage
    assert as_dict.to_dict() == tt.BetaUsage.model_validate(FULL).to_dict()
    assert tt.usage_from(json.dumps(FULL), strict=strict).to_dict() == as_dict.to_dict()
    assert tt.usage_from(json.dumps(FULL).encode(), strict=strict).to_dict() == as_dict.to_dict()
    ga_sdk = anthropic_types.Usage.model_validate(FULL)
    got = tt.usage_from(ga_sdk, strict=strict)
    assert type(got) is tt.Usage
    assert got.to_json() == ga_sdk.to_json()
    beta_sdk = beta.BetaUsage.model_validate(FULL)
    got_b = tt.usage_from(beta_sdk, strict=strict)
    assert type(got_b) is tt.BetaUsage
    assert got_b.to_json() == beta_sdk.to_json()
    ours_ga = tt.Usage.model_validate(FULL)
    assert type(tt.usage_from(ours_ga, strict=strict)) is tt.Usage
    assert tt.usage_from(ours_ga, strict=strict).to_dict() == ours_ga.to_dict()


def test_loose_returns_our_own_model_as_is() -> None:
    m = tt.BetaUsage.model_validate(FULL)
    assert tt.usage_from(m) is m


def test_message_like_inputs_are_read_through_usage() -> None:
    message = {"id": "msg_1", "type": "message", "usage": FULL}
    assert tt.usage_from(message).to_dict() == tt.BetaUsage.model_validate(FULL).to_dict()
    sdk_msg = anthropic_types.Message.construct(
        id="m", type="message", role="assistant", content=[], model="x", usage=FULL
    )
    assert type(tt.usage_from(sdk_msg)) is tt.Usage


def test_loose_keeps_what_the_api_may_add() -> None:
    data = {
        "input_tokens": 1,
        "output_tokens": 2,
        "service_tier": "flex",
        "speed": "ludicrous",
        "new_field": {"a": 1},
        "iterations": [
            {"type": "future_kind", "input_tokens": 3},
            {
                "type": "message",
                "input_tokens": 1,
                "output_tokens": 1,
                "cache_read_input_tokens": 0,
                "cache_creation_input_tokens": 0,
                "model": "claude-next",
            },
        ],
    }
    u = tt.usage_from(data)
    assert u.to_dict()["service_tier"] == "flex"
    assert u.to_dict()["new_field"] == {"a": 1}
    with pytest.raises(UsageError, match=r"invalid usage: usage\.iterations\[0\]"):
        tt.usage_from(data, strict=True)


@pytest.mark.parametrize(
    ("data", "error", "field"),
    [
        ("{not json", UsageError, "JSON"),
        ("[1, 2]", UsageError, "object"),
        (b"\xff\xfe", UsageError, "JSON"),
        ({"output_tokens": 1}, UsageError, "input_tokens"),
        ({"input_tokens": 1}, UsageError, "output_tokens"),
        ({"input_tokens": None, "output_tokens": 1}, UsageError, "input_tokens"),
        ({"input_tokens": "abc", "output_tokens": 1}, UsageError, "input_tokens"),
        ({"input_tokens": 1.5, "output_tokens": 1}, UsageError, "input_tokens"),
        ({"input_tokens": 1, "output_tokens": -1}, TokenCountError, "output_tokens"),
        ({"input_tokens": True, "output_tokens": 1}, TokenCountError, "input_tokens"),
        (
            {"input_tokens": 1, "output_tokens": 1, "cache_read_input_tokens": False},
            TokenCountError,
            "cache_read_input_tokens",
        ),
        (
            {"input_tokens": 1, "output_tokens": 1, "cache_creation_input_tokens": -3},
            TokenCountError,
            "cache_creation_input_tokens",
        ),
        (
            {
                "input_tokens": 1,
                "output_tokens": 1,
                "cache_creation": {"ephemeral_5m_input_tokens": -1, "ephemeral_1h_input_tokens": 0},
            },
            TokenCountError,
            "ephemeral_5m_input_tokens",
        ),
        (
            {"input_tokens": 1, "output_tokens": 1, "cache_creation": 5},
            UsageError,
            "cache_creation",
        ),
        (
            {"input_tokens": 1, "output_tokens": 1, "iterations": [{"type": "message"}]},
            UsageError,
            r"iterations\[0\]",
        ),
        (
            {
                "input_tokens": 1,
                "output_tokens": 1,
                "iterations": [{"type": "zzz", "input_tokens": -5}],
            },
            TokenCountError,
            r"iterations\[0\]\.input_tokens",
        ),
        ({"input_tokens": 1, "output_tokens": 1, "iterations": [7]}, UsageError, "iterations"),
        ({"input_tokens": 1, "output_tokens": 1, "iterations": 7}, UsageError, "iterations"),
        ({"input_tokens": 1, "output_tokens": 1, "speed": 3}, UsageError, "speed"),
        (42, UsageError, "int"),
        ({1: 2}, UsageError, "keys"),
    ],
)
@pytest.mark.parametrize("strict", [False, True])
def test_refusals_name_the_field(
    data: Any, error: type[Exception], field: str, strict: bool
) -> None:
    if strict and field.startswith(r"iterations\[0\]"):
        # pydantic rejects the unknown kind / missing counts before our count checks run
        error, field = UsageError, r"invalid usage: usage\.iterations\[0\]"
    with pytest.raises(error, match=field):
        tt.usage_from(data, strict=strict)


def test_strict_accepts_what_the_sdk_accepts() -> None:
    u = tt.usage_from({"input_tokens": "5", "output_tokens": 1.0}, strict=True)
    assert (u.input_tokens, u.output_tokens) == (5, 1)


def test_unknown_iteration_kind_without_counts_is_fine_loose() -> None:
    u = tt.usage_from({"input_tokens": 1, "output_tokens": 1, "iterations": [{"type": "pause"}]})
    assert tt.context_sizes(u) == [0]


def test_loose_tolerates_missing_nested_keys_strict_does_not() -> None:
    data = {"input_tokens": 1, "output_tokens": 1, "server_tool_use": {"web_search_requests": 3}}
    u = tt.usage_from(data)
    assert u.to_dict()["server_tool_use"] == {"web_search_requests": 3}
    with pytest.raises(UsageError, match=r"server_tool_use\.web_fetch_requests"):
        tt.usage_from(data, strict=True)


def test_sdk_objects_with_unknown_values_are_read_quietly() -> None:
    sdk = beta.BetaUsage.construct(
        input_tokens=1,
        output_tokens=2,
        service_tier="tier_from_the_future",
        iterations=[{"type": "future_kind", "input_tokens": 3}],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a pydantic serializer warning fails the test
        got = tt.usage_from(sdk)
        message = anthropic_types.Message.construct(
            id="m", type="message", role="assistant", content=[], model="x", usage=sdk
        )
        via_message = tt.usage_from(message)
    expected = {
        "input_tokens": 1,
        "iterations": [{"input_tokens": 3, "type": "future_kind"}],
        "output_tokens": 2,
        "service_tier": "tier_from_the_future",
    }
    assert got.to_dict(warnings=False) == expected
    assert via_message.to_dict(warnings=False) == expected
