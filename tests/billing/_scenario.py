"""A month slice with planted differences between a ledger and the bill.

Model claude-sonnet-4-5-20250929 at the catalog's standard rates (USD per MTok): input 3,
5m cache write 3.75, 1h write 6, cache read 0.30, output 15; web search $0.01 each.
Tracked key ``apikey_A`` (default workspace). Planted:

* 2026-11-02: key ``apikey_X`` (workspace ``wrkspc_other``), which the ledger never saw;
* 2026-11-03: a batch day (usage report: service_tier batch; the ledger priced it at list);
* 2026-11-04: a Priority Tier day (absent from the cost report);
* 2026-11-05: output billed at $15.01/MTok (a catalog rate off by a cent).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from _fake_admin import A_COST, A_USAGE, COST, USAGE, FakeAdmin, bucket, cost_result, paged
from _fake_admin import usage_result as u

from tokentrail.ingest.api_records import api_record
from tokentrail.ledger import SQLiteLedger

MODEL = "claude-sonnet-4-5-20250929"
KEY = "apikey_A"
OTHER = "apikey_X"
DAYS = ["2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06"]
ADMIN_KEY = "sk-ant-admin01-SECRET-never-shown-0123456789"

#: The ``run`` fixture of ``conftest.py``: ``run(*args, key=ADMIN_KEY)`` -> (code, out, err).
Run = Callable[..., tuple[int, str, str]]


def usage_buckets() -> list[dict[str, Any]]:
    d = DAYS
    return [
        bucket(d[0], [
            u(model=MODEL, key=KEY, input=1000, output=500, w5m=2000, read=10000),
            u(model=MODEL, key=OTHER, workspace="wrkspc_other", input=500, output=50),
        ], d[1]),
        bucket(d[1], [u(model=MODEL, key=KEY, input=2000, output=1000, tier="batch")], d[2]),
        bucket(d[2], [u(model=MODEL, key=KEY, input=3000, output=100, tier="priority")], d[3]),
        bucket(d[3], [u(model=MODEL, key=KEY, input=200, output=100000)], d[4]),
    ]  # fmt: skip


def cost_buckets() -> list[dict[str, Any]]:
    d = DAYS
    c = cost_result
    return [
        bucket(d[0], [
            c("0.45", model=MODEL, token_type="uncached_input_tokens", description="in"),
            c("0.825", model=MODEL, token_type="output_tokens", description="out"),
            c("0.75", model=MODEL, token_type="cache_creation.ephemeral_5m_input_tokens",
              description="w5m"),
            c("0.3", model=MODEL, token_type="cache_read_input_tokens", description="read"),
        ], d[1]),
        bucket(d[1], [
            c("0.3", model=MODEL, token_type="uncached_input_tokens", tier="batch"),
            c("0.75", model=MODEL, token_type="output_tokens", tier="batch"),
        ], d[2]),
        bucket(d[2], [], d[3]),
        bucket(d[3], [
            c("0.06", model=MODEL, token_type="uncached_input_tokens"),
            c("150.1", model=MODEL, token_type="output_tokens"),
        ], d[4]),
    ]  # fmt: skip


def fake(per_page: int = 1) -> FakeAdmin:
    a_usage = {
        "starting_at": f"{DAYS[0]}T00:00:00Z",
        "ending_at": f"{DAYS[1]}T00:00:00Z",
        "group": {"model": MODEL, "api_key_id": KEY},
        "usage": {"uncached_input_tokens": 1000, "output_tokens": 500},
    }
    a_cost = {
        "starting_at": f"{DAYS[0]}T00:00:00Z",
        "ending_at": f"{DAYS[1]}T00:00:00Z",
        "group": {"model": MODEL},
        "cost": {"amount": "2.325", "list_amount": "2.325", "currency": "USD"},
    }
    return FakeAdmin(
        pages={
            USAGE: paged(usage_buckets(), per_page),
            COST: paged(cost_buckets(), 2),
            A_USAGE: paged([a_usage], 1),
            A_COST: paged([a_cost], 1),
        }
    )


def _ts(day: str) -> int:
    dt = datetime.fromisoformat(day).replace(hour=12, tzinfo=timezone.utc)
    return int(dt.timestamp()) * 1000


def fill_ledger(path: Path) -> None:
    """The tracked key's usage as the ledger saw it (the batch day without its tier)."""
    usages = [
        (DAYS[0], {"input_tokens": 1000, "output_tokens": 500, "cache_read_input_tokens": 10000,
                   "cache_creation_input_tokens": 2000,
                   "cache_creation": {"ephemeral_5m_input_tokens": 2000,
                                      "ephemeral_1h_input_tokens": 0}}),
        (DAYS[1], {"input_tokens": 2000, "output_tokens": 1000}),
        (DAYS[2], {"input_tokens": 3000, "output_tokens": 100, "service_tier": "priority"}),
        (DAYS[3], {"input_tokens": 200, "output_tokens": 100000}),
    ]  # fmt: skip
    recs = [
        api_record(json.dumps(us).encode(), source="sdk", model=MODEL, ts_ms=_ts(day),
                   message_id=f"msg_{i}", request_id=f"req_{i}", stop_reason="end_turn")
        for i, (day, us) in enumerate(usages)
    ]  # fmt: skip
    with SQLiteLedger(path) as ledger:
        ledger.add(recs)
