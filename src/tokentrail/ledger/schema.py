"""Append-only, named migrations of the SQLite ledger.

Rules: never edit or reorder an entry of :data:`MIGRATIONS` once released; add a new one
at the end. Each applied name is recorded in ``_migrations`` with its UTC time, in the same
transaction as its DDL. ``tests/ledger/test_schema.py`` pins the resulting schema.

Units: timestamps are integer milliseconds since the Unix epoch (UTC); token counts are
integer tokens; money is integer **picodollars** (1 USD = 10**12 units), exact for every
rate quoted with at most six decimals per million tokens. SQLite integers are signed 64
bit: one record's cost fits (the ingest's per-field limits keep it well under a million
dollars, a line past them is a problem); a rollup cell keeps its cost in whole dollars
plus the picodollars below a dollar (since 0010), and every sum is split so that it cannot
overflow (see :mod:`tokentrail.ledger.rollup_sql`).

The rollup grain is one UTC quarter-hour (``q = ts_ms // 900000``) × model × project ×
session, so a day in any time zone (every offset in use is a multiple of 15 minutes, DST
included) is an exact union of cells. The rollups always equal the sum of the records, in
the same transaction as every change: triggers handle replacements (``UPDATE``) and
deletes; new rows are added set-based by :data:`ROLLUP_INSERTED` (one ``GROUP BY`` over the
rows inserted by the batch, much faster than a per-row trigger). Anything that inserts
into ``records`` must run it (``SQLiteLedger.commit_batch`` does).
"""

from __future__ import annotations

import sqlite3

from tokentrail.ledger.billing_schema import BILLING
from tokentrail.ledger.push_schema import PUSH_CHECKPOINT
from tokentrail.ledger.rollup_sql import (
    COUNT_SUMS,
    DIMS_INSERTED,
    QUARTER_MS,
    ROLLUP_INSERTED,
    WIDE_ROLLUPS,
    count_values,
)

__all__ = [
    "DIMS_INSERTED",
    "FLAGGED_WHERE",
    "FLAGS_INSERTED",
    "MIGRATIONS",
    "QUARTER_MS",
    "ROLLUP_INSERTED",
    "migration_pending",
]

#: The summed columns of both rollup tables as released (0001, 0002); 0010 replaced the
#: last, ``cost_pico``, by two (see :mod:`tokentrail.ledger.rollup_sql`).
_V1_SUMS = (*COUNT_SUMS, "cost_pico")


def _values(row: str) -> list[str]:
    """SQL expressions giving each released rollup sum for one record row (``new`` /
    ``old``): the counts, then the cost in picodollars."""
    return [*count_values(row), f"coalesce({row}.cost_pico, 0)"]


def _add(row: str) -> str:
    cols = ", ".join(_V1_SUMS)
    vals = ", ".join(_values(row))
    sets = ", ".join(f"{c} = {c} + excluded.{c}" for c in _V1_SUMS)
    return (
        f"INSERT INTO rollup_q15 (q, model, project, session_id, {cols}) "
        f"VALUES ({row}.ts_ms / {QUARTER_MS}, {row}.model, {row}.project, {row}.session_id, "
        f"{vals}) ON CONFLICT (q, model, project, session_id) DO UPDATE SET {sets};"
    )


def _sub(row: str) -> str:
    sets = ", ".join(f"{c} = {c} - ({v})" for c, v in zip(_V1_SUMS, _values(row), strict=False))
    where = (
        f"q = {row}.ts_ms / {QUARTER_MS} AND model = {row}.model AND project = {row}.project "
        f"AND session_id = {row}.session_id"
    )
    zero = " AND ".join(f"{c} = 0" for c in ("requests", "synthetic"))
    return (
        f"UPDATE rollup_q15 SET {sets} WHERE {where}; "
        f"DELETE FROM rollup_q15 WHERE {where} AND {zero};"
    )


