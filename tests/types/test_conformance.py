"""Our wire models against the installed ``anthropic`` SDK (2.10.0, the oldest supported,
in the dev extra; CI runs this again under the newest, 2.17.0), side by side.

For every recorded sample and for hypothesis-generated payloads (valid, loose, invalid, extra
keys everywhere, all four iteration kinds and unknown ones) both libraries must agree on:
strict validation (both raise with the same errors, or both give byte-identical
``to_dict`` / ``to_json`` / ``model_dump`` / ``model_dump(mode="json")`` / ``model_dump_json``)
and loose construction (identical outputs). The declared fields must equal the facts file of
the installed SDK version (``tests/data/sdk/usage_types-<version>.json``; see
``tests/data/README.md``): a version without one fails, it is never skipped.
"""

from __future__ import annotations

import importlib.metadata
import json
import typing
import warnings
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import pydantic
import pytest
from _tt_strategies import payloads
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tokentrail.types as tt

anthropic_types = pytest.importorskip("anthropic.types")
beta = pytest.importorskip("anthropic.types.beta")

DATA = Path(__file__).resolve().parents[1] / "data" / "sdk"
SDK_VERSION = importlib.metadata.version("anthropic")
FACTS_FILE = DATA / f"usage_types-{SDK_VERSION}.json"
if not FACTS_FILE.exists():  # a failure, not a skip: facts are test data of the repository
    raise FileNotFoundError(
        f"{FACTS_FILE} is missing: no type facts for anthropic {SDK_VERSION} "
        "(write them with python scripts/sdk_facts.py, see tests/data/README.md)"
    )
SAMPLES = [json.loads(line) for line in (DATA / "samples.jsonl").read_text().splitlines() if line]
FACTS = json.loads(FACTS_FILE.read_text())


def _version(p: Path) -> tuple[int, ...]:
    return tuple(int(x) for x in p.stem.split("-", 1)[1].split("."))


# tokentrail's Model follows the newest supported SDK. An older SDK may list other model ids in
# its Model literal (2.10.0 still lists claude-sonnet-4-5 and its dated id; 2.17.0 does not):
# MODEL_DRIFT holds them, and then only the text of a `model` literal_error (which lists the
# ids) and the Model-typed fields' literal lists may differ; everything else must agree.
NEWEST = json.loads(max(DATA.glob("usage_types-*.json"), key=_version).read_text())
MODEL_DRIFT = set(FACTS["type_aliases"]["Model"]["literal_values"]) ^ set(
    NEWEST["type_aliases"]["Model"]["literal_values"]
)

PAIRS: dict[str, tuple[type[tt.BaseModel], type[pydantic.BaseModel]]] = {
    name: (getattr(tt, name), getattr(beta if name.startswith("Beta") else anthropic_types, name))
    for name in [
        "Usage",
        "CacheCreation",
        "OutputTokensDetails",
        "ServerToolUsage",
        "MessageDeltaUsage",
        "MessageTokensCount",
        "BetaUsage",
        "BetaCacheCreation",
        "BetaOutputTokensDetails",
        "BetaServerToolUsage",
        "BetaMessageDeltaUsage",
        "BetaMessageTokensCount",
        "BetaCountTokensContextManagementResponse",
        "BetaFallbackCreditUsage",
        "BetaFallbackCreditRedeemed",
        "BetaFallbackCreditNotApplied",
        "BetaMessageIterationUsage",
        "BetaCompactionIterationUsage",
        "BetaAdvisorMessageIterationUsage",
        "BetaFallbackMessageIterationUsage",
    ]
}


def _dumps(m: Any) -> dict[str, Any]:
    return {
        "to_dict": m.to_dict(),
        "to_dict_json": m.to_dict(mode="json"),
        "to_dict_all": m.to_dict(exclude_unset=False),
        "to_dict_no_none": m.to_dict(exclude_none=True, exclude_unset=False),
        "to_json": m.to_json(),
        "to_json_compact": m.to_json(indent=None),
        "model_dump": m.model_dump(),
        "model_dump_json_mode": m.model_dump(mode="json"),
        "model_dump_json": m.model_dump_json(),
        "fields_set": sorted(m.model_fields_set),
        "extra": m.model_extra,
        "str": str(m).replace("anthropic", "tt"),
    }


