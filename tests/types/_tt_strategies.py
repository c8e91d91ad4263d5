"""Hypothesis strategies for wire payloads, derived from our models' annotations.

``payloads(cls, junk=False)`` draws valid payloads (every required field, right types, extra
keys at every level, shuffled key order). ``junk=True`` also drops required fields, sends nulls,
wrong types (strings for ints, 1.5, 1.0, bools, lists), unknown Literal values and unknown
iteration kinds: what the loose path must survive and the strict path must reject like the SDK.
"""

from __future__ import annotations

import typing
from typing import Annotated, Any, Literal, Union

import pydantic
from hypothesis import strategies as st

JUNK_VALUES: list[object] = [-1, 1.5, 1.0, 7.0, "7", "x", "", True, False, [], {}, [1], None]

_counts = st.integers(min_value=0, max_value=2_000_000)
_extra_values = st.one_of(
    st.integers(-5, 5), st.text(max_size=5), st.none(), st.booleans(), st.just({"k": [1, "v"]})
)
_extra_keys = st.sampled_from(["x_future", "zeta", "aa_new", "weird-key", "unused_tokens"])


def _strip(tp: Any) -> Any:
    while typing.get_origin(tp) is Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def value_strategy(tp: Any, junk: bool) -> st.SearchStrategy[Any]:
    tp = _strip(tp)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    base: st.SearchStrategy[Any]
    if origin is Union:
        options = [value_strategy(a, junk) for a in args if a is not type(None)]
        base = st.one_of(*options)
        if type(None) in args:
            base = st.one_of(st.none(), base)
    elif origin is Literal:
        base = st.sampled_from(list(args))
        if junk:
            base = st.one_of(base, st.sampled_from(["future_value", "STANDARD", 3]))
    elif origin is list:
        base = st.lists(value_strategy(args[0], junk), max_size=4)
    elif tp is int:
        base = _counts
    elif tp is str:
        base = st.one_of(st.sampled_from(["global", "us", "claude-opus-4-8"]), st.text(max_size=6))
    elif isinstance(tp, type) and issubclass(tp, pydantic.BaseModel):
        base = payloads(tp, junk)
    else:  # pragma: no cover - a new annotation kind in the models
        raise AssertionError(f"no strategy for {tp!r}")
    if junk:
        base = st.one_of(base, st.sampled_from(JUNK_VALUES))
    return base


@st.composite
def _unknown_iteration(draw: st.DrawFn) -> dict[str, Any]:
    d: dict[str, Any] = {"type": draw(st.sampled_from(["future_kind", "tool_pause", ""]))}
    for name in ("input_tokens", "output_tokens", "cache_read_input_tokens"):
        if draw(st.booleans()):
            d[name] = draw(_counts)
    return d


@st.composite
def _model_payload(draw: st.DrawFn, cls: type[pydantic.BaseModel], junk: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, field in cls.model_fields.items():
        if field.is_required():
            keep = not (junk and draw(st.integers(0, 9)) == 0)  # junk: drop 1 in 10
        else:
            keep = draw(st.booleans())
        if keep:
            out[name] = draw(value_strategy(field.annotation, junk))
    for key in draw(st.lists(_extra_keys, max_size=2, unique=True)):
        out[key] = draw(_extra_values)
    items = draw(st.permutations(list(out.items())))
    return dict(items)


def payloads(cls: type[pydantic.BaseModel], junk: bool = False) -> st.SearchStrategy[Any]:
    strategy = _model_payload(cls, junk)
    if junk and "type" in cls.model_fields:
        strategy = st.one_of(strategy, _unknown_iteration())
    return strategy
