"""Append-only, named migrations of the ClickHouse team ledger.

Each applied name is recorded in ``_migrations``; every statement is idempotent
(``IF NOT EXISTS``), so two machines migrating at once both succeed.

``records`` is a ``ReplacingMergeTree(version, is_deleted)``:

* ``ORDER BY dedup_key``: the record's stable identity only (never a timestamp: a copy
  with another timestamp would be another row, and both would count).
* ``version`` (UInt256) encodes the ledger's "better copy wins" rule
  (:func:`tokentrail.ingest.records.is_better`, :func:`record_version`), so a merge keeps
  the copy SQLite keeps. A deleted key (merged into another key, a dropped replay) is a
  row with ``is_deleted = 1`` and the largest version (:data:`TOMBSTONE`).
* ``PARTITION BY`` the UTC month of ``ts_ms``. Copies of one request carry the response's
  timestamp (a resumed or forked session copies it verbatim), so one identity stays in
  one partition and merges; the rare exception (streaming copies of one request either
  side of a month boundary) is still counted once, because every read deduplicates
  across partitions (``FINAL``, see :mod:`tokentrail.ledger.clickhouse.reads`).
* Money: ``cost_pico`` is Int64 picodollars per record (at most 9,223,372 USD per
  request, as in SQLite); every sum is taken as Int128 (exact up to 1.7e26 USD).
* ``machine`` and ``user``: who pushed or wrote the record.

``problems``, ``runs`` and ``checkpoints`` (direct ingest) are ReplacingMergeTrees keyed by
their identity within a machine; ``updated_ms`` decides which copy is kept.

``0002_billing``: the billed side (Anthropic's usage and cost reports), written in pull
generations so a re-pull replaces its days whole (:mod:`tokentrail.ledger.clickhouse.billing`).
"""

from __future__ import annotations

from tokentrail.ledger.clickhouse.billing import BILLING_STATEMENTS

__all__ = ["MIGRATIONS", "RECORD_COLUMNS", "TOMBSTONE", "record_version"]

#: The version of a tombstone row (beats every copy of the key it deletes).
TOMBSTONE = (1 << 256) - 1

#: The ``records`` columns a row fills, in order.
RECORD_COLUMNS = (
    "dedup_key", "source", "message_id", "request_id", "ts_ms", "model", "session_id",
    "project", "agent_id", "agent_type", "git_branch", "client_version", "is_sidechain",
    "stop_reason", "is_final", "synthetic", "input_tokens", "cache_creation_tokens",
    "cache_5m_tokens", "cache_1h_tokens", "ttl_known", "cache_read_tokens", "output_tokens",
    "total_tokens", "web_search_requests", "web_fetch_requests", "usage_json", "cost_pico",
    "price_flags", "file", "line", "tags", "run_id", "machine", "user", "version",
    "is_deleted", "written_ms",
)  # fmt: skip

_M = (1 << 44) - 1  # timestamps (ms) below 2527 AD


def _cap(n: int, bits: int) -> int:
    return max(0, min(int(n), (1 << bits) - 1))


def record_version(
    is_final: int,
    output_tokens: int,
    total_tokens: int,
    is_sidechain: int,
    ts_ms: int,
    session_id: str,
    line: int,
) -> int:
    """The version of a record copy: bigger = better, as ``is_better`` decides.

    Bits, high to low: finished (1), output tokens (48), total tokens (56), not a sidechain
    (1), then the tie-breaks where *smaller* wins, inverted: timestamp (44), the first 8
    bytes of the session id (64), then the later line (32). The file path, the rule's
    last-but-one tie-break, is not encoded: two copies equal on everything above carry the
    same counts, and the later insert of equal versions is kept."""
    sid = (session_id or "").encode("utf-8")[:8].ljust(8, b"\0")
    v = int(bool(is_final))
    v = (v << 48) | _cap(output_tokens, 48)
    v = (v << 56) | _cap(total_tokens, 56)
    v = (v << 1) | int(not is_sidechain)
    v = (v << 44) | (_M - _cap(ts_ms, 44))
    v = (v << 64) | (((1 << 64) - 1) - int.from_bytes(sid, "big"))
    return (v << 32) | _cap(line, 32)


_RECORDS = """
CREATE TABLE IF NOT EXISTS {db}.records (
    dedup_key String,
    source LowCardinality(String),
    message_id Nullable(String),
    request_id Nullable(String),
    ts_ms Int64,
    model LowCardinality(String),
    session_id String,
    project String,
    agent_id Nullable(String),
    agent_type Nullable(String),
    git_branch Nullable(String),
    client_version Nullable(String),
    is_sidechain UInt8,
    stop_reason Nullable(String),
    is_final UInt8,
    synthetic UInt8,
    input_tokens Int64,
    cache_creation_tokens Int64,
    cache_5m_tokens Int64,
    cache_1h_tokens Int64,
    ttl_known UInt8,
    cache_read_tokens Int64,
    output_tokens Int64,
    total_tokens Int64,
    web_search_requests Int64,
    web_fetch_requests Int64,
    usage_json String,
    cost_pico Nullable(Int64),
    price_flags Nullable(String),
    file String,
    line Int64,
    tags Nullable(String),
    run_id Nullable(String),
    machine LowCardinality(String),
    user LowCardinality(String),
    version UInt256,
    is_deleted UInt8,
    written_ms Int64
) ENGINE = ReplacingMergeTree(version, is_deleted)
PARTITION BY toYYYYMM(toDateTime(intDiv(ts_ms, 1000), 'UTC'))
ORDER BY dedup_key
"""

_PROBLEMS = """
CREATE TABLE IF NOT EXISTS {db}.problems (
    machine LowCardinality(String),
    user LowCardinality(String),
    file String,
    line Int64,
    field Nullable(String),
    kind LowCardinality(String),
    message String,
    seen_ms Int64
) ENGINE = ReplacingMergeTree(seen_ms)
ORDER BY (machine, file, line, kind)
"""

_RUNS = """
CREATE TABLE IF NOT EXISTS {db}.runs (
    id String,
    name String,
    parent_id Nullable(String),
    started_ms Int64,
    ended_ms Nullable(Int64),
    budget_pico Nullable(Int64),
    tags Nullable(String),
    status LowCardinality(String),
    machine LowCardinality(String),
    user LowCardinality(String),
    updated_ms Int64
) ENGINE = ReplacingMergeTree(updated_ms)
ORDER BY id
"""

_CHECKPOINTS = """
CREATE TABLE IF NOT EXISTS {db}.checkpoints (
    machine LowCardinality(String),
    path String,
    dev Int64,
    ino Int64,
    size Int64,
    mtime_ns Int64,
    byte_offset Int64,
    lines Int64,
    head_hash String,
    tail_hash String,
    updated_ms Int64
) ENGINE = ReplacingMergeTree(updated_ms)
ORDER BY (machine, path)
"""

#: (name, statements) in application order. Append only.
MIGRATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("0001_initial", (_RECORDS, _PROBLEMS, _RUNS, _CHECKPOINTS)),
    ("0002_billing", BILLING_STATEMENTS),
)
