"""Model id forms are resolved by rule (Bedrock, Vertex, ARNs, Claude Code suffixes)."""

from __future__ import annotations

import pytest

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
        ("claude-opus-4-7-20260416", "claude-opus-4-7"),
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