def _without_model_ids(kind: str, loc: tuple[Any, ...], msg: str) -> tuple[Any, ...]:
    """An error of a `model` field with the model ids it lists (in loc and msg) left out."""
    if "model" not in loc or not any("claude-" in str(x) for x in (*loc, msg)):
        return (kind, loc, msg)
    return (kind, tuple("(model ids)" if "claude-" in str(x) else x for x in loc), "(model ids)")


def strict_outcome(cls: type[Any], payload: object) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            m = cls.model_validate(payload)
        except pydantic.ValidationError as exc:
            errs = [(e["type"], e["loc"], e["msg"]) for e in exc.errors()]
            if MODEL_DRIFT:  # the listed model ids differ by SDK version
                errs = [_without_model_ids(*e) for e in errs]
            return {"error": errs}
        return _dumps(m)


def loose_outcome(cls: type[Any], payload: object) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            m = cls.construct(**payload) if isinstance(payload, dict) else None
            m2 = cls.model_construct(**payload) if isinstance(payload, dict) else None
        except Exception as exc:  # both must fail alike
            return {"raised": type(exc).__name__}
        if m is None or m2 is None:
            return {"not_a_mapping": True}
        out = _dumps(m)
        out.pop("str")
        out["model_construct"] = m2.to_dict()
        return out


def assert_same(name: str, payload: object) -> None:
    ours, sdk = PAIRS[name]
    assert strict_outcome(ours, payload) == strict_outcome(sdk, payload), payload
    assert loose_outcome(ours, payload) == loose_outcome(sdk, payload), payload


# -- the recorded samples ---------------------------------------------------------------------


@pytest.mark.parametrize("sample", SAMPLES, ids=[s["name"] for s in SAMPLES])
def test_recorded_outputs(sample: dict[str, Any]) -> None:
    wire = sample["wire"]
    m = tt.BetaUsage.model_validate(wire)
    assert m.to_dict() == sample["sdk_to_dict"]
    assert list(m.to_dict()) == list(sample["sdk_to_dict"])  # key order
    assert m.to_json() == sample["sdk_to_json"]
    assert m.to_dict(exclude_unset=False) == sample["sdk_to_dict_exclude_unset_false"]
    assert tt.BetaUsage.construct(**wire).to_dict() == sample["sdk_construct_to_dict"]
    assert tt.BetaUsage.loose(wire).to_dict() == sample["sdk_construct_to_dict"]
    assert tt.Usage.model_validate(wire).to_dict() == sample["ga_usage_to_dict"]


@pytest.mark.parametrize("sample", SAMPLES, ids=[s["name"] for s in SAMPLES])
@pytest.mark.parametrize(
    "name", ["Usage", "BetaUsage", "MessageDeltaUsage", "BetaMessageDeltaUsage"]
)
def test_samples_live_against_sdk(sample: dict[str, Any], name: str) -> None:
    assert_same(name, sample["wire"])


# -- hypothesis: every type, valid and junk payloads ------------------------------------------

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("name", sorted(PAIRS))
@SETTINGS
@given(data=st.data())
def test_valid_payloads_agree(name: str, data: st.DataObject) -> None:
    payload = data.draw(payloads(PAIRS[name][0], junk=False))
    assert_same(name, payload)
    assert "error" not in strict_outcome(PAIRS[name][0], payload)


@pytest.mark.parametrize("name", sorted(PAIRS))
@SETTINGS
@given(data=st.data())
def test_junk_payloads_agree(name: str, data: st.DataObject) -> None:
    assert_same(name, data.draw(payloads(PAIRS[name][0], junk=True)))


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("Usage", {"input_tokens": 1}),
        ("Usage", {"input_tokens": "12", "output_tokens": 1.0}),
        ("Usage", {"input_tokens": 1.5, "output_tokens": 1}),
        ("Usage", {"input_tokens": True, "output_tokens": None}),
        ("Usage", {"input_tokens": 1, "output_tokens": 2, "service_tier": "flex"}),
        ("BetaUsage", {"input_tokens": 1, "output_tokens": 2, "speed": "ludicrous"}),
        (
            "BetaUsage",
            {
                "input_tokens": 1,
                "output_tokens": 2,
                "iterations": [
                    {"type": "message", "input_tokens": 1, "output_tokens": 1},
                    {"type": "future_kind", "input_tokens": "x"},
                    {
                        "type": "compaction",
                        "input_tokens": 1,
                        "output_tokens": 2,
                        "cache_read_input_tokens": 0,
                        "cache_creation_input_tokens": 0,
                        "extra": 1,
                    },
                    7,
                ],
            },
        ),
        ("BetaUsage", {"input_tokens": 1, "output_tokens": 2, "iterations": "nope"}),
        ("BetaUsage", {"input_tokens": 1, "output_tokens": 2, "cache_creation": [{"a": 1}]}),
        ("BetaUsage", {"input_tokens": 1, "output_tokens": 2, "cache_creation": 5}),
        (
            "BetaUsage",
            {"input_tokens": 1, "output_tokens": 2, "fallback_credit": {"status": {"type": "x"}}},
        ),
        (
            "BetaFallbackCreditUsage",
            {"status": {"type": "not_applied", "reason": "new_reason", "remove_to_redeem": ["a"]}},
        ),
        ("BetaFallbackCreditUsage", {"status": {"reason": "expired"}}),
        ("BetaFallbackCreditUsage", {"status": None}),
        ("BetaMessageTokensCount", {"input_tokens": 3, "context_management": {}}),
        ("MessageDeltaUsage", {"output_tokens": 3, "input_tokens": None, "zz": None}),
    ],
)
def test_edge_payloads_agree(name: str, payload: dict[str, Any]) -> None:
    assert_same(name, payload)


