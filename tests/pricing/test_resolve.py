"""Model id forms are resolved by rule (Bedrock, Vertex, ARNs, Claude Code suffixes)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokentrail.errors import UnknownModelError
from tokentrail.pricing import normalize_model_id, packaged_catalog, resolve_model

CAT = packaged_catalog()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5-20250929"),
        ("claude-sonnet-4-5", "claude-sonnet-4-5-20250929"),
        ("claude-3-5-sonnet-latest", "claude-3-5-sonnet-20241022"),
        ("claude-sonnet-4-0", "claude-sonnet-4-20250514"),
        ("claude-haiku-4-5", "claude-haiku-4-5-20251001"),
        ("claude-opus-4-5", "claude-opus-4-5-20251101"),
        ("anthropic.claude-3-5-sonnet-20241022-v2:0", "claude-3-5-sonnet-20241022"),
        ("anthropic.claude-3-5-sonnet-20240620-v1:0", "claude-3-5-sonnet-20240620"),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5-20250929"),
        ("eu.anthropic.claude-3-7-sonnet-20250219-v1:0", "claude-3-7-sonnet-20250219"),
        ("apac.anthropic.claude-3-haiku-20240307-v1:0", "claude-3-haiku-20240307"),
        ("global.anthropic.claude-opus-4-6-v1", "claude-opus-4-6"),
        ("us-gov.anthropic.claude-3-haiku-20240307-v1:0", "claude-3-haiku-20240307"),
        (
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
            "us.anthropic.claude-opus-4-1-20250805-v1:0",
            "claude-opus-4-1-20250805",
        ),
        (
            "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-opus-20240229-v1:0",
            "claude-3-opus-20240229",
        ),
        ("claude-3-5-sonnet-v2@20241022", "claude-3-5-sonnet-20241022"),
        ("claude-3-5-sonnet@20240620", "claude-3-5-sonnet-20240620"),
        ("claude-opus-4-1@20250805", "claude-opus-4-1-20250805"),
        ("claude-opus-4-6", "claude-opus-4-6"),
        ("claude-opus-4-6@default", "claude-opus-4-6"),
        ("claude-opus-4-6@latest", "claude-opus-4-6"),
        ("claude-opus-4-7@20260416", "claude-opus-4-7"),  # Vertex: undated model, release day
        ("claude-haiku-4-5@20251001", "claude-haiku-4-5-20251001"),
        ("claude-sonnet-4-5-20250929[1M]", "claude-sonnet-4-5-20250929"),
        ("claude-sonnet-4-5-20250929[1m]", "claude-sonnet-4-5-20250929"),
        ("claude-opus-4-6[1m]", "claude-opus-4-6"),
        ("  Claude-Opus-4-7\n", "claude-opus-4-7"),
        ("anthropic/claude-haiku-5-5", "claude-haiku-5-5"),
    ],
)
def test_forms(name: str, expected: str) -> None:
    assert resolve_model(CAT, name).id == expected


def test_normalize_drops_decoration_only() -> None:
    assert normalize_model_id("us.anthropic.claude-opus-4-6-v1:0") == "claude-opus-4-6"
    assert normalize_model_id("claude-x-v2@20990101") == "claude-x-20990101"


def test_unknown_model_names_closest_ids() -> None:
    with pytest.raises(UnknownModelError) as err:
        resolve_model(CAT, "claude-opus-4-9")
    assert err.value.model == "claude-opus-4-9"
    assert "claude-opus-4-8" in err.value.suggestions
    assert "claude-opus-4-8" in str(err.value)


def test_ambiguous_stem_is_unknown_with_both_candidates() -> None:
    with pytest.raises(UnknownModelError) as err:
        resolve_model(CAT, "claude-3-5-sonnet")
    assert set(err.value.suggestions) == {
        "claude-3-5-sonnet-20240620",
        "claude-3-5-sonnet-20241022",
    }


def test_nothing_close() -> None:
    with pytest.raises(UnknownModelError) as err:
        resolve_model(CAT, "gpt-4o")
    assert err.value.suggestions == ()


@pytest.mark.parametrize(
    ("name", "owner"),
    [
        ("claude-haiku-4-5-20261201", "claude-haiku-4-5-20251001"),
        ("claude-sonnet-4-5-20991231", "claude-sonnet-4-5-20250929"),
        ("claude-opus-4-5-20260101", "claude-opus-4-5-20251101"),
        ("claude-opus-4-6-20250101", "claude-opus-4-6"),
        ("claude-opus-4-6@20990101", "claude-opus-4-6"),
        # seen in third-party lists, not an Anthropic id (facts file)
        ("claude-opus-4-7-20260416", "claude-opus-4-7"),
        # a dated model is never reached through its release day either
        ("claude-3-5-haiku@20241104", "claude-3-5-haiku-20241022"),
    ],
)
def test_unknown_snapshot_date_is_not_priced_as_another_snapshot(name: str, owner: str) -> None:
    with pytest.raises(UnknownModelError) as err:
        resolve_model(CAT, name)
    assert err.value.suggestions[0] == owner


@pytest.mark.parametrize(
    "name", ["claude-opus-4-6[2m]", "claude-opus-4-6[beta]", "claude-opus-4-6@001"]
)
def test_only_known_decorations_are_dropped(name: str) -> None:
    with pytest.raises(UnknownModelError) as err:
        resolve_model(CAT, name)
    assert err.value.suggestions[0] == "claude-opus-4-6"


_NAMES = sorted(CAT.names)


@settings(deadline=None)
@given(
    name=st.sampled_from(_NAMES),
    day=st.dates(date(2000, 1, 1), date(2099, 12, 31)).map(lambda d: d.strftime("%Y%m%d")),
    vertex=st.booleans(),
)
def test_a_date_suffix_resolves_only_to_the_model_with_that_snapshot(
    name: str, day: str, vertex: bool
) -> None:
    """Any id or alias plus any date: either exactly a catalog name (or, on Vertex, an undated
    model's release day), or UnknownModelError suggesting the alias's model first."""
    owner = CAT.models[CAT.names[name]]
    stem = name[:-9] if name[-9:-8] == "-" and name[-8:].isdigit() else name
    given_name = f"{stem}@{day}" if vertex else f"{stem}-{day}"
    exact = CAT.names.get(f"{stem}-{day}")
    undated = stem == owner.id.lower()
    if exact is not None:
        assert resolve_model(CAT, given_name).id == exact
    elif vertex and undated and owner.released.strftime("%Y%m%d") == day:
        assert resolve_model(CAT, given_name).id == owner.id
    else:
        with pytest.raises(UnknownModelError) as err:
            resolve_model(CAT, given_name)
        assert owner.id in err.value.suggestions
