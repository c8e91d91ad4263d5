"""Message Batches results (``.jsonl``): one line per request of a batch.

Each line is ``{"custom_id": ..., "result": {"type": ..., ...}}``. ``succeeded`` results
become records of source ``"batch"``, priced at the batch tier (the stored usage gets
``service_tier: "batch"``, whatever the line said, since every batch result is billed at
that tier), with the ``custom_id`` kept as a tag. ``errored``, ``expired`` and
``canceled`` results are counted, never priced (the API bills nothing for them).

Bad lines (not JSON, not an object, missing ``custom_id`` or ``result``, unknown result
type, malformed usage) become :class:`Problem` rows naming file, line and field; nothing
is silently dropped. Records are keyed ``batch:<message id>`` (without an id: by file and a
hash of the line's content, ``custom_id`` included, see
:class:`~tokentrail.ingest.api_records.ContentKeys`), so ingesting the same results again
adds nothing and two different id-less results are never merged.

Records are dated ``at_ms`` when given (``tokentrail ingest --at``: when the batch ran), else
by the file's modification time (stdin: now); prices follow that date. The tally also holds
the SHA-256 of the file's bytes, so the ledger can store each file's outcome counts once
(``tokentrail.ledger.sources``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import msgspec

from tokentrail.ingest.api_files import display_name, file_ts_ms, open_source
from tokentrail.ingest.api_records import ContentKeys, message_record
from tokentrail.ingest.records import CCRecord, Problem

__all__ = ["RESULT_TYPES", "BatchTally", "read_batch_results"]

#: Result types of the Message Batches API.
RESULT_TYPES = ("succeeded", "errored", "expired", "canceled")
SOURCE_BATCH = "batch"


@dataclass
class BatchTally:
    """Lines seen per result type (``succeeded`` / ``errored`` / ``expired`` / ``canceled``)
    and bad lines (``problems``); ``sha256`` is the hex digest of the bytes read (of the last
    file read, once it was read to its end; ``""`` before) and ``ts_ms`` the date given to
    its records (ms since the epoch, UTC)."""

    results: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RESULT_TYPES, 0))
    problems: int = 0
    sha256: str = ""
    ts_ms: int = 0


_dec = msgspec.json.Decoder()


def read_batch_results(
    path: str,
    tally: BatchTally | None = None,
    tags: Mapping[str, str] | None = None,
    at_ms: int | None = None,
) -> Iterator[CCRecord | Problem]:
    """Records and problems of a results file (``-`` = stdin), in line order, dated
    ``at_ms`` (ms since the epoch, UTC) or else by the file's mtime (stdin: now)."""
    tally = tally if tally is not None else BatchTally()
    name = display_name(path)
    ts = file_ts_ms(path) if at_ms is None else at_ms
    tally.ts_ms = ts
    keys = ContentKeys()
    digest = hashlib.sha256()
    with open_source(path) as fh:
        for lineno, raw in enumerate(fh, 1):
            digest.update(raw)
            if not raw.strip():
                continue
            out = _line(raw, name, lineno, ts, tally, tags, keys)
            if out is None:
                continue
            if isinstance(out, Problem):
                tally.problems += 1
            yield out
    tally.sha256 = digest.hexdigest()


def _line(
    raw: bytes,
    name: str,
    lineno: int,
    ts: int,
    tally: BatchTally,
    tags: Mapping[str, str] | None,
    keys: ContentKeys,
) -> CCRecord | Problem | None:
    try:
        obj = _dec.decode(raw)
    except msgspec.DecodeError as exc:
        return Problem(name, lineno, None, "invalid_json", str(exc))
    if not isinstance(obj, dict):
        return Problem(name, lineno, None, "not_an_object", "a results line must be an object")
    custom_id = obj.get("custom_id")
    if not isinstance(custom_id, str):
        kind = "missing_field" if custom_id is None else "wrong_type"
        return Problem(name, lineno, "custom_id", kind, "custom_id must be a string")
    result = obj.get("result")
    if not isinstance(result, dict):
        kind = "missing_field" if result is None else "wrong_type"
        return Problem(name, lineno, "result", kind, "result must be an object")
    rtype = result.get("type")
    if rtype not in RESULT_TYPES:
        return Problem(
            name, lineno, "result.type", "invalid_value",
            f"unknown result type {rtype!r} (expected one of {', '.join(RESULT_TYPES)})",
        )  # fmt: skip
    if rtype != "succeeded":
        tally.results[str(rtype)] += 1
        return None
    rec = message_record(
        result.get("message"),
        source=SOURCE_BATCH,
        where="result.message",
        file=name,
        line=lineno,
        ts_ms=ts,
        tags={**(tags or {}), "custom_id": custom_id},
        usage_patch={"service_tier": "batch"},
        keys=keys,
        key_extra=custom_id,
    )
    if isinstance(rec, CCRecord):
        tally.results["succeeded"] += 1
    return rec
