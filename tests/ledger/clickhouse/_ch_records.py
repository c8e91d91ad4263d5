"""Hand-made records for the ClickHouse tests."""

from __future__ import annotations

from tokentrail.ingest.records import CCRecord
from tokentrail.ledger.batch_write import record_row
from tokentrail.ledger.clickhouse.schema import record_version

JAN31 = 1_769_903_999_000  # 2026-01-31T23:59:59Z
FEB01 = JAN31 + 2_000


def rec(key: str, ts: int, out: int, *, stop: str | None = "end_turn", **kw: object) -> CCRecord:
    usage = b'{"input_tokens": 10, "output_tokens": %d}' % out
    base: dict[str, object] = dict(  # noqa: C408
        key=key, message_id=key.split("|")[0], request_id="r", ts_ms=ts,
        model="claude-sonnet-4-5-20250929", session_id="s1", project="/p", agent_id=None,
        agent_type=None, git_branch=None, client_version=None, is_sidechain=False,
        stop_reason=stop, input_tokens=10, cache_creation_tokens=0, cache_5m_tokens=0,
        cache_1h_tokens=0, ttl_known=True, cache_read_tokens=0, output_tokens=out,
        web_search_requests=0, web_fetch_requests=0, speed=None, service_tier=None,
        inference_geo=None, has_iterations=False, usage_json=usage, file="/f.jsonl", line=1,
    )  # fmt: skip
    base.update(kw)
    return CCRecord(**base)  # type: ignore[arg-type]


def version(r: CCRecord) -> int:
    row = record_row(r, 0, None)
    return record_version(row[14], row[22], row[23], row[12], row[4], row[6], row[30])  # type: ignore[arg-type]
