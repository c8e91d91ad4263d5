"""How a batch of usage records is written to the SQLite ``records`` table.

* :data:`COLS` / :func:`record_row` / :func:`record_from_row`: the row form of a
  :class:`~tokentrail.ingest.records.CCRecord` (usage kept as the JSON text logged).
* :func:`merge_stored`: copies of one response logged with and without ``requestId``
  merge with *stored* copies under the other key form.
* :func:`drop_replays`: stored sidechain (``/btw``) copies of incoming main-transcript
  records are deleted.
* :func:`upsert_records`: a plain ``INSERT`` for keys not stored yet, the ranked
  :data:`UPSERT` (the same rule as :func:`tokentrail.ingest.records.is_better`) for the others.
* :func:`bulk_indexes`: a batch that is large next to the table rebuilds the secondary
  indexes instead of updating them row by row.

All of it runs inside the caller's transaction (:meth:`SQLiteLedger.commit_batch
<tokentrail.ledger.sqlite.SQLiteLedger.commit_batch>`).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence

import msgspec

from tokentrail.ingest.reader import FileCheckpoint
from tokentrail.ingest.records import (
    SOURCE_CLAUDE_CODE,
    SYNTHETIC_MODEL,
    CCRecord,
    is_better,
)

__all__ = [
    "CHUNK",
    "COLS",
    "INSERT",
    "UPSERT",
    "Priced",
    "bulk_indexes",
    "checkpoint_row",
    "drop_replays",
    "in_chunks",
    "merge_stored",
    "record_from_row",
    "record_row",
    "upsert_records",
]

#: The ``records`` columns a record row fills, in :func:`record_row` order.
COLS = (
    "source, dedup_key, message_id, request_id, ts_ms, model, session_id, project, agent_id, "
    "agent_type, git_branch, client_version, is_sidechain, stop_reason, is_final, synthetic, "
    "input_tokens, cache_creation_tokens, cache_5m_tokens, cache_1h_tokens, ttl_known, "
    "cache_read_tokens, output_tokens, total_tokens, web_search_requests, web_fetch_requests, "
    "usage_json, cost_pico, price_flags, file, line, tags, run_id"
)
NCOLS = COLS.count(",") + 1
RANK_NEW = (
    "(excluded.is_final, excluded.output_tokens, excluded.total_tokens, -excluded.is_sidechain)"
)
RANK_OLD = "(records.is_final, records.output_tokens, records.total_tokens, -records.is_sidechain)"
UPSERT = (
    f"INSERT INTO records ({COLS}) VALUES ({', '.join('?' * NCOLS)}) "
    f"ON CONFLICT (dedup_key) DO UPDATE SET "
    + ", ".join(f"{c.strip()} = excluded.{c.strip()}" for c in COLS.split(",")[2:])
    + f" WHERE {RANK_NEW} > {RANK_OLD} OR ({RANK_NEW} = {RANK_OLD} AND "
    "(excluded.ts_ms, excluded.session_id, excluded.file, -excluded.line)"
    " < (records.ts_ms, records.session_id, records.file, -records.line))"
)
CHUNK = 500


def record_row(r: CCRecord, cost: int | None, flags: str | None) -> tuple[object, ...]:
    return (
        r.source,
        r.key,
        r.message_id,
        r.request_id,
        r.ts_ms,
        r.model,
        r.session_id or "",
        r.project or "",
        r.agent_id,
        r.agent_type,
        r.git_branch,
        r.client_version,
        int(r.is_sidechain),
        r.stop_reason,
        int(r.stop_reason is not None if r.final is None else r.final),
        int(r.model == SYNTHETIC_MODEL),
        r.input_tokens,
        r.cache_creation_tokens,
        r.cache_5m_tokens,
        r.cache_1h_tokens,
        int(r.ttl_known),
        r.cache_read_tokens,
        r.output_tokens,
        r.total_tokens,
        r.web_search_requests,
        r.web_fetch_requests,
        r.usage_json.decode("utf-8"),
        cost,
        flags,
        r.file,
        r.line,
        r.tags_json,
        r.run_id,
    )


def record_from_row(row: sqlite3.Row) -> CCRecord:
    raw = row["usage_json"].encode("utf-8")
    from tokentrail.ingest.claude_code import decode_usage  # reads only: keep startup light

    u = decode_usage(raw)
    return CCRecord(
        key=row["dedup_key"],
        message_id=row["message_id"],
        request_id=row["request_id"],
        ts_ms=row["ts_ms"],
        model=row["model"],
        session_id=row["session_id"] or None,
        project=row["project"] or None,
        agent_id=row["agent_id"],
        agent_type=row["agent_type"],
        git_branch=row["git_branch"],
        client_version=row["client_version"],
        is_sidechain=bool(row["is_sidechain"]),
        stop_reason=row["stop_reason"],
        input_tokens=row["input_tokens"],
        cache_creation_tokens=row["cache_creation_tokens"],
        cache_5m_tokens=row["cache_5m_tokens"],
        cache_1h_tokens=row["cache_1h_tokens"],
        ttl_known=bool(row["ttl_known"]),
        cache_read_tokens=row["cache_read_tokens"],
        output_tokens=row["output_tokens"],
        web_search_requests=row["web_search_requests"],
        web_fetch_requests=row["web_fetch_requests"],
        speed=u.speed,
        service_tier=u.service_tier,
        inference_geo=u.inference_geo,
        has_iterations=u.has_iterations,
        usage_json=raw,
        file=row["file"] or "",
        line=row["line"] or 0,
        source=row["source"],
        tags_json=row["tags"],
        run_id=row["run_id"],
        # stored final without a stop reason: a non-streamed response (see CCRecord.final)
        final=True if row["is_final"] and row["stop_reason"] is None else None,
    )


def checkpoint_row(c: FileCheckpoint) -> tuple[object, ...]:
    return (c.path, c.dev, c.ino, c.size, c.mtime_ns, c.offset, c.lines, c.head_hash, c.tail_hash)


Priced = tuple[CCRecord, int | None, str | None]


def in_chunks(db: sqlite3.Connection, sql: str, args: Sequence[object]) -> Iterator[sqlite3.Row]:
    """Rows of ``sql`` (holding one ``{}`` for a ``?`` list) over ``args`` in chunks."""
    for i in range(0, len(args), CHUNK):
        chunk = args[i : i + CHUNK]
        yield from db.execute(sql.format(", ".join("?" * len(chunk))), chunk)


def merge_stored(db: sqlite3.Connection, priced: list[Priced]) -> tuple[list[Priced], int]:
    """Merge incoming Claude Code records with *stored* copies of the same response under
    the other key form (with / without ``requestId``), as :func:`merge_requestless` does
    within a batch. Returns the records to upsert and how many stored rows were re-keyed
    (deleted here; their better copy is inserted under the request-id key)."""
    lone = [
        i
        for i, (r, _, _) in enumerate(priced)
        if r.request_id is None and r.message_id is not None and r.source == SOURCE_CLAUDE_CODE
    ]
    out = list(priced)
    if lone:  # incoming copy without request id, a stored copy with one: take its key
        mids = list({priced[i][0].message_id for i in lone})
        keys: dict[tuple[str, bool], tuple[str, str]] = {}
        for row in in_chunks(
            db,
            "SELECT message_id, is_sidechain, min(dedup_key), request_id FROM records "
            "WHERE source = 'claude_code' AND request_id IS NOT NULL AND message_id IN ({}) "
            "GROUP BY message_id, is_sidechain",
            mids,
        ):
            keys[(row[0], bool(row[1]))] = (row[2], row[3])
        for i in lone:
            r, c, f = priced[i]
            hit = keys.get((r.message_id or "", r.is_sidechain))
            if hit is not None:
                out[i] = (msgspec.structs.replace(r, key=hit[0], request_id=hit[1]), c, f)
    merged = 0
    if db.execute(
        "SELECT 1 FROM records WHERE request_id IS NULL AND message_id IS NOT NULL LIMIT 1"
    ).fetchone():  # stored copies without request id (usually none)
        withrid: dict[tuple[str, bool], int] = {}
        for i, (r, _, _) in enumerate(out):
            if r.request_id is not None and r.message_id and r.source == SOURCE_CLAUDE_CODE:
                k = (r.message_id, r.is_sidechain)
                j = withrid.get(k)
                if j is None or r.key < out[j][0].key:
                    withrid[k] = i
        mids = list({k[0] for k in withrid})
        for row in in_chunks(
            db,
            f"SELECT id, cost_pico, price_flags, {COLS} FROM records WHERE request_id IS NULL"
            " AND message_id IS NOT NULL AND source = 'claude_code' AND message_id IN ({})",
            mids,
        ):
            j = withrid.get((row["message_id"], bool(row["is_sidechain"])))
            if j is None:
                continue
            new = out[j][0]
            old = msgspec.structs.replace(
                record_from_row(row), key=new.key, request_id=new.request_id
            )
            if is_better(old, new):
                out[j] = (old, row["cost_pico"], row["price_flags"])
            db.execute("DELETE FROM records WHERE id = ?", (row["id"],))
            merged += 1
    return out, merged


def drop_replays(
    db: sqlite3.Connection, priced: list[tuple[CCRecord, int | None, str | None]]
) -> int:
    """Delete stored sidechain copies (``/btw`` replays) of incoming main-transcript
    records: a sidechain row whose message id an incoming main record has under another
    dedup key; how many were deleted (they no longer count as added). Looked up in chunks
    (one indexed ``IN`` query per chunk, not a statement per record)."""
    main_keys: dict[str, set[str]] = {}
    for r, _, _ in priced:
        if not r.is_sidechain and r.message_id:
            main_keys.setdefault(r.message_id, set()).add(r.key)
    ids = list(main_keys)
    stale: list[tuple[str]] = []
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        q = (
            "SELECT dedup_key, message_id FROM records WHERE is_sidechain = 1 AND "
            f"message_id IN ({', '.join('?' * len(chunk))})"
        )
        for key, mid in db.execute(q, chunk):
            if main_keys[mid] - {key}:
                stale.append((key,))
    if stale:
        db.executemany("DELETE FROM records WHERE dedup_key = ?", stale)
    return len(stale)


INSERT = f"INSERT INTO records ({COLS}) VALUES ({', '.join('?' * NCOLS)})"


def upsert_records(db: sqlite3.Connection, priced: list[Priced], *, empty: bool) -> None:
    """Store ``priced`` (one record per dedup key): a plain ``INSERT`` for keys not stored
    yet (found with the unique index, in chunks), the ranked ``UPSERT`` for the others; the
    upsert's conflict path costs about as much again per row as the insert itself."""
    keys = [r.key for r, _, _ in priced]
    if len(set(keys)) != len(keys):  # never expected: let the ranked upsert sort it out
        db.executemany(UPSERT, [record_row(r, c, f) for r, c, f in priced])
        return
    if empty:
        stored: set[str] = set()
    else:
        stored = {
            row[0]
            for row in in_chunks(db, "SELECT dedup_key FROM records WHERE dedup_key IN ({})", keys)
        }
    db.executemany(INSERT, [record_row(r, c, f) for r, c, f in priced if r.key not in stored])
    if stored:
        db.executemany(UPSERT, [record_row(r, c, f) for r, c, f in priced if r.key in stored])


#: Secondary indexes of ``records`` that a large insert rebuilds instead of updating.
BULK_INDEXES = ("records_message_id", "records_ts_ms")


@contextlib.contextmanager
def bulk_indexes(db: sqlite3.Connection, incoming: int, stored: int) -> Iterator[None]:
    """When a batch is large next to the table (a first ingest), drop the secondary
    indexes on random keys, insert, and build them again by sorting: much cheaper than
    updating them row by row. Same transaction, same index definitions (read back from
    ``sqlite_master``), so readers and the schema never see a difference."""
    if incoming < 2000 or incoming * 2 < stored:
        yield
        return
    marks = ", ".join("?" * len(BULK_INDEXES))
    defs = db.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN ({marks})",
        BULK_INDEXES,
    ).fetchall()
    for name, _ in defs:
        db.execute(f"DROP INDEX {name}")
    yield
    for _, sql in defs:
        db.execute(sql)
