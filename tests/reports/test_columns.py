"""CSV and Parquet have one fixed set of columns (and types) per report kind, whatever the
data, and the key column always holds the row's key (the ``model`` report included)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from tokentrail.ledger import Totals
from tokentrail.reports import Report, ReportRow, render_csv, render_json, write_parquet
from tokentrail.reports.fields import FIELD_NAMES
from tokentrail.reports.model import KINDS

PRICED = Totals(requests=2, input_tokens=1200, output_tokens=800,
                cost=Decimal(1200) * 3 / 10**6 + Decimal(800) * 15 / 10**6)  # fmt: skip
UNPRICED = Totals(requests=1, unpriced=1, input_tokens=5, output_tokens=7)
SYNTH = Totals(synthetic=2)
SONNET = "claude-sonnet-4-5-20250929"


def _header(report: Report, breakdown: bool = False) -> list[str]:
    return next(csv.reader(io.StringIO(render_csv(report, breakdown))))


def _report(kind: str, rows: list[ReportRow]) -> Report:
    total, models = Totals(), {}
    for r in rows:
        total = total + r.totals
        for m, t in r.models.items():
            models[m] = models[m] + t if m in models else t
    return Report(kind, rows, total, models, "UTC", {})


def test_model_report_keeps_the_synthetic_key_in_csv() -> None:
    rows = [
        ReportRow("<synthetic>", SYNTH, {"<synthetic>": SYNTH}),
        ReportRow(SONNET, PRICED, {SONNET: PRICED}),
    ]
    report = _report("model", rows)
    out = list(csv.DictReader(io.StringIO(render_csv(report, breakdown=True))))
    data = json.loads(render_json(report))
    assert [r["model"] for r in out] == ["<synthetic>", SONNET, ""]  # no breakdown duplicate
    assert [r["model"] for r in data["models"]] == ["<synthetic>", SONNET]
    assert [r["models"] for r in out] == ["", SONNET, SONNET]  # models used, <synthetic> out
    assert out[0]["synthetic_messages"] == "2"
    assert _header(report).count("model") == 1


def test_breakdown_rows_name_their_model_in_the_model_column() -> None:
    rows = [ReportRow("2026-01-01", PRICED + UNPRICED, {SONNET: PRICED, "mystery": UNPRICED})]
    out = list(csv.DictReader(io.StringIO(render_csv(_report("daily", rows), breakdown=True))))
    assert [(r["row_type"], r["model"], r["models"]) for r in out] == [
        ("row", "", f"{SONNET}; mystery"),
        ("model", SONNET, SONNET),
        ("model", "mystery", "mystery"),
        ("total", "", f"{SONNET}; mystery"),
        ("model", SONNET, SONNET),
        ("model", "mystery", "mystery"),
    ]
    assert out[2]["cost_usd"] == ""  # unpriced breakdown: empty, never 0
    assert Decimal(out[1]["cost_usd"]) == Decimal("0.0156")  # 1200 × $3 + 800 × $15 per MTok


def _block(active: bool) -> ReportRow:
    extra: dict[str, object] = {
        "block_end": "2026-01-01T15:00:00+00:00",
        "first_activity": "2026-01-01T10:05:00+00:00",
        "last_activity": "2026-01-01T11:05:00+00:00",
        "is_active": active,
    }
    if active:
        extra.update(remaining_minutes=100, tokens_per_minute=33.333,
                     cost_per_hour_usd=Decimal("0.0156"), projected_total_tokens=5000,
                     projected_cost_usd=Decimal("0.05"))  # fmt: skip
    return ReportRow("2026-01-01T10:00:00+00:00", PRICED, {SONNET: PRICED}, extra)


@pytest.mark.parametrize("kind", list(KINDS))
def test_columns_do_not_depend_on_the_data(kind: str) -> None:
    empty = _header(_report(kind, []))
    if kind == "blocks":
        variants = [[_block(False)], [_block(True)], [_block(False), _block(True)]]
    elif kind == "session":
        extra = {"project": "/p", "first_activity": "2026-01-01", "last_activity": "2026-01-02"}
        variants = [[ReportRow("s1", PRICED, {SONNET: PRICED}, extra)]]
    else:
        variants = [[ReportRow("k", UNPRICED, {"mystery": UNPRICED})]]
    for rows in variants:
        for breakdown in (False, True):
            assert _header(_report(kind, rows), breakdown) == empty
    key = KINDS[kind][0]
    assert empty[:2] == ["row_type", key]
    assert empty[-len(FIELD_NAMES) :] == list(FIELD_NAMES)
    assert len(set(empty)) == len(empty)


def test_json_rows_of_a_kind_have_the_same_fields() -> None:
    data = json.loads(render_json(_report("blocks", [_block(False), _block(True)])))
    inactive, active = data["blocks"]
    assert list(inactive) == list(active)
    assert inactive["cost_per_hour_usd"] is None
    assert active["cost_per_hour_usd"] == "0.0156"


def test_parquet_schema_does_not_depend_on_the_data(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    pa = pytest.importorskip("pyarrow")

    def schema(kind: str, rows: list[ReportRow], name: str) -> object:
        path = tmp_path / f"{name}.parquet"
        write_parquet(_report(kind, rows), path, breakdown=True)
        return pq.read_schema(path)

    unpriced = schema("daily", [ReportRow("2026-01-01", UNPRICED, {"m": UNPRICED})], "u")
    priced = schema("daily", [ReportRow("2026-01-01", PRICED, {SONNET: PRICED})], "p")
    assert schema("daily", [], "e") == unpriced == priced
    assert priced.field("cost_usd").type == pa.decimal128(38, 12)
    assert priced.field("requests").type == pa.int64()
    assert priced.field("cache_hit_ratio").type == pa.float64()
    blocks = [schema("blocks", rows, f"b{i}") for i, rows in
              enumerate([[], [_block(False)], [_block(True)]])]  # fmt: skip
    assert blocks[0] == blocks[1] == blocks[2]
    assert blocks[0].field("is_active").type == pa.bool_()
    assert blocks[0].field("projected_cost_usd").type == pa.decimal128(38, 12)
    table = pq.read_table(tmp_path / "b2.parquet").to_pylist()
    assert table[0]["projected_cost_usd"] == Decimal("0.05")
    assert table[0]["remaining_minutes"] == 100
