"""Saved Messages API responses: a JSON response, a JSON array or JSONL of them, or an SSE
capture of streamed responses.

The format is detected from the content, not the file name:

* the first non-blank line starts with ``event:``, ``data:``, ``id:`` or ``:`` → **SSE**:
  events are fed through :class:`~tokentrail.types.UsageAccumulator` (deltas overwrite, as
  the SDK does); each ``message_start`` … ``message_stop`` becomes one record; a stream cut
  before ``message_stop`` is still recorded, without ``stop_reason`` (counted as incomplete);
  a stream that fails with an ``error`` event is not a completed request: it records
  nothing and is a ``stream_error`` problem at the error event's line (the rule of live
  tracking, where the SDK raises);
* the first line starts with ``[`` or is a lone ``{`` → one **JSON document**: a response
  object (pretty-printed) or an array of them (problems then point at the document's first
  line, ``field`` names the array index);
* otherwise → **JSONL**: one response object per line.

Records have source ``"response"``, keyed by message id (without one, by file and a hash
of the response's content: see :class:`~tokentrail.ingest.api_records.ContentKeys`), so
re-ingesting is idempotent and two different id-less responses are never merged. A complete
response object is a finished request whatever its ``stop_reason`` (``null`` included); a
streamed one is finished when its ``stop_reason`` arrived. Records are dated ``at_ms`` when
given (``tokentrail ingest --at``), else by the file's modification time (stdin: now). Bad lines
/ events become :class:`Problem` rows (file, line, field); nothing is silently dropped.
No content is kept, only usage.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from typing import IO

import msgspec

from tokentrail.errors import UsageError
from tokentrail.ingest.api_files import display_name, file_ts_ms, open_source
from tokentrail.ingest.api_records import ContentKeys, api_record, message_record
from tokentrail.ingest.records import CCRecord, Problem

__all__ = ["read_responses"]

SOURCE_RESPONSE = "response"
_dec = msgspec.json.Decoder()
_enc = msgspec.json.Encoder()
_SSE_PREFIXES = (b"event:", b"data:", b"id:", b":", b"retry:")


def read_responses(
    path: str, tags: Mapping[str, str] | None = None, at_ms: int | None = None
) -> Iterator[CCRecord | Problem]:
    """Records and problems of a saved-responses file (``-`` = stdin), in file order, dated
    ``at_ms`` (ms since the epoch, UTC) or else by the file's mtime (stdin: now)."""
    name = display_name(path)
    ts = file_ts_ms(path) if at_ms is None else at_ms
    keys = ContentKeys()
    with open_source(path) as fh:
        first = b""
        first_no = 0
        for lineno, raw in enumerate(fh, 1):
            if raw.strip():
                first, first_no = raw, lineno
                break
        if not first:
            return
        head = first.lstrip()
        if head.startswith(_SSE_PREFIXES):
            yield from _sse(first, first_no, fh, name, ts, tags, keys)
            return
        if head.rstrip() in (b"{", b"[") or head.startswith(b"["):
            yield from _document(first + fh.read(), first_no, name, ts, tags, keys)
            return
        yield _json_line(first, first_no, name, ts, tags, keys)
        for lineno, raw in enumerate(fh, first_no + 1):
            if raw.strip():
                yield _json_line(raw, lineno, name, ts, tags, keys)


def _one(
    obj: object,
    name: str,
    line: int,
    ts: int,
    tags: Mapping[str, str] | None,
    keys: ContentKeys,
    where: str = "",
) -> CCRecord | Problem:
    return message_record(
        obj,
        source=SOURCE_RESPONSE,
        where=where,
        file=name,
        line=line,
        ts_ms=ts,
        tags=tags,
        keys=keys,
    )


def _json_line(
    raw: bytes, line: int, name: str, ts: int, tags: Mapping[str, str] | None, keys: ContentKeys
) -> CCRecord | Problem:
    try:
        obj = _dec.decode(raw)
    except msgspec.DecodeError as exc:
        return Problem(name, line, None, "invalid_json", str(exc))
    return _one(obj, name, line, ts, tags, keys)