_INITIAL = f"""
CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    dedup_key TEXT NOT NULL UNIQUE,
    message_id TEXT,
    request_id TEXT,
    ts_ms INTEGER NOT NULL,
    model TEXT NOT NULL,
    session_id TEXT NOT NULL,
    project TEXT NOT NULL,
    agent_id TEXT,
    agent_type TEXT,
    git_branch TEXT,
    client_version TEXT,
    is_sidechain INTEGER NOT NULL,
    stop_reason TEXT,
    is_final INTEGER NOT NULL,
    synthetic INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    cache_creation_tokens INTEGER NOT NULL,
    cache_5m_tokens INTEGER NOT NULL,
    cache_1h_tokens INTEGER NOT NULL,
    ttl_known INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    total_tokens INTEGER NOT NULL,
    web_search_requests INTEGER NOT NULL,
    web_fetch_requests INTEGER NOT NULL,
    usage_json TEXT NOT NULL,
    cost_pico INTEGER,
    price_flags TEXT,
    file TEXT,
    line INTEGER
);
CREATE INDEX records_message_id ON records (message_id);

CREATE TABLE rollup_q15 (
    q INTEGER NOT NULL,
    model TEXT NOT NULL,
    project TEXT NOT NULL,
    session_id TEXT NOT NULL,
    {", ".join(f"{c} INTEGER NOT NULL" for c in _V1_SUMS)},
    PRIMARY KEY (q, model, project, session_id)
) WITHOUT ROWID;

CREATE TRIGGER records_rollup_delete AFTER DELETE ON records BEGIN
    {_sub("old")}
END;
CREATE TRIGGER records_rollup_update AFTER UPDATE ON records BEGIN
    {_sub("old")}
    {_add("new")}
END;

CREATE TABLE checkpoints (
    path TEXT PRIMARY KEY,
    dev INTEGER NOT NULL,
    ino INTEGER NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    byte_offset INTEGER NOT NULL,
    lines INTEGER NOT NULL,
    head_hash TEXT NOT NULL,
    updated_ms INTEGER NOT NULL
);

CREATE TABLE problems (
    id INTEGER PRIMARY KEY,
    file TEXT NOT NULL,
    line INTEGER NOT NULL,
    field TEXT,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    seen_ms INTEGER NOT NULL,
    UNIQUE (file, line, kind)
);
"""


# -- 0002: a second rollup by agent (subagent type) and git branch, and a time index ------
#
# ``rollup_dims_q15`` has the same sums as ``rollup_q15`` at the same quarter-hour grain,
# keyed by (q, model, project, agent, branch): ``agent`` is the subagent type ("main" for
# the main thread, "subagent" when a subagent's type is unknown), ``branch`` the git
# branch ("" when the line had none). ``records_ts_ms`` serves time-window scans (blocks,
# status line) without reading the whole table.

_AGENT = (
    "(CASE WHEN {r}.agent_type IS NOT NULL AND {r}.agent_type != '' THEN {r}.agent_type "
    "WHEN {r}.agent_id IS NOT NULL OR {r}.is_sidechain = 1 THEN 'subagent' ELSE 'main' END)"
)
_BRANCH = "coalesce({r}.git_branch, '')"
_DIM_KEY = "q, model, project, agent, branch"


def _dims_add(row: str) -> str:
    cols = ", ".join(_V1_SUMS)
    vals = ", ".join(_values(row))
    sets = ", ".join(f"{c} = {c} + excluded.{c}" for c in _V1_SUMS)
    return (
        f"INSERT INTO rollup_dims_q15 ({_DIM_KEY}, {cols}) "
        f"VALUES ({row}.ts_ms / {QUARTER_MS}, {row}.model, {row}.project, "
        f"{_AGENT.format(r=row)}, {_BRANCH.format(r=row)}, {vals}) "
        f"ON CONFLICT ({_DIM_KEY}) DO UPDATE SET {sets};"
    )


def _dims_sub(row: str) -> str:
    sets = ", ".join(f"{c} = {c} - ({v})" for c, v in zip(_V1_SUMS, _values(row), strict=False))
    where = (
        f"q = {row}.ts_ms / {QUARTER_MS} AND model = {row}.model AND project = {row}.project "
        f"AND agent = {_AGENT.format(r=row)} AND branch = {_BRANCH.format(r=row)}"
    )
    zero = " AND ".join(f"{c} = 0" for c in ("requests", "synthetic"))
    return (
        f"UPDATE rollup_dims_q15 SET {sets} WHERE {where}; "
        f"DELETE FROM rollup_dims_q15 WHERE {where} AND {zero};"
    )


