"""``tokentrail reconcile``: the planted differences of ``_scenario`` come out exactly, each
with its explanation, and nothing else. Expected dollars are written as arithmetic on the
catalog's published rates (USD per MTok), never computed by the code under test."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from _fake_admin import serve
from _scenario import DAYS, KEY, MODEL, OTHER, Run, fake, fill_ledger

from tokentrail.billing.report import reconcile, to_dict
from tokentrail.ledger import Totals
from tokentrail.ledger.billing_store import CostBucket, UsageBucket
from tokentrail.ledger.totals import AggregateRow
from tokentrail.pricing import default_catalog

M = 10**6
IN, OUT = "uncached_input_tokens", "output_tokens"


@pytest.fixture
def pulled(run: Run, ledger: Path) -> Path:
    fill_ledger(ledger)
    with serve(fake()) as f:
        code, _, err = run("billing", "pull", "--since", DAYS[0], "--until", DAYS[3],
                           "--base-url", f.url, "--ledger", str(ledger), "--quiet")  # fmt: skip
    assert code == 0, err
    return ledger


def _json(run: Run, ledger: Path, *args: str) -> dict[str, Any]:
    code, out, err = run("reconcile", "--ledger", str(ledger), "--json", *args)
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def _brief(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (f["kind"], f["date"], f["api_key_id"], f["token_type"], f["tokens"], f["cost_usd"])
        for row in doc["rows"]
        for f in row["findings"]
    ]


def _usd(x: D) -> str:
    return str(x.normalize()) if x != x.to_integral() else str(x.quantize(D(1)))


EXPECTED = [
    # 11-02: the key the ledger never saw: 500 input at $3, 50 output at $15
    ("untracked_usage", DAYS[0], OTHER, IN, 500, _usd(500 * D(3) / M)),
    ("untracked_usage", DAYS[0], OTHER, OUT, 50, _usd(50 * D(15) / M)),
    # 11-03: batch (x0.5) on 2000 input + 1000 output the ledger priced at list
    ("price_rule", DAYS[1], KEY, None, 3000, _usd(-(2000 * D(3) + 1000 * D(15)) / 2 / M)),
    # 11-04: Priority Tier, not in the cost report: list price of 3000 input + 100 output
    ("price_rule", DAYS[2], KEY, None, 3100, _usd((3000 * D(3) + 100 * D(15)) / M)),
    # 11-05: output billed 150.1 cents for 100,000 tokens the catalog prices at $15/MTok
    ("catalog_rate", DAYS[3], None, OUT, 100000, _usd(D("150.1") / 100 - 100000 * D(15) / M)),
]


def test_the_planted_differences_and_nothing_else(run: Run, pulled: Path) -> None:
    doc = _json(run, pulled, "--keys", KEY)
    assert doc["schema_version"] == 1
    assert [r["key"] for r in doc["rows"]] == DAYS[:4]
    assert _brief(doc) == EXPECTED
    assert [
        tuple(f[k] for k in ("kind", "date", "api_key_id", "token_type", "tokens", "cost_usd"))
        for f in doc["findings"]
    ] == EXPECTED  # every bucket's findings, in one list
    first = doc["rows"][0]
    assert first["ledger"]["cost_usd"] == _usd(
        (1000 * D(3) + 2000 * D("3.75") + 10000 * D("0.30") + 500 * D(15)) / M
    )
    assert first["billed"]["cost_usd"] == _usd(
        (D("0.45") + D("0.825") + D("0.75") + D("0.3")) / 100
    )
    assert first["difference"]["tokens"][IN] == 500
    finding = doc["rows"][3]["findings"][0]
    assert finding["model"] == MODEL
    assert "$15/MTok" in finding["detail"]
    assert "$15.01/MTok" in finding["detail"]
    assert "Priority Tier" in doc["rows"][2]["findings"][0]["detail"]
    assert "Batch API" in doc["rows"][1]["findings"][0]["detail"]
    assert "not tracked" in doc["rows"][0]["findings"][0]["detail"]


def test_without_keys_the_unseen_key_is_named(run: Run, pulled: Path) -> None:
    doc = _json(run, pulled)
    assert _brief(doc) == EXPECTED
    assert "never saw" in doc["rows"][0]["findings"][0]["detail"]
    assert doc["rows"][0]["findings"][0]["workspace_id"] == "wrkspc_other"


def test_other_groupings_keep_the_same_findings(run: Run, pulled: Path) -> None:
    by_model = _json(run, pulled, "--by", "model", "--keys", KEY)
    assert [r["key"] for r in by_model["rows"]] == [MODEL]
    assert sorted(_brief(by_model), key=repr) == sorted(EXPECTED, key=repr)
    by_key = _json(run, pulled, "--by", "api-key", "--keys", KEY)
    keys = {r["key"]: r for r in by_key["rows"]}
    assert set(keys) == {KEY, OTHER, None}
    assert keys[KEY]["ledger"] is not None  # the one tracked key holds the ledger
    assert keys[OTHER]["ledger"] is None
    assert keys[KEY]["billed"] is None  # the cost report has no keys
    assert {f["kind"] for f in keys[OTHER]["findings"]} == {"untracked_usage"}
    by_ws = _json(run, pulled, "--by", "workspace", "--since", DAYS[0], "--until", DAYS[0])
    assert {r["key"] for r in by_ws["rows"]} == {None, "wrkspc_other"}


def test_csv_and_table(run: Run, pulled: Path) -> None:
    code, out, _ = run("reconcile", "--ledger", str(pulled), "--csv", "--keys", KEY)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["date"] for r in rows] == DAYS[:4]
    assert rows[3]["finding_kinds"] == "catalog_rate"
    assert rows[1]["billed_cost_usd"] == _usd((D("0.3") + D("0.75")) / 100)
    code, out, _ = run("reconcile", "--ledger", str(pulled), "--keys", KEY)
    assert code == 0
    assert "catalog_rate" in out
    assert "untracked_usage" in out


def test_reconcile_needs_a_pull(run: Run, ledger: Path) -> None:
    fill_ledger(ledger)
    code, _, err = run("reconcile", "--ledger", str(ledger))
    assert code == 2
    assert "billing pull" in err


# -- rules and gaps without a server (the same engine, hand-built buckets) ----------------


def _ms(day: str) -> int:
    return int(datetime.fromisoformat(day).replace(tzinfo=timezone.utc).timestamp()) * 1000


def _row(day: str, model: str, **kw: Any) -> UsageBucket:
    return UsageBucket("1d", _ms(day), _ms(day) + 86_400_000, model=model, api_key_id=KEY, **kw)


def _ledger(day: str, model: str, cost: D, **tok: int) -> AggregateRow:
    t = Totals(requests=1, input_tokens=tok.get("input", 0), output_tokens=tok.get("output", 0),
               cost=cost)  # fmt: skip
    return AggregateRow(day, t, {model: t})


def test_rules_missing_usage_and_the_unexplained() -> None:
    opus, sonnet = "claude-opus-4-6", MODEL
    ledger = [
        # data residency missed by the ledger: opus 4.6 at $5 in / $25 out, list
        _ledger("2026-11-10", opus, (1000 * D(5) + 100 * D(25)) / M, input=1000, output=100),
        # the ledger holds 200 output tokens more than the usage report
        _ledger("2026-11-11", opus, (1000 * D(5) + 300 * D(25)) / M, input=1000, output=300),
        # a ledger cost no rule explains: $0.006 for 1000 input tokens at $5/MTok
        _ledger("2026-11-12", opus, D("0.006"), input=1000),
        # long context missed: sonnet 4.5 base rates $3 / $15 instead of $6 / $22.50
        _ledger("2026-03-02", sonnet, (300000 * D(3) + 1000 * D(15)) / M, input=300000,
                output=1000),
    ]  # fmt: skip
    usage = [
        _row("2026-11-10", opus, inference_geo="us", uncached_input_tokens=1000, output_tokens=100),
        _row("2026-11-11", opus, uncached_input_tokens=1000, output_tokens=100),
        _row("2026-11-12", opus, uncached_input_tokens=1000),
        _row("2026-03-02", sonnet, context_window="200k-1M", uncached_input_tokens=300000,
             output_tokens=1000),
    ]  # fmt: skip
    rec = reconcile(default_catalog(), sorted(ledger, key=lambda r: r.key), usage, [])
    got = [
        (f["kind"], f["date"], f["token_type"], f["tokens"], f["cost_usd"])
        for f in (x for r in to_dict(rec)["rows"] for x in r["findings"])
    ]
    assert got == [
        ("price_rule", "2026-03-02", None, 301000,
         _usd((300000 * (D(6) - D(3)) + 1000 * (D("22.5") - D(15))) / M)),
        ("price_rule", "2026-11-10", None, 1100, _usd((1000 * D(5) + 100 * D(25)) * D("0.1") / M)),
        ("missing_from_bill", "2026-11-11", OUT, 200, _usd(200 * D(25) / M)),
        ("unexplained", "2026-11-12", None, None, _usd(D("0.006") - 1000 * D(5) / M)),
    ]  # fmt: skip
    details = [f.detail for r in rec.rows for f in r.findings]
    assert "long-context" in details[0]
    assert "data residency" in details[1]


def test_rounding_never_makes_a_finding() -> None:
    day = "2026-11-20"
    usage = [_row(day, MODEL, uncached_input_tokens=1001, output_tokens=333)]
    # exact: 1001 x $3 = 0.3003 cents, 333 x $15 = 0.4995 cents; billed rounded to 0.01 cent
    cost = [
        CostBucket(_ms(day), _ms(day) + 86_400_000, "0.30", model=MODEL, token_type=IN),
        CostBucket(_ms(day), _ms(day) + 86_400_000, "0.50", model=MODEL, token_type=OUT),
    ]
    ledger = [_ledger(day, MODEL, (1001 * D(3) + 333 * D(15)) / M, input=1001, output=333)]
    rec = reconcile(default_catalog(), ledger, usage, cost)
    assert rec.findings == []
    # billed 0.0003 cent more on 333 output tokens (~$0.009/MTok): found, even on a small day
    cost[1] = CostBucket(_ms(day), _ms(day) + 86_400_000, "0.4998", model=MODEL, token_type=OUT)
    off = reconcile(default_catalog(), ledger, usage, cost).findings
    assert [(f.kind, f.token_type) for f in off] == [("catalog_rate", OUT)]


def test_a_ttl_split_the_ledger_lacked_is_a_price_rule() -> None:
    day = "2026-11-21"
    # the ledger counted 4000 writes as 5-minute ($3.75/MTok); the bill says 1-hour ($6/MTok)
    t = Totals(requests=1, cache_creation_tokens=4000, cache_5m_tokens=4000,
               cost=4000 * D("3.75") / M)  # fmt: skip
    ledger = [AggregateRow(day, t, {MODEL: t})]
    usage = [_row(day, MODEL, cache_1h_tokens=4000)]
    found = reconcile(default_catalog(), ledger, usage, []).findings
    assert [(f.kind, f.token_type, f.tokens, f.cost_usd) for f in found] == [
        ("price_rule", "cache_creation.ephemeral_1h_input_tokens", 4000,
         4000 * (D(6) - D("3.75")) / M),
    ]  # fmt: skip


def test_web_searches_billed_without_a_model_are_checked_per_day() -> None:
    day = "2026-11-22"
    end = _ms(day) + 86_400_000
    usage = [
        _row(day, MODEL, output_tokens=10, web_search_requests=3),
        _row(day, "claude-opus-4-6", output_tokens=10, web_search_requests=2),
    ]
    out_cost = [
        CostBucket(_ms(day), end, "0.015", model=MODEL, token_type=OUT),  # 10 x $15/MTok
        CostBucket(_ms(day), end, "0.025", model="claude-opus-4-6", token_type=OUT),
    ]
    web = CostBucket(_ms(day), end, "5", cost_type="web_search")  # 5 searches x $0.01
    assert reconcile(default_catalog(), [], usage, [*out_cost, web], keys=frozenset({"k"})).rows
    found = reconcile(default_catalog(), [], usage, [*out_cost, web]).findings
    assert {f.kind for f in found} == {"untracked_usage"}  # no ledger at all; the bill agrees
    web_off = CostBucket(_ms(day), end, "6", cost_type="web_search")
    found = reconcile(default_catalog(), [], usage, [*out_cost, web_off]).findings
    bill = [(f.kind, f.model, f.token_type, f.tokens) for f in found if f.kind != "untracked_usage"]
    assert bill == [("catalog_rate", None, "web_search_requests", 5)]


def test_a_model_missing_from_the_catalog_keeps_its_token_findings() -> None:
    day = "2026-11-23"
    usage = [_row(day, "claude-nonesuch-9", output_tokens=70)]
    rec = reconcile(default_catalog(), [], usage, [])
    assert [(f.kind, f.tokens, f.cost_usd) for f in rec.findings] == [("untracked_usage", 70, None)]
    assert any("claude-nonesuch-9" in n for n in rec.notes)


def test_catalog_check_without_local_logs(run: Run, pulled: Path) -> None:
    doc = _json(run, pulled, "--catalog-check")
    assert _brief(doc) == [e for e in EXPECTED if e[1] in (DAYS[2], DAYS[3])]
    assert all(r["ledger"] is None for r in doc["rows"])


def test_billed_reports(run: Run, pulled: Path, tmp_path: Path) -> None:
    code, out, err = run("billing", "daily", "--ledger", str(pulled), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert [r["date"] for r in doc["daily"]] == DAYS[:4]
    cents = ["0.45", "0.825", "0.75", "0.3", "0.3", "0.75", "0.06", "150.1"]
    assert doc["totals"]["billed_cost_usd"] == _usd(sum(D(c) for c in cents) / 100)
    assert doc["totals"]["output_tokens"] == 500 + 50 + 1000 + 100 + 100000
    # the catalog estimate of the usage report (batch x0.5 on 11-03), by hand
    est = (
        (1500 * D(3) + 2000 * D("3.75") + 10000 * D("0.30") + 550 * D(15))
        + (2000 * D(3) + 1000 * D(15)) / 2
        + (3000 * D(3) + 100 * D(15))
        + (200 * D(3) + 100000 * D(15))
    ) / M
    assert doc["totals"]["estimated_cost_usd"] == _usd(est)
    code, out, _ = run("billing", "api-key", "--ledger", str(pulled), "--json")
    keys = {r["api_key_id"]: r for r in json.loads(out)["api_keys"]}
    assert set(keys) == {KEY, OTHER}
    assert keys[OTHER]["billed_cost_usd"] is None
    assert keys[OTHER]["estimated_cost_usd"] == _usd((500 * D(3) + 50 * D(15)) / M)
    pq = pytest.importorskip("pyarrow.parquet")
    target = tmp_path / "m.parquet"
    code, out, _ = run("billing", "model", "--ledger", str(pulled), "--parquet", str(target))
    assert code == 0
    assert MODEL in out
    table = pq.read_table(target).to_pylist()
    assert table[0]["billed_cost_usd"] == sum(D(c) for c in cents) / 100
    code, out, _ = run("billing", "workspace", "--ledger", str(pulled), "--csv")
    assert out.splitlines()[0].startswith("workspace_id,input_tokens,")


def test_cost_rows_by_display_name_or_without_token_type_still_join() -> None:
    day = "2026-11-24"
    end = _ms(day) + 86_400_000
    usage = [_row(day, MODEL, uncached_input_tokens=1000, output_tokens=100)]
    ledger = [_ledger(day, MODEL, (1000 * D(3) + 100 * D(15)) / M, input=1000, output=100)]
    named = [
        CostBucket(_ms(day), end, "0.3", model="Claude Sonnet 4.5", token_type=IN),
        CostBucket(_ms(day), end, "0.15", model="Claude Sonnet 4.5", token_type=OUT),
    ]
    assert reconcile(default_catalog(), ledger, usage, named).findings == []
    lump = [CostBucket(_ms(day), end, "0.45", model=MODEL, cost_type="tokens")]
    assert reconcile(default_catalog(), ledger, usage, lump).findings == []
    lump_off = [CostBucket(_ms(day), end, "0.55", model=MODEL, cost_type="tokens")]
    found = reconcile(default_catalog(), ledger, usage, lump_off).findings
    assert [(f.kind, f.token_type, f.cost_usd) for f in found] == [
        ("catalog_rate", None, D("0.0055") - (1000 * D(3) + 100 * D(15)) / M)
    ]


def test_tracked_keys_from_the_config_file(run: Run, pulled: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[reconcile]\nkeys = "{KEY}"\n')
    code, out, err = run("--config", str(cfg), "reconcile", "--ledger", str(pulled), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["tracked"]["api_key_ids"] == [KEY]
    assert "not tracked" in doc["rows"][0]["findings"][0]["detail"]


def test_cost_rows_without_a_model_are_checked_for_the_whole_day() -> None:
    day = "2026-11-25"
    end = _ms(day) + 86_400_000
    usage = [
        _row(day, MODEL, uncached_input_tokens=1000, output_tokens=100),
        _row(day, "claude-opus-4-6", uncached_input_tokens=2000),
    ]
    ledger = [
        _ledger(day, MODEL, (1000 * D(3) + 100 * D(15)) / M, input=1000, output=100),
        _ledger(day, "claude-opus-4-6", 2000 * D(5) / M, input=2000),
    ]
    # per type, no model: input 1000 x $3 + 2000 x $5 = 1.3 cents; output 100 x $15 = 0.15
    cost = [
        CostBucket(_ms(day), end, "1.3", token_type=IN),
        CostBucket(_ms(day), end, "0.15", token_type=OUT),
    ]
    assert reconcile(default_catalog(), ledger, usage, cost).findings == []
    cost[0] = CostBucket(_ms(day), end, "1.4", token_type=IN)
    found = reconcile(default_catalog(), ledger, usage, cost).findings
    assert [(f.kind, f.model, f.token_type, f.tokens, f.cost_usd) for f in found] == [
        ("catalog_rate", None, IN, 3000, D("0.014") - (1000 * D(3) + 2000 * D(5)) / M)
    ]


def test_the_default_workspace_and_keyless_usage_can_be_tracked() -> None:
    day = "2026-11-26"
    lo, hi = _ms(day), _ms(day) + 86_400_000
    usage = [
        UsageBucket("1d", lo, hi, model=MODEL, output_tokens=10),  # no key, default workspace
        UsageBucket("1d", lo, hi, model=MODEL, api_key_id=KEY, workspace_id="wrk_b",
                    output_tokens=20),
    ]  # fmt: skip
    ledger = [_ledger(day, MODEL, 10 * D(15) / M, output=10)]
    cat = default_catalog()
    found = reconcile(cat, ledger, usage, [], workspaces=frozenset({"default"})).findings
    assert [(f.kind, f.workspace_id, f.tokens) for f in found] == [("untracked_usage", "wrk_b", 20)]
    found = reconcile(cat, ledger, usage, [], keys=frozenset({"none"})).findings
    assert [(f.kind, f.api_key_id, f.tokens) for f in found] == [("untracked_usage", KEY, 20)]
