"""Cache-write splits that disagree or are missing, advisor speed, and explain()'s basis lines.

Expected money is written as hand formulas from the catalog's rates (USD per MTok).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

from tokentrail.pricing import price

OPUS5 = date(2026, 8, 1)  # opus 5: input 5, 5m write 6.25, 1h write 10, read 0.50, output 25


def _split(five: int, hour: int) -> dict[str, int]:
    return {"ephemeral_5m_input_tokens": five, "ephemeral_1h_input_tokens": hour}


def _it(inp: int, out: int, writes: int, split: dict[str, int] | None = None, **kw: Any) -> dict:
    d: dict[str, Any] = {
        "type": "message",
        "input_tokens": inp,
        "output_tokens": out,
        "cache_creation_input_tokens": writes,
        "cache_read_input_tokens": 0,
    }
    if split is not None:
        d["cache_creation"] = split
    d.update(kw)
    return d


def test_flat_total_below_split_is_flagged() -> None:
    u = {"input_tokens": 0, "output_tokens": 0, "cache_creation_input_tokens": 10,
         "cache_creation": _split(100, 100)}  # fmt: skip
    b = price(u, model="claude-opus-5", at=OPUS5)
    assert b.total == 10 * D(10) / 10**6  # the flat 10, all 1-hour (split's 1h capped at 10)
    assert "cache_split_inconsistent" in b.flag_codes


def test_flat_total_above_split_is_flagged() -> None:
    u = {"input_tokens": 0, "output_tokens": 0, "cache_creation_input_tokens": 300,
         "cache_creation": _split(100, 100)}  # fmt: skip
    b = price(u, model="claude-opus-5", at=OPUS5)
    assert b.total == (200 * D("6.25") + 100 * D(10)) / 10**6  # extra 100 as 5-minute
    assert "cache_split_inconsistent" in b.flag_codes


def test_consistent_split_is_not_flagged() -> None:
    u = {"input_tokens": 0, "output_tokens": 0, "cache_creation_input_tokens": 200,
         "cache_creation": _split(100, 100)}  # fmt: skip
    assert "cache_split_inconsistent" not in price(u, model="claude-opus-5", at=OPUS5).flag_codes


def test_one_iteration_without_split_takes_the_top_level_split() -> None:
    u = {"input_tokens": 10, "output_tokens": 10, "cache_creation_input_tokens": 3000,
         "cache_creation": _split(1000, 2000),
         "iterations": [_it(10, 10, 3000)]}  # fmt: skip
    b = price(u, model="claude-opus-5", at=OPUS5)
    assert b.total == (10 * D(5) + 10 * D(25) + 1000 * D("6.25") + 2000 * D(10)) / 10**6
    assert "cache_ttl_split_from_top_level" in b.flag_codes
    assert "cache_ttl_split_missing" not in b.flag_codes


def test_all_one_hour_top_level_makes_every_iteration_one_hour() -> None:
    u = {"input_tokens": 0, "output_tokens": 0, "cache_creation_input_tokens": 500,
         "cache_creation": _split(0, 500),
         "iterations": [_it(0, 0, 200), _it(0, 0, 300)]}  # fmt: skip
    b = price(u, model="claude-opus-5", at=OPUS5)
    assert b.total == 500 * D(10) / 10**6
    assert "cache_ttl_split_from_top_level" in b.flag_codes


def test_known_iteration_splits_are_subtracted_first() -> None:
    # top 1000 5m + 2000 1h; iteration 0 says 1000 5m + 0 1h; iteration 1 (no split) gets 2000 1h
    u = {"input_tokens": 0, "output_tokens": 0, "cache_creation_input_tokens": 3000,
         "cache_creation": _split(1000, 2000),
         "iterations": [_it(0, 0, 1000, _split(1000, 0)), _it(0, 0, 2000)]}  # fmt: skip
    b = price(u, model="claude-opus-5", at=OPUS5)
    assert b.total == (1000 * D("6.25") + 2000 * D(10)) / 10**6


def test_ambiguous_apportioning_stays_five_minute_and_flagged() -> None:
    u = {"input_tokens": 0, "output_tokens": 0, "cache_creation_input_tokens": 3000,
         "cache_creation": _split(1000, 2000),
         "iterations": [_it(0, 0, 1500), _it(0, 0, 1500)]}  # fmt: skip
    b = price(u, model="claude-opus-5", at=OPUS5)
    assert b.total == 3000 * D("6.25") / 10**6
    assert "cache_ttl_split_missing" in b.flag_codes
    assert any("cannot be apportioned" in f.message for f in b.flags)


def test_advisor_of_another_model_is_priced_at_standard_speed() -> None:
    # sonnet 4.6 request at speed fast (no fast row: unpriced_fast_mode, standard rates 3 / 15),
    # opus 4.7 advisor iteration: standard 5 / 25, never its $30 fast row
    u = {
        "input_tokens": 0,
        "output_tokens": 0,
        "speed": "fast",
        "iterations": [
            _it(1000, 100, 0),
            _it(2000, 300, 0, type="advisor_message", model="claude-opus-4-7"),
        ],
    }
    b = price(u, model="claude-sonnet-4-6", at=date(2026, 5, 1))
    assert b.total == (1000 * D(3) + 100 * D(15) + 2000 * D(5) + 300 * D(25)) / 10**6
    assert "iteration_speed_assumed" in b.flag_codes


def test_fast_iterations_of_the_request_model_stay_fast() -> None:
    u = {"input_tokens": 0, "output_tokens": 0, "speed": "fast",
         "iterations": [_it(1000, 100, 0), _it(1000, 100, 0, model="claude-opus-4-7")]}  # fmt: skip
    b = price(u, model="claude-opus-4-7", at=date(2026, 5, 1))
    assert b.total == 2 * (1000 * D(30) + 100 * D(150)) / 10**6
    assert "iteration_speed_assumed" not in b.flag_codes


def test_explain_says_why_a_tier_row_was_chosen_and_subtotals_iterations() -> None:
    u = {"input_tokens": 0, "output_tokens": 0,
         "iterations": [_it(300_000, 0, 0), _it(1000, 0, 0)]}  # fmt: skip
    b = price(u, model="claude-sonnet-4-6", at=date(2026, 3, 1))
    text = b.explain()
    assert "iteration 0: prompt 300,000 > 200,000 tokens → long_context_legacy rates" in text
    assert "iteration 1: prompt 1,000 <= 200,000 tokens → standard rates" in text
    assert f"subtotal        ${300_000 * D(6) / 10**6}" in text  # 300,000 x $6 (LC input)
    assert "subtotal        $0.003" in text  # 1,000 x $3
    assert b.to_dict()["basis"] == list(b.basis)