def _dims_select(where: str) -> str:
    cols = ", ".join(_V1_SUMS)
    vals = ", ".join(f"sum({v})" for v in _values("records"))
    sets = ", ".join(f"{c} = {c} + excluded.{c}" for c in _V1_SUMS)
    return (
        f"INSERT INTO rollup_dims_q15 ({_DIM_KEY}, {cols}) "
        f"SELECT ts_ms / {QUARTER_MS}, model, project, {_AGENT.format(r='records')}, "
        f"{_BRANCH.format(r='records')}, {vals} FROM records{where} GROUP BY 1, 2, 3, 4, 5 "
        f"ON CONFLICT ({_DIM_KEY}) DO UPDATE SET {sets}"
    )


_DIMS = f"""
CREATE TABLE rollup_dims_q15 (
    q INTEGER NOT NULL,
    model TEXT NOT NULL,
    project TEXT NOT NULL,
    agent TEXT NOT NULL,
    branch TEXT NOT NULL,
    {", ".join(f"{c} INTEGER NOT NULL" for c in _V1_SUMS)},
    PRIMARY KEY ({_DIM_KEY})
) WITHOUT ROWID;

CREATE TRIGGER records_dims_delete AFTER DELETE ON records BEGIN
    {_dims_sub("old")}
END;
CREATE TRIGGER records_dims_update AFTER UPDATE ON records BEGIN
    {_dims_sub("old")}
    {_dims_add("new")}
END;

CREATE INDEX records_ts_ms ON records (ts_ms);

{_dims_select(" WHERE 1")};
"""


# -- 0003: sources, tags and runs ---------------------------------------------------------

_SOURCES_TAGS_RUNS = """
ALTER TABLE records ADD COLUMN tags TEXT;
ALTER TABLE records ADD COLUMN run_id TEXT;
CREATE INDEX records_run_id ON records (run_id);
CREATE INDEX records_source ON records (source);

CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    parent_id TEXT,
    started_ms INTEGER NOT NULL,
    ended_ms INTEGER,
    budget_pico INTEGER,
    tags TEXT,
    status TEXT NOT NULL
);
CREATE INDEX runs_started ON runs (started_ms);
"""
"""Records of every source (live SDK calls, batch results, saved responses) carry their tags
(a JSON object, sorted keys) and the innermost run they belong to; ``runs`` holds one row per
:func:`tokentrail.track.run` (``budget_pico`` in picodollars, ``status`` ``running`` /
``ok`` / ``error`` / ``budget_exceeded``)."""

# -- 0004: checkpoint tail hashes, request-less records ----------------------------------

_TAIL_REQUESTLESS = """
ALTER TABLE checkpoints ADD COLUMN tail_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX records_requestless ON records (message_id)
    WHERE request_id IS NULL AND message_id IS NOT NULL;
"""
"""``checkpoints.tail_hash``: SHA-256 of the 4 KiB before ``byte_offset`` (``''`` for
checkpoints written before it), so a file rewritten in place is read again instead of
resumed mid-line. ``records_requestless`` finds the Claude Code records logged without a
``requestId`` (usually none) that a later copy of the same message with one merges into."""

# -- 0005: partial indexes for the rare values -------------------------------------------

_PARTIAL_SOURCE_RUN = """
DROP INDEX records_source;
CREATE INDEX records_source_api ON records (source) WHERE source != 'claude_code';
DROP INDEX records_run_id;
CREATE INDEX records_run_id ON records (run_id) WHERE run_id IS NOT NULL;
"""
"""``source`` and ``run_id`` are indexed only where they are rare: records of the API
sources (most records come from Claude Code) and records of a tracked run. A full index on
``source`` cost every insert a b-tree update and, with no statistics, led the planner to
scan every Claude Code record for queries that name ``source = 'claude_code'``. A query for
an API source adds ``source != 'claude_code'`` so the partial index serves it."""

# -- 0006: Message Batches outcome counts per results file ----------------------------