# -- declared fields equal the facts file and the live SDK ------------------------------------


def render(tp: Any) -> str:
    """An annotation in the facts file's notation (``Union[int, None]``, ``List[...]``)."""
    while typing.get_origin(tp) is Annotated:
        tp = typing.get_args(tp)[0]
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is type(None):
        return "None"
    if origin is Union:
        return f"Union[{', '.join(render(a) for a in args)}]"
    if origin is Literal:
        return f"Literal[{', '.join(json.dumps(a) for a in args)}]"
    if origin is list:
        return f"List[{render(args[0])}]"
    return str(tp.__name__)


def literals(tp: Any) -> list[str]:
    while typing.get_origin(tp) is Annotated:
        tp = typing.get_args(tp)[0]
    if typing.get_origin(tp) is Literal:
        return list(typing.get_args(tp))
    if typing.get_origin(tp) is Union:
        return [v for a in typing.get_args(tp) for v in literals(a)]
    return []


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_fields_match_facts(name: str) -> None:
    ours, sdk = PAIRS[name]
    facts = FACTS["types"][name]
    assert facts["extra"] == "allow" == ours.model_config.get("extra")
    assert list(ours.model_fields) == [f["name"] for f in facts["fields"]]
    assert list(ours.model_fields) == list(sdk.model_fields)
    newest = {f["name"]: f for f in NEWEST["types"][name]["fields"]}
    for f in facts["fields"]:
        field = ours.model_fields[f["name"]]
        if MODEL_DRIFT and f.get("literal_is_open"):  # a Model field: the newest SDK's ids
            f = newest[f["name"]]
            assert render(field.annotation) == f["resolved"], f["name"]
            assert literals(field.annotation) == f["literal_values"], f["name"]
            continue
        assert field.is_required() is f["required"], f["name"]
        if not f["required"]:
            assert field.default == f["default"], f["name"]
        assert render(field.annotation) == f["resolved"], f["name"]
        assert render(field.annotation) == render(sdk.model_fields[f["name"]].annotation)
        if typing.get_origin(field.annotation) is not Union or f["name"] != "iterations":
            assert literals(field.annotation) == f["literal_values"], f["name"]


def test_aliases_match_facts() -> None:
    aliases = FACTS["type_aliases"]
    assert literals(tt.Model) == NEWEST["type_aliases"]["Model"]["literal_values"]
    if not MODEL_DRIFT:
        assert literals(tt.Model) == aliases["Model"]["literal_values"]
    assert str in typing.get_args(tt.Model)  # open: any model id validates
    item = typing.get_args(tt.BetaIterationsUsageItem)[0]
    assert [c.__name__ for c in typing.get_args(item)] == aliases["BetaIterationsUsageItem"][
        "variants"
    ]
    status = typing.get_args(tt.Status)[0]
    assert [c.__name__ for c in typing.get_args(status)] == aliases["Status"]["variants"]


def test_sdk_base_defaults_match_facts() -> None:
    defaults = FACTS["base_model"]["to_json_defaults"]
    assert defaults["indent"] == 2
    m = tt.Usage.model_validate({"input_tokens": 1, "output_tokens": 2})
    assert m.to_json() == '{\n  "input_tokens": 1,\n  "output_tokens": 2\n}'
    assert m.to_json(indent=None) == '{"input_tokens":1,"output_tokens":2}'
