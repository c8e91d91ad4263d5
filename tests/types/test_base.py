"""The loose path of the base model: keys the SDK's construct(**data) chokes on."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tokentrail.types as tt
from tokentrail.errors import UsageError

# keys that collide with the keyword parameter of construct() (and a few lookalikes)
ODD_KEYS = ["_fields_set", "__dict__", "_values", "values", "cls", "self"]


def test_fields_set_key_is_kept_as_an_extra() -> None:
    # anthropic's construct(**data) raises AttributeError here; ours keeps it as an extra key
    data = {"input_tokens": 1, "output_tokens": 2, "_fields_set": 1}
    u = tt.BetaUsage.loose(data)
    assert (u.input_tokens, u.output_tokens) == (1, 2)
    assert u.to_dict() == data
    assert json.loads(u.to_json()) == data


def _view(model: Any) -> tuple[Any, ...]:
    """What a loose build holds: per field, the class of the value and its dump."""
    return tuple(
        (name, type(getattr(model, name)).__name__, model.to_dict(warnings=False).get(name))
        for name in type(model).model_fields
    )


ITERATION = {
    "type": "message",
    "input_tokens": 4,
    "output_tokens": 5,
    "cache_read_input_tokens": 0,
    "cache_creation_input_tokens": 0,
}


@pytest.mark.parametrize(
    "odd", [{"_fields_set": None}, {"_fields_set": ["x"]}, {"_fields_set": 1}, {5: 6}]
)
def test_odd_keys_nested_behave_as_in_the_sdk(odd: dict[Any, Any]) -> None:
    # nested, the SDK builds with construct(**value): "_fields_set" is its keyword (None is
    # dropped, anything else fails), and a failure inside Optional[...] keeps the raw mapping
    sdk_beta = pytest.importorskip("anthropic.types.beta")
    for data in (
        {
            "input_tokens": 1,
            "output_tokens": 2,
            "server_tool_use": {"web_search_requests": 3, **odd},
        },
        {"input_tokens": 1, "output_tokens": 2, "iterations": [{**ITERATION, **odd}]},
        {
            "input_tokens": 1,
            "output_tokens": 2,
            "iterations": [{**ITERATION, "input_tokens": "x", **odd}],
        },
    ):
        ours = tt.BetaUsage.loose(data)
        assert _view(ours) == _view(sdk_beta.BetaUsage.construct(**data))


def test_a_nested_class_on_its_own_keeps_a_fields_set_key() -> None:
    got = tt.BetaServerToolUsage.loose({"web_search_requests": 1, "_fields_set": 2})
    assert got.web_search_requests == 1
    assert got.to_dict() == {"web_search_requests": 1, "_fields_set": 2}


def test_non_string_keys_raise_type_error_like_the_sdk() -> None:
    with pytest.raises(TypeError, match="keywords must be strings"):
        tt.Usage.loose({"input_tokens": 1, "output_tokens": 2, 3: 4})  # type: ignore[dict-item]
    with pytest.raises(UsageError, match="keys must be strings"):
        tt.usage_from({"input_tokens": 1, "output_tokens": 2, 3: 4})


def test_construct_takes_a_fields_set_key_as_its_keyword_like_the_sdk() -> None:
    u = tt.Usage.construct(**{"input_tokens": 1, "output_tokens": 2, "_fields_set": None})
    assert u.to_dict() == {"input_tokens": 1, "output_tokens": 2}


@pytest.mark.parametrize("strict", [False, True])
def test_usage_from_accepts_a_fields_set_key(strict: bool) -> None:
    text = '{"input_tokens": 1, "output_tokens": 2, "_fields_set": 1}'
    u = tt.usage_from(text, strict=strict)
    assert u.to_dict() == {"input_tokens": 1, "output_tokens": 2, "_fields_set": 1}


def test_accumulator_accepts_a_fields_set_key() -> None:
    usage = {"input_tokens": "x", "output_tokens": 2, "_fields_set": 1}  # loose path
    acc = tt.UsageAccumulator().feed_all([{"type": "message_start", "message": {"usage": usage}}])
    assert acc.usage is not None
    assert acc.usage.to_dict(warnings=False) == usage
    acc.feed(
        {"type": "message_delta", "delta": {}, "usage": {"output_tokens": 4, "_fields_set": 0}}
    )
    assert acc.usage.output_tokens == 4


def test_construct_keeps_the_sdk_keyword() -> None:  # positional, as in the SDK
    u = tt.Usage.construct({"input_tokens"}, input_tokens=1, output_tokens=2)
    assert u.model_fields_set == {"input_tokens", "output_tokens"}
    assert u.to_dict() == {"input_tokens": 1, "output_tokens": 2}


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.one_of(st.sampled_from(ODD_KEYS), st.text(max_size=8)),
        st.one_of(
            st.none(), st.integers(), st.text(max_size=3), st.lists(st.integers(), max_size=2)
        ),
        max_size=4,
    )
)
def test_any_string_keys_build_loosely_and_usage_from_only_raises_usage_errors(
    extra: dict[str, Any],
) -> None:
    data = {**extra, "input_tokens": 1, "output_tokens": 2}
    u = tt.BetaUsage.loose(data)  # never raises
    assert u.input_tokens == 1
    for strict in (False, True):
        try:
            got = tt.usage_from(json.dumps(data), strict=strict)
        except UsageError:
            continue
        assert (got.input_tokens, got.output_tokens) == (1, 2)