_BATCH_OUTCOMES = """
CREATE TABLE batch_outcomes (
    content_hash TEXT PRIMARY KEY,
    file TEXT NOT NULL,
    ts_ms INTEGER NOT NULL,
    ingested_ms INTEGER NOT NULL,
    succeeded INTEGER NOT NULL,
    errored INTEGER NOT NULL,
    expired INTEGER NOT NULL,
    canceled INTEGER NOT NULL,
    problems INTEGER NOT NULL
);
"""
"""One row per Message Batches results file ingested: the result lines per type
(``errored`` / ``expired`` / ``canceled`` are billed nothing and have no record, so this is
where they are kept) and its bad lines. Keyed by the SHA-256 of the file's bytes, so
ingesting the same results again (or a copy) replaces the row with the same counts;
``file`` is the last path it was read from, ``ts_ms`` the date given to its records (the
``--at`` time or the file's mtime), ``ingested_ms`` when it was last read (both ms, UTC)."""

# -- 0007: the pricing engine's answers, kept between runs -------------------------------

_PRICE_MEMO = """
CREATE TABLE price_memo (
    fingerprint TEXT PRIMARY KEY,
    data BLOB NOT NULL,
    updated_ms INTEGER NOT NULL
);
"""
"""Rate plans and flag codes the pricing engine gave for record signatures, so an ingest
whose records all match known signatures prices them without loading the engine (see
:mod:`tokentrail.ledger.price_memo`). ``fingerprint``: SHA-256 of the pricing code and the
catalog files it was computed with (a row under another fingerprint is never read);
``data``: msgpack (format in that module); ``updated_ms``: last write (ms, UTC)."""

# -- 0008: the flagged records, rolled up ------------------------------------------------
#
# ``rollup_flags_q15`` counts the flagged records (priced, with price flags: their cost
# rests on an assumption, see :mod:`tokentrail.ledger.flagged`) per rollup cell of both
# rollups (q, model, project, session, agent, branch) and stored flag set (``flags``: the
# record's ``price_flags``, comma-separated codes). Flagged records are few, so the table
# is small, and triggers that fire only for flagged rows keep it equal to the records in
# the same transaction (replacements, deletes, reprices); new rows are added set-based by
# :data:`FLAGS_INSERTED` next to :data:`ROLLUP_INSERTED`.

#: The records whose cost rests on an assumption (see :mod:`tokentrail.ledger.flagged`).
FLAGGED_WHERE = "price_flags IS NOT NULL AND cost_pico IS NOT NULL"
_FLAG_KEY = "q, model, project, session_id, agent, branch, flags"


def _flags_select(where: str) -> str:
    return (
        f"INSERT INTO rollup_flags_q15 ({_FLAG_KEY}, requests) "
        f"SELECT ts_ms / {QUARTER_MS}, model, project, session_id, {_AGENT.format(r='records')}, "
        f"{_BRANCH.format(r='records')}, price_flags, count(*) FROM records "
        f"WHERE {where} AND {FLAGGED_WHERE} GROUP BY 1, 2, 3, 4, 5, 6, 7 "
        f"ON CONFLICT ({_FLAG_KEY}) DO UPDATE SET requests = requests + excluded.requests"
    )


def _flags_when(row: str) -> str:
    return f"{row}.price_flags IS NOT NULL AND {row}.cost_pico IS NOT NULL"


def _flags_add(row: str) -> str:
    return (
        f"INSERT INTO rollup_flags_q15 ({_FLAG_KEY}, requests) "
        f"SELECT {row}.ts_ms / {QUARTER_MS}, {row}.model, {row}.project, {row}.session_id, "
        f"{_AGENT.format(r=row)}, {_BRANCH.format(r=row)}, {row}.price_flags, 1 "
        f"WHERE {_flags_when(row)} "
        f"ON CONFLICT ({_FLAG_KEY}) DO UPDATE SET requests = requests + 1;"
    )


def _flags_sub(row: str) -> str:
    where = (
        f"q = {row}.ts_ms / {QUARTER_MS} AND model = {row}.model AND project = {row}.project "
        f"AND session_id = {row}.session_id AND agent = {_AGENT.format(r=row)} "
        f"AND branch = {_BRANCH.format(r=row)} AND flags = {row}.price_flags"
    )
    return (
        f"UPDATE rollup_flags_q15 SET requests = requests - 1 WHERE {where}; "
        f"DELETE FROM rollup_flags_q15 WHERE {where} AND requests = 0;"
    )


