"""Migration ``0011_billing``: the tables of the billed side (Anthropic's usage and cost
reports and the Analytics API), stored beside the records.

One row per time bucket x group. ``grp`` is the group's dimensions as canonical JSON (sorted
keys, nulls kept), so a row is identified by ``(width, bucket_ms, grp)`` even when
dimensions are null. A re-pull deletes the pulled range and inserts it again in one
transaction (:mod:`tokentrail.ledger.billing_store`): pulling twice, or a pull killed and
run again, never doubles a row. Times are integer milliseconds since the Unix epoch (UTC);
tokens are integers; the cost report's ``amount`` is kept as the API's decimal string in
cents (exact, summed as :class:`~decimal.Decimal`). ``IF NOT EXISTS``: a ledger whose
migration record was rolled back by hand (as a test does) migrates again without an error.
"""

from __future__ import annotations

__all__ = ["BILLING", "BILLING_TABLES"]

#: The tables this migration creates.
BILLING_TABLES = ("billing_usage", "billing_cost", "billing_analytics", "billing_pulls")

BILLING = """
CREATE TABLE IF NOT EXISTS billing_usage (
    width TEXT NOT NULL,
    bucket_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    grp TEXT NOT NULL,
    model TEXT,
    api_key_id TEXT,
    workspace_id TEXT,
    service_tier TEXT,
    context_window TEXT,
    inference_geo TEXT,
    speed TEXT,
    uncached_input_tokens INTEGER NOT NULL,
    cache_5m_tokens INTEGER NOT NULL,
    cache_1h_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    web_search_requests INTEGER NOT NULL,
    PRIMARY KEY (width, bucket_ms, grp)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS billing_cost (
    bucket_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    grp TEXT NOT NULL,
    workspace_id TEXT,
    description TEXT,
    cost_type TEXT,
    token_type TEXT,
    model TEXT,
    service_tier TEXT,
    context_window TEXT,
    currency TEXT,
    amount_cents TEXT NOT NULL,
    PRIMARY KEY (bucket_ms, grp)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS billing_analytics (
    kind TEXT NOT NULL,
    width TEXT NOT NULL,
    bucket_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    grp TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (kind, width, bucket_ms, grp)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS billing_pulls (
    id INTEGER PRIMARY KEY,
    report TEXT NOT NULL,
    width TEXT NOT NULL,
    since_ms INTEGER NOT NULL,
    until_ms INTEGER NOT NULL,
    pulled_ms INTEGER NOT NULL,
    rows INTEGER NOT NULL
);
"""
