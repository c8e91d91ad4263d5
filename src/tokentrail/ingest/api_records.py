"""Build ledger rows (:class:`CCRecord`) from a Messages API usage object of any source.

Used by live tracking (``source="sdk"``), Message Batches results (``"batch"``) and saved
responses (``"response"``). The usage is kept as JSON bytes exactly as the API sent it
(TTL split, server tools, iterations, tier) and decoded into typed counts for pricing.

Dedup key: ``"<source>:<message id>|<request id>"`` (or without ``|<request id>`` when the
request id is unknown). A record with no message id falls back to ``"<source>:<fallback>"``;
for files that is :meth:`ContentKeys.key`: the file name, a hash of the record's *content*
(model, stop reason, usage as sent, plus e.g. the batch ``custom_id``) and the occurrence
number of that content in the file. So re-ingesting the same file (or the same stdin
text) adds nothing, while a different id-less response never shares a key with another
one and so never replaces it; identical id-less lines in one file stay separate records.
Token counts are ints; timestamps are milliseconds since the Unix epoch, UTC.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timezone

import msgspec

from tokentrail.ingest.claude_code import _describe, decode_usage
from tokentrail.ingest.records import TS_MAX_MS, TS_MIN_MS, CCRecord, Problem

__all__ = ["ContentKeys", "api_record", "dedup_key", "message_record", "tags_json"]

_enc = msgspec.json.Encoder(order="sorted")
_plain = msgspec.json.Encoder()


def tags_json(tags: Mapping[str, str] | None) -> str | None:
    """Tags as a JSON object with sorted keys, ``None`` when there are none."""
    if not tags:
        return None
    return _enc.encode(dict(tags)).decode("utf-8")


def dedup_key(source: str, message_id: str | None, request_id: str | None, fallback: str) -> str:
    """The ledger dedup key of an API record (see the module docstring)."""
    if message_id:
        return f"{source}:{message_id}|{request_id}" if request_id else f"{source}:{message_id}"
    return f"{source}:{fallback}"


class ContentKeys:
    """Fallback dedup keys for id-less records of one file, made from their content.

    ``key(file, model, stop_reason, usage_json, extra)`` is ``"<file>:<hash>"`` for the
    first record with that content in the file, ``"<file>:<hash>#<n>"`` for the n-th
    (so two identical lines are two records, and re-reading the file gives the same keys).
    ``hash``: the first 16 hex digits of the SHA-256 of the content fields.
    """

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def key(
        self, file: str, model: str, stop_reason: str | None, usage_json: bytes, extra: str = ""
    ) -> str:
        h = hashlib.sha256()
        for part in (model.encode(), (stop_reason or "").encode(), usage_json, extra.encode()):
            h.update(len(part).to_bytes(8, "big"))
            h.update(part)
        base = f"{file}:{h.hexdigest()[:16]}"
        n = self._seen.get(base, 0) + 1
        self._seen[base] = n
        return base if n == 1 else f"{base}#{n}"


_DT_MIN_MS = -62_135_596_800_000  # 0001-01-01T00:00:00Z
_DT_MAX_MS = 253_402_300_799_000  # 9999-12-31T23:59:59Z


def api_record(
    usage_json: bytes,
    *,
    source: str,
    model: str,
    ts_ms: int,
    message_id: str | None = None,
    request_id: str | None = None,
    stop_reason: str | None = None,
    tags: Mapping[str, str] | None = None,
    run_id: str | None = None,
    project: str | None = None,
    session_id: str | None = None,
    file: str = "",
    line: int = 0,
    fallback_key: str | None = None,
    final: bool | None = None,
) -> CCRecord:
    """A ledger row for one API response's usage (``usage_json``: the usage object as JSON).

    ``final``: ``True`` for a complete non-streamed ``Message`` (finished whatever its
    ``stop_reason``, ``null`` included); ``None`` for a stream (finished iff a
    ``stop_reason`` arrived). See :attr:`CCRecord.is_final`.

    Raises :class:`msgspec.ValidationError` /
    :class:`msgspec.DecodeError` (naming the JSON path) when the usage is malformed or
    ``ts_ms`` is outside :data:`~tokentrail.ingest.records.TS_MIN_MS` ..
    :data:`~tokentrail.ingest.records.TS_MAX_MS`.
    """
    if not TS_MIN_MS <= ts_ms < TS_MAX_MS:
        # Shown clamped to what datetime can hold (years 1 to 9999).
        when = datetime.fromtimestamp(min(max(ts_ms, _DT_MIN_MS), _DT_MAX_MS) // 1000, timezone.utc)
        raise msgspec.ValidationError(
            f"timestamp {when.isoformat()} is outside 2000-01-01 .. 2100-01-01 (UTC)"
            " - at `$.timestamp`"
        )
    u = decode_usage(usage_json)
    key = dedup_key(source, message_id, request_id, fallback_key or f"{file}:{line}:{ts_ms}")
    return CCRecord(
        key=key,
        message_id=message_id,
        request_id=request_id,
        ts_ms=ts_ms,
        model=model,
        session_id=session_id,
        project=project,
        agent_id=None,
        agent_type=None,
        git_branch=None,
        client_version=None,
        is_sidechain=False,
        stop_reason=stop_reason,
        input_tokens=u.input_tokens,
        cache_creation_tokens=u.cache_creation,
        cache_5m_tokens=u.cache_5m,
        cache_1h_tokens=u.cache_1h,
        ttl_known=u.ttl_known,
        cache_read_tokens=u.cache_read,
        output_tokens=u.output_tokens,
        web_search_requests=u.web_search_requests,
        web_fetch_requests=u.web_fetch_requests,
        speed=u.speed,
        service_tier=u.service_tier,
        inference_geo=u.inference_geo,
        has_iterations=u.has_iterations,
        usage_json=bytes(usage_json),
        file=file,
        line=line,
        source=source,
        tags_json=tags_json(tags),
        run_id=run_id,
        final=final,
    )


def message_record(
    msg: object,
    *,
    source: str,
    where: str,
    file: str,
    line: int,
    ts_ms: int,
    tags: Mapping[str, str] | None = None,
    usage_patch: Mapping[str, object] | None = None,
    keys: ContentKeys | None = None,
    key_extra: str = "",
) -> CCRecord | Problem:
    """A record for one Messages API response object (a dict decoded from JSON), or the
    :class:`Problem` explaining why it cannot be one. ``where`` is the JSON path of ``msg``
    inside the line (``""`` for the line itself, ``"result.message"`` in batch results);
    ``usage_patch`` overrides usage fields before storing (e.g. the batch service tier).
    Without a message id the key comes from ``keys`` (one :class:`ContentKeys` per file;
    ``key_extra`` is extra content such as the batch ``custom_id``). A complete response
    object is a finished request whatever its ``stop_reason`` (``final=True``)."""
    prefix = f"{where}." if where else ""
    if msg is None and where:
        return Problem(file, line, where, "missing_field", "no message object")
    if not isinstance(msg, dict):
        return Problem(file, line, where or None, "not_an_object", "expected a message object")
    usage = msg.get("usage")
    if usage is None:
        return Problem(file, line, f"{prefix}usage", "missing_field", "message has no usage")
    if not isinstance(usage, dict):
        return Problem(file, line, f"{prefix}usage", "wrong_type", "usage is not an object")
    model = msg.get("model")
    if not isinstance(model, str) or not model:
        kind = "missing_field" if model is None else "wrong_type"
        return Problem(file, line, f"{prefix}model", kind, "message has no model id")
    mid = msg.get("id")
    if mid is not None and not isinstance(mid, str):
        return Problem(file, line, f"{prefix}id", "wrong_type", "message id is not a string")
    stop = msg.get("stop_reason")
    if usage_patch:
        usage = {**usage, **usage_patch}
    usage_json = _plain.encode(usage)
    stop_reason = stop if isinstance(stop, str) else None
    fallback = None
    if not mid:
        keys = keys if keys is not None else ContentKeys()
        fallback = keys.key(file, model, stop_reason, usage_json, key_extra)
    try:
        return api_record(
            usage_json,
            source=source,
            model=model,
            ts_ms=ts_ms,
            message_id=mid or None,
            request_id=None,
            stop_reason=stop_reason,
            tags=tags,
            file=file,
            line=line,
            fallback_key=fallback,
            final=True,
        )
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        field, kind, text = _describe(exc, f"{prefix}usage")
        return Problem(file, line, field, kind, text)
