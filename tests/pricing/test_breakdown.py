"""CostBreakdown: explain() shows checkable arithmetic; to_dict() is JSON-safe."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest

from tokentrail.pricing import packaged_catalog, price

CAT = packaged_catalog()


def _b():  # type: ignore[no-untyped-def]
    usage = {
        "input_tokens": 1000,
        "output_tokens": 500,
        "cache_read_input_tokens": 200_000,
        "cache_creation_input_tokens": 300,
        "service_tier": "batch",
        "server_tool_use": {"web_search_requests": 2, "web_fetch_requests": 0},
    }
    return price(usage, model="claude-sonnet-4-5", at=date(2025, 10, 1), catalog=CAT)


def test_explain_shows_each_line_formula_and_total() -> None:
    text = _b().explain()
    assert "claude-sonnet-4-5-20250929 (given as 'claude-sonnet-4-5')" in text
    assert "200,000 tok × $0.60/MTok × 0.5 = $0.06" in text
    assert "2 × $0.01 = $0.02" in text
    assert "total" in text
    assert "$0.08975" in text
    assert "cache_ttl_split_missing" in text
    assert "https://platform.claude.com/docs/en/about-claude/pricing" in text


def test_to_dict_is_json_safe_with_decimal_strings() -> None:
    d = _b().to_dict()
    text = json.dumps(d)
    assert d["total_usd"] == "0.08975"
    assert d["lines"][0]["rate_per_mtok"] == "6"
    assert isinstance(json.loads(text)["lines"][0]["usd"], str)


def test_frozen() -> None:
    b = _b()
    with pytest.raises(dataclasses.FrozenInstanceError):
        b.total = 0  # type: ignore[misc]


def test_unpriced_line_says_so() -> None:
    b = price(
        {"input_tokens": 1, "output_tokens": 1, "cache_read_input_tokens": 5},
        model="claude-3-sonnet-20240229",
        at=date(2024, 6, 1),
        catalog=CAT,
    )
    assert "unpriced" in b.explain()
    assert "lower bound" in b.explain()
    assert b.to_dict()["complete"] is False