def _document(
    data: bytes,
    line: int,
    name: str,
    ts: int,
    tags: Mapping[str, str] | None,
    keys: ContentKeys,
) -> Iterator[CCRecord | Problem]:
    try:
        obj = _dec.decode(data)
    except msgspec.DecodeError as exc:
        yield Problem(name, line, None, "invalid_json", str(exc))
        return
    if isinstance(obj, list):
        for i, item in enumerate(obj):
            yield _one(item, name, line, ts, tags, keys, where=f"[{i}]")
    else:
        yield _one(obj, name, line, ts, tags, keys)


class _SSEMessage:
    __slots__ = ("acc", "line")

    def __init__(self, line: int) -> None:
        from tokentrail.types import UsageAccumulator

        self.acc = UsageAccumulator()
        self.line = line


def _sse(
    first: bytes,
    first_no: int,
    fh: IO[bytes],
    name: str,
    ts: int,
    tags: Mapping[str, str] | None,
    keys: ContentKeys,
) -> Iterator[CCRecord | Problem]:
    current: _SSEMessage | None = None
    data: list[bytes] = []
    data_line = 0

    def lines() -> Iterator[tuple[int, bytes]]:
        yield first_no, first
        yield from enumerate(fh, first_no + 1)

    def dispatch() -> Iterator[CCRecord | Problem]:
        nonlocal current
        payload = b"\n".join(data)
        try:
            event = _dec.decode(payload)
        except msgspec.DecodeError as exc:
            yield Problem(name, data_line, None, "invalid_json", str(exc))
            return
        if not isinstance(event, dict):
            yield Problem(name, data_line, None, "not_an_object", "an event must be an object")
            return
        kind = event.get("type")
        try:
            if kind == "message_start":
                if current is not None:  # the previous stream was cut short
                    yield _finish(current, name, ts, tags, keys)
                current = _SSEMessage(data_line)
                _feed(current, event)
            elif kind == "message_delta":
                if current is None:
                    yield Problem(
                        name, data_line, "type", "invalid_value",
                        "message_delta before any message_start",
                    )  # fmt: skip
                    return
                _feed(current, event)
            elif kind == "message_stop" and current is not None:
                yield _finish(current, name, ts, tags, keys)
                current = None
            elif kind == "error":
                current = None  # a failed stream is not a completed request: no record
                err = event.get("error")
                detail = err.get("message") if isinstance(err, dict) else None
                etype = err.get("type") if isinstance(err, dict) else None
                yield Problem(
                    name, data_line, "error", "stream_error",
                    f"the stream failed with an error event ({etype or 'unknown'}: "
                    f"{detail or 'no message'}); it is not recorded",
                )  # fmt: skip
        except UsageError as exc:
            yield Problem(name, data_line, "usage", "invalid_value", str(exc))

    for lineno, raw in lines():
        text = raw.rstrip(b"\r\n")
        if not text:
            if data:
                yield from dispatch()
            data = []
            continue
        if text.startswith(b"data:"):
            if not data:
                data_line = lineno
            chunk = text[5:]
            data.append(chunk[1:] if chunk.startswith(b" ") else chunk)
    if data:
        yield from dispatch()
    if current is not None:
        yield _finish(current, name, ts, tags, keys)


def _feed(m: _SSEMessage, event: dict[str, object]) -> None:
    with warnings.catch_warnings():
        # A bad value (e.g. a string token count) makes pydantic warn while the accumulator
        # dumps the usage; it becomes a problem when the record is built instead.
        warnings.simplefilter("ignore")
        m.acc.feed(event)


def _finish(
    m: _SSEMessage, name: str, ts: int, tags: Mapping[str, str] | None, keys: ContentKeys
) -> CCRecord | Problem:
    acc = m.acc
    if acc.usage is None or not acc.model:
        return Problem(name, m.line, "message.model", "missing_field", "stream without a model")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # as in _feed
        usage_json = _enc.encode(acc.usage.to_dict())
    fallback = None
    if not acc.message_id:
        fallback = keys.key(name, acc.model, acc.stop_reason, usage_json)
    try:
        return api_record(
            usage_json,
            source=SOURCE_RESPONSE,
            model=acc.model,
            ts_ms=ts,
            message_id=acc.message_id,
            stop_reason=acc.stop_reason,
            tags=tags,
            file=name,
            line=m.line,
            fallback_key=fallback,
        )
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        return Problem(name, m.line, "message.usage", "invalid_value", str(exc))