_FLAGGED = f"""
CREATE TABLE rollup_flags_q15 (
    q INTEGER NOT NULL,
    model TEXT NOT NULL,
    project TEXT NOT NULL,
    session_id TEXT NOT NULL,
    agent TEXT NOT NULL,
    branch TEXT NOT NULL,
    flags TEXT NOT NULL,
    requests INTEGER NOT NULL,
    PRIMARY KEY ({_FLAG_KEY})
) WITHOUT ROWID;

UPDATE records SET price_flags = nullif(trim(replace(
    ',' || price_flags || ',', ',inference_geo_unknown,', ','), ','), '')
WHERE price_flags LIKE '%inference_geo_unknown%'
    AND json_valid(usage_json) AND json_extract(usage_json, '$.inference_geo') = 'not_available';

DELETE FROM rollup_flags_q15;
{_flags_select("1")};

CREATE TRIGGER IF NOT EXISTS records_flags_delete AFTER DELETE ON records
WHEN {_flags_when("old")} BEGIN
    {_flags_sub("old")}
END;
CREATE TRIGGER IF NOT EXISTS records_flags_update_old AFTER UPDATE ON records
WHEN {_flags_when("old")} BEGIN
    {_flags_sub("old")}
END;
CREATE TRIGGER IF NOT EXISTS records_flags_update_new AFTER UPDATE ON records
WHEN {_flags_when("new")} BEGIN
    {_flags_add("new")}
END;
"""
"""``rollup_flags_q15``: flagged records (priced, with price flags) per rollup cell and
flag set, as the header above says; built from the stored records. Before that, the flag
``inference_geo_unknown`` is taken off records whose usage says ``inference_geo:
"not_available"`` (the API's value for a model without geo routing, which the engine now
prices at list rates without a flag: what ``reprice`` would store; costs are unchanged)."""

#: Adds the flagged records with ``id > ?`` to ``rollup_flags_q15`` (run with
#: ROLLUP_INSERTED).
FLAGS_INSERTED = _flags_select("id > ?")

# -- 0009: records dated outside the accepted range become problems ---------------------
_TS_RANGE = "ts_ms < 946684800000 OR ts_ms >= 4102444800000"  # records.TS_MIN_MS, TS_MAX_MS
_OUT_OF_RANGE = f"""
INSERT INTO problems (file, line, field, kind, message, seen_ms)
SELECT coalesce(file, ''), coalesce(line, 0), 'timestamp', 'invalid_value',
       'timestamp outside 2000-01-01 .. 2100-01-01 (UTC): record removed from the ledger',
       CAST(strftime('%s', 'now') AS INTEGER) * 1000
FROM records WHERE {_TS_RANGE}
ON CONFLICT (file, line, kind) DO NOTHING;
DELETE FROM records WHERE {_TS_RANGE};
"""
"""Records dated before 2000 or from 2100 on (accepted by earlier versions; no calendar
day exists for them in some zones) move to the problems, as the ingest now reports such
lines; the triggers take them out of the rollups."""

#: (name, SQL script) in application order. Append only.
MIGRATIONS: tuple[tuple[str, str], ...] = (
    ("0001_initial", _INITIAL),
    ("0002_rollup_dims", _DIMS),
    ("0003_sources_tags_runs", _SOURCES_TAGS_RUNS),
    ("0004_checkpoint_tail_requestless", _TAIL_REQUESTLESS),
    ("0005_partial_source_run_indexes", _PARTIAL_SOURCE_RUN),
    ("0006_batch_outcomes", _BATCH_OUTCOMES),
    ("0007_price_memo", _PRICE_MEMO),
    ("0008_flagged_records", _FLAGGED),
    ("0009_timestamps_in_range", _OUT_OF_RANGE),
    ("0010_wide_rollup_cost", WIDE_ROLLUPS),
    ("0011_billing", BILLING),
    ("0012_push_checkpoint", PUSH_CHECKPOINT),
)


def migration_pending(db: sqlite3.Connection) -> bool:
    """Whether a migration of :data:`MIGRATIONS` is not recorded in ``db``'s
    ``_migrations`` (true when that table does not exist yet). Reads only, so it runs on a
    read-only connection and while another process holds the write lock (WAL)."""
    try:
        done = {r[0] for r in db.execute("SELECT name FROM _migrations")}
    except sqlite3.OperationalError:  # no such table yet
        return True
    return any(name not in done for name, _ in MIGRATIONS)
