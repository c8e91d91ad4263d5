"""Renderers on hand-made reports: exact money, unpriced rows, formula-safe CSV."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tokentrail.ledger import Totals
from tokentrail.reports import Report, ReportRow, render_csv, render_json
from tokentrail.reports.render_csv import neutralize

PRICED = Totals(requests=2, input_tokens=1200, output_tokens=800, cache_read_tokens=50_000,
                cache_creation_tokens=4000, cache_1h_tokens=4000,
                cost=Decimal(1200) * 3 / 10**6 + Decimal(800) * 15 / 10**6)  # fmt: skip
UNPRICED = Totals(requests=1, unpriced=1, input_tokens=5, output_tokens=7)


def _report() -> Report:
    rows = [
        ReportRow("=cmd|' /C calc'!A0", PRICED, {"claude-sonnet-4-5-20250929": PRICED}),
        ReportRow("feat/x", UNPRICED, {"mystery-model": UNPRICED}),
    ]
    models = {"claude-sonnet-4-5-20250929": PRICED, "mystery-model": UNPRICED}
    return Report("branch", rows, PRICED + UNPRICED, models, "UTC", {})


def test_json_money_is_exact_and_unpriced_is_null() -> None:
    out = json.loads(render_json(_report()))
    assert out["schema_version"] == 1
    first, second = out["branches"]
    assert first["cost_usd"] == "0.0156"  # 1200 × $3 + 800 × $15 per MTok
    assert first["ephemeral_1h_input_tokens"] == 4000
    assert first["cache_hit_ratio"] == round(50_000 / 55_200, 6)
    assert second["cost_usd"] is None
    assert second["unpriced_requests"] == 1
    assert out["totals"]["cost_usd"] == "0.0156"
    assert out["totals"]["unpriced_requests"] == 1
    assert out["totals"]["models"] == ["claude-sonnet-4-5-20250929", "mystery-model"]


def test_csv_matches_json_and_neutralizes() -> None:
    rows = list(csv.DictReader(io.StringIO(render_csv(_report(), breakdown=True))))
    assert [r["row_type"] for r in rows] == ["row", "model", "row", "model", "total", "model",
                                             "model"]  # fmt: skip
    assert rows[0]["branch"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["cost_usd"] == "0.0156"
    assert rows[2]["cost_usd"] == ""  # unpriced: empty, not 0
    assert Decimal(rows[4]["cost_usd"]) == PRICED.cost


@given(st.text(max_size=20))
def test_neutralize_never_leaves_a_formula(text: str) -> None:
    out = neutralize(text)
    assert not out.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert out.endswith(text)


def test_csv_escapes_terminal_sequences_and_invisible_characters() -> None:
    title = "\x1b]0;owned\x07evil\u202elive\u200b\u2028x\x9b"
    report = Report("branch", [ReportRow(title, PRICED, {})], PRICED, {}, "UTC", {})
    text = render_csv(report)
    assert not any(c in text for c in "\x1b\x07\u202e\u200b\u2028\x9b")
    (row,) = [r for r in csv.DictReader(io.StringIO(text)) if r["row_type"] == "row"]
    assert row["branch"] == "\\x1b]0;owned\\x07evil\\u202elive\\u200b\\u2028x\\x9b"
