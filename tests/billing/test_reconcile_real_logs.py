"""A ledger ingested from generated Claude Code logs, and a usage report that agrees with it
(its records summed per UTC day x model x tier x context window x geo x speed, as the Admin
API groups them): reconcile finds nothing. Then one planted difference: exactly it."""

from __future__ import annotations

import collections
from datetime import date, timezone
from decimal import Decimal as D
from pathlib import Path

from tokentrail.billing.report import reconcile
from tokentrail.ledger import SQLiteLedger, ingest_claude_code
from tokentrail.ledger.billing_store import UsageBucket
from tokentrail.ledger.totals import AggregateQuery
from tokentrail.pricing import default_catalog
from tokentrail.sample import main as sample_main


def _ms(d: date) -> int:
    return (d - date(1970, 1, 1)).days * 86_400_000


def _usage_of(ledger: SQLiteLedger) -> list[UsageBucket]:
    groups: dict[tuple[object, ...], list[int]] = collections.defaultdict(lambda: [0] * 6)
    for r in ledger.records():
        if r.model == "<synthetic>":
            continue
        u = r.usage.model_dump()
        cc = u.get("cache_creation") or {}
        flat = u.get("cache_creation_input_tokens") or 0
        w5 = cc.get("ephemeral_5m_input_tokens") or 0 if cc else flat
        w1 = cc.get("ephemeral_1h_input_tokens") or 0 if cc else 0
        read = u.get("cache_read_input_tokens") or 0
        prompt = (u.get("input_tokens") or 0) + flat + read
        web = (u.get("server_tool_use") or {}).get("web_search_requests") or 0
        day = r.timestamp.astimezone(timezone.utc).date()
        ctx = "200k-1M" if prompt > 200_000 else "0-200k"
        key = (day, r.model, u.get("service_tier"), ctx, u.get("inference_geo"), u.get("speed"))
        for i, v in enumerate((u.get("input_tokens") or 0, w5, w1, read, u["output_tokens"], web)):
            groups[key][i] += v
    return [
        UsageBucket("1d", _ms(day), _ms(day) + 86_400_000, model=model, api_key_id="apikey_A",
                    service_tier=tier, context_window=ctx, inference_geo=geo, speed=speed,
                    uncached_input_tokens=g[0], cache_5m_tokens=g[1], cache_1h_tokens=g[2],
                    cache_read_tokens=g[3], output_tokens=g[4], web_search_requests=g[5])
        for (day, model, tier, ctx, geo, speed), g in groups.items()
    ]  # fmt: skip


def test_a_matching_bill_has_no_finding_and_a_planted_one_is_found(tmp_path: Path) -> None:
    tree = tmp_path / "claude"
    sample_main([str(tree), "--size", "2MB", "--seed", "11", "--days", "12", "--quiet"])
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        ingest_claude_code(ledger, [tree])
        rows = ledger.aggregate(AggregateQuery(group_by="day", tz=timezone.utc))
        usage = _usage_of(ledger)
    assert len(usage) > 3
    assert reconcile(default_catalog(), rows, usage, []).findings == []
    # plant: one row's output grows by 1,000 tokens, from a key the ledger never saw
    first = usage[0]
    extra = UsageBucket(first.width, first.start_ms, first.end_ms, model=first.model,
                        api_key_id="apikey_new", output_tokens=1000)  # fmt: skip
    found = reconcile(default_catalog(), rows, [*usage, extra], []).findings
    assert [(f.kind, f.api_key_id, f.token_type, f.tokens) for f in found] == [
        ("untracked_usage", "apikey_new", "output_tokens", 1000)
    ]
    assert found[0].cost_usd is not None
    assert found[0].cost_usd > D(0)
