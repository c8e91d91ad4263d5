"""Decode Claude Code transcript lines into :class:`CCRecord` rows and :class:`Problem` rows.

Hot path, per block of complete lines (bytes ending in ``\\n``):

1. the block is checked for UTF-8 once (per line only if that fails);
2. each line is located with ``bytes.find`` (no copy) and decoded with msgspec into a
   small typed struct holding only the envelope fields we keep; everything else
   (content blocks, snapshots, tool results) is skipped by msgspec's C parser, which
   still validates the whole line as JSON so broken lines are never silent;
3. the usage object is kept as raw JSON bytes (every field the API sent: TTL split,
   server tools, speed, geo, tier, iterations) and also decoded into typed counts.

Counts are ints in ``[0, MAX_TOKENS]``; a count outside it is an ``invalid_value`` problem
naming the field, so no stored integer can overflow. ``input_tokens`` and
``output_tokens`` (and, in each ``iterations`` entry, ``type`` and all four counts) are
required non-null ints, as in the SDK's types and the pricing engine: a line without them
is a ``missing_field`` / ``wrong_type`` problem, never a record left unpriced; the
optional cache counts written as ``null`` (or left out) are 0. A line that is valid
JSON but holds a lone UTF-16 surrogate escape (``"\\udc00"``, which msgspec rejects) is
decoded again by a tolerant fallback (error path only) that spells such surrogates as
backslash escapes, so the record is kept.

Only ``assistant`` lines with a ``message.usage`` object produce records, and no line that
should carry usage is dropped without a word: an ``assistant`` line whose ``message`` is
missing or ``null`` is a ``missing_field`` problem (field ``message``), one whose
``message`` is not an object or whose ``usage`` is not an object a ``wrong_type`` problem,
and an API message (it has an ``id``) without ``usage`` (missing or ``null``) a
``missing_field`` problem (field ``message.usage``). Lines that legitimately carry no
usage are skipped: every other line type (``user``, ``summary``, ``system``,
``progress``, ``file-history-snapshot``... and unknown ones), and an assistant message
without an id (not an API response: nothing was billed). A ``<synthetic>`` message
(Claude Code's local error / limit placeholder, never billed) without usage is stored as
a zero-usage synthetic record, as one with usage counts left out is. Blank lines are
skipped silently. Content blocks (prompt, response,
tool text) are never decoded, let alone kept.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Annotated

import msgspec

from tokentrail.ingest.discover import SourceFile
from tokentrail.ingest.records import (
    SYNTHETIC_MODEL,
    TS_MAX_MS,
    TS_MIN_MS,
    CCRecord,
    Problem,
    storable,
)

__all__ = ["MAX_TOKENS", "UsageCounts", "decode_usage", "parse_block"]

#: Largest accepted token count of one field (top level, one iteration, or an iteration
#: sum); also bounds server-tool request counts. A storage bound: far above any real
#: request and above the pricing engine's plausibility limits (a count between those and
#: this is stored but unpriced), far below SQLite's 2**63 - 1 even summed over a record.
MAX_TOKENS = 1_000_000_000
_NonNeg = Annotated[int, msgspec.Meta(ge=0, le=MAX_TOKENS)]
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MS = timedelta(milliseconds=1)


class _CacheCreation(msgspec.Struct):
    ephemeral_5m_input_tokens: _NonNeg | None = None
    ephemeral_1h_input_tokens: _NonNeg | None = None


class _ServerToolUse(msgspec.Struct):
    web_search_requests: _NonNeg | None = None
    web_fetch_requests: _NonNeg | None = None


# Required and non-null where the SDK's types require them (``input_tokens`` and
# ``output_tokens``; every count and ``type`` of an iteration): a usage the pricing engine
# would reject is a problem line here, never a record stored unpriced without a word.
class _Iteration(msgspec.Struct):
    type: str
    input_tokens: _NonNeg
    cache_creation_input_tokens: _NonNeg
    cache_read_input_tokens: _NonNeg
    output_tokens: _NonNeg
    cache_creation: _CacheCreation | None = None


class _Usage(msgspec.Struct):
    input_tokens: _NonNeg
    output_tokens: _NonNeg
    cache_creation_input_tokens: _NonNeg | None = None
    cache_read_input_tokens: _NonNeg | None = None
    cache_creation: _CacheCreation | None = None
    server_tool_use: _ServerToolUse | None = None
    service_tier: str | None = None
    speed: str | None = None
    inference_geo: str | None = None
    iterations: list[_Iteration] | None = None


class UsageCounts(msgspec.Struct, frozen=True, gc=False):
    """What pricing and the rollups need from one usage object (tokens, request counts).

    Token counts are the *billed* tokens, the ones the pricing engine prices: the top-level
    fields, or, when ``iterations`` is a non-empty list, the sums over every iteration
    (the top level leaves compaction iterations out, so top level + compaction entries
    when the log is consistent); ``has_iterations`` says which. Cache writes follow
    :func:`tokentrail.types.cache_writes_by_ttl`: without a ``cache_creation`` split all
    writes count as 5-minute (``ttl_known`` false); with both
    the flat total is authoritative and the 1-hour part is capped at it, so
    ``cache_5m + cache_1h == cache_creation`` always. With iterations the rule applies per
    iteration, an iteration without a split may take the top-level one (as pricing does,
    see :func:`_iteration_writes`), and ``ttl_known`` is false when some iteration's writes
    still have no split.
    """

    input_tokens: int
    cache_creation: int
    cache_5m: int
    cache_1h: int
    ttl_known: bool
    cache_read: int
    output_tokens: int
    web_search_requests: int
    web_fetch_requests: int
    service_tier: str | None
    speed: str | None
    inference_geo: str | None
    has_iterations: bool


def decode_usage(raw: bytes | memoryview) -> UsageCounts:
    """Typed counts of a usage object given as JSON bytes.

    Raises :class:`msgspec.ValidationError` (wrong type, negative count, a count or an
    iteration sum above :data:`MAX_TOKENS`) or :class:`msgspec.DecodeError` (not JSON);
    the message names the JSON path.
    """
    u = _usage_dec.decode(raw)
    flat = u.cache_creation_input_tokens
    cc = u.cache_creation
    if cc is None:
        c5, c1, known = flat or 0, 0, False
    else:
        five = cc.ephemeral_5m_input_tokens or 0
        hour = cc.ephemeral_1h_input_tokens or 0
        if flat is None:
            c5, c1 = five, hour
        else:
            c1 = min(hour, flat)
            c5 = flat - c1
        known = True
    inp, read, out = u.input_tokens or 0, u.cache_read_input_tokens or 0, u.output_tokens or 0
    if u.iterations:  # rare: priced per iteration, so counted per iteration too
        inp = read = out = 0
        c5, c1, known = _iteration_writes(u.iterations, (c5, c1) if cc is not None else None)
        for it in u.iterations:
            inp += it.input_tokens or 0
            read += it.cache_read_input_tokens or 0
            out += it.output_tokens or 0
        if max(inp, read, out, c5 + c1) > MAX_TOKENS:
            raise msgspec.ValidationError(
                f"Expected iteration sums <= {MAX_TOKENS}, got input {inp}, cache writes "
                f"{c5 + c1}, cache reads {read}, output {out} - at `$.iterations`"
            )
    stu = u.server_tool_use
    return UsageCounts(
        input_tokens=inp,
        cache_creation=c5 + c1,
        cache_5m=c5,
        cache_1h=c1,
        ttl_known=known,
        cache_read=read,
        output_tokens=out,
        web_search_requests=(stu.web_search_requests or 0) if stu is not None else 0,
        web_fetch_requests=(stu.web_fetch_requests or 0) if stu is not None else 0,
        service_tier=u.service_tier,
        speed=u.speed,
        inference_geo=u.inference_geo,
        has_iterations=bool(u.iterations),
    )


def _writes(flat: int | None, cc: _CacheCreation | None) -> tuple[int, int, bool]:
    """(5m writes, 1h writes, split known) by :func:`tokentrail.types.cache_writes_by_ttl`."""
    if cc is None:
        return flat or 0, 0, False
    five = cc.ephemeral_5m_input_tokens or 0
    hour = cc.ephemeral_1h_input_tokens or 0
    if flat is None:
        return five, hour, True
    hour = min(hour, flat)
    return flat - hour, hour, True


def _iteration_writes(
    items: list[_Iteration], top: tuple[int, int] | None
) -> tuple[int, int, bool]:
    """(5m, 1h, split known) of cache writes summed over ``items``, as pricing counts them
    (``tokentrail.pricing.extract``): each iteration by :func:`_writes`; iterations that
    wrote cache without a split get the top-level split ``top`` where that is unambiguous
    (what the iterations with a split leave: all 5-minute when no 1-hour is left, all
    1-hour when no 5-minute is left, or the whole rest for a single such iteration)."""
    per = [_writes(it.cache_creation_input_tokens, it.cache_creation) for it in items]
    missing = [i for i, (w5, _, known) in enumerate(per) if not known and w5 > 0]
    if missing and top is not None:
        r5 = top[0] - sum(w5 for w5, _, known in per if known or w5 == 0)
        r1 = top[1] - sum(w1 for _, w1, known in per if known or w1 == 0)
        if r5 >= 0 and r1 >= 0:
            if r1 == 0:
                fixed = {i: (per[i][0], 0) for i in missing}
            elif r5 == 0:
                fixed = {i: (0, per[i][0]) for i in missing}
            elif len(missing) == 1 and per[missing[0]][0] == r5 + r1:
                fixed = {missing[0]: (r5, r1)}
            else:
                fixed = {}
            for i, (w5, w1) in fixed.items():
                per[i] = (w5, w1, True)
            missing = [i for i in missing if i not in fixed]
    return sum(p[0] for p in per), sum(p[1] for p in per), not missing


_usage_dec = msgspec.json.Decoder(_Usage)
_SYNTHETIC_ZERO = UsageCounts(0, 0, 0, 0, False, 0, 0, 0, 0, None, None, None, False)


class _Message(msgspec.Struct):
    id: str | None = None
    model: str | None = None
    stop_reason: str | None = None
    usage: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)


class _Line(msgspec.Struct):
    type: str | None = None
    timestamp: datetime | None = None
    uuid: str | None = None
    sessionId: str | None = None
    cwd: str | None = None
    version: str | None = None
    gitBranch: str | None = None
    agentId: str | None = None
    requestId: str | None = None
    isSidechain: bool | None = None
    message: _Message | None = None


class _Envelope(msgspec.Struct):
    type: str | None = None
    timestamp: datetime | None = None


_line_dec = msgspec.json.Decoder(_Line)
_NO_MESSAGE = "assistant line has no `message` object (missing or null): its usage is unknown"
_NO_USAGE = (
    "assistant message has an id but no `usage` object (missing or null): its tokens are unknown"
)
_TOO_DEEP = "JSON nested too deeply (about a thousand levels or more): not read"
_env_dec = msgspec.json.Decoder(_Envelope)
_PATH_RE = re.compile(r" - at `\$\.?(.*)`$")
_MISSING_RE = re.compile(r"Object missing required field `([^`]*)`")


def _describe(exc: Exception, prefix: str = "") -> tuple[str | None, str, str]:
    """(field, kind, message) for a msgspec error; ``prefix`` is prepended to the field."""
    text = str(exc)
    if isinstance(exc, msgspec.ValidationError):
        m = _PATH_RE.search(text)
        path = (m.group(1) if m else "") or None
        field = f"{prefix}.{path}" if prefix and path else (prefix or path)
        missing = _MISSING_RE.match(text)
        if missing:
            name = missing.group(1)
            return (f"{field}.{name}" if field else name), "missing_field", text
        if field is None and text.startswith("Expected `object`"):
            return None, "not_an_object", text
        if text.startswith("Expected `") and ", got `" in text:
            got = text.split(", got `", 1)[1]
            kind = "invalid_value" if text.split("`", 2)[2].startswith(" >=") else "wrong_type"
            if got[:1].isdigit() or got[:1] == "-":
                kind = "invalid_value"
            return field, kind, text
        return field, "invalid_value", text
    return None, "invalid_json", text


def _nonempty(s: str | None) -> str | None:
    return s if s else None


def _ts_ms(dt: datetime) -> int:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return (dt - _EPOCH) // _MS


def _record(
    ln: _Line, msg: _Message, raw: bytes, sf: SourceFile, fname: str, lineno: int
) -> CCRecord | Problem:
    try:
        u = decode_usage(raw)
    except RecursionError:
        return Problem(fname, lineno, "message.usage", "too_deep", _TOO_DEEP)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        field, kind, text = _describe(exc, "message.usage")
        if kind != "missing_field" or msg.model != SYNTHETIC_MODEL:
            return Problem(fname, lineno, field, kind, text)
        # Claude Code's local placeholder is never billed: a count it leaves out is 0.
        u = _SYNTHETIC_ZERO
    if ln.timestamp is None:
        return Problem(fname, lineno, "timestamp", "missing_field", "usage line has no timestamp")
    ts_ms = _ts_ms(ln.timestamp)
    if not TS_MIN_MS <= ts_ms < TS_MAX_MS:
        text = f"timestamp {ln.timestamp.isoformat()} is outside 2000-01-01 .. 2100-01-01 (UTC)"
        return Problem(fname, lineno, "timestamp", "invalid_value", text)
    mid = _nonempty(msg.id)
    rid = _nonempty(ln.requestId)
    if mid is not None:
        key = f"{mid}|{rid}" if rid is not None else mid
    elif ln.uuid:
        key = f"uuid:{ln.uuid}"
    else:
        key = f"line:{fname}:{lineno}"
    # Positional (the hot path: about 5x cheaper than keywords); the order is pinned by
    # _POSITIONAL below and a test.
    return CCRecord(
        key,
        mid,
        rid,
        ts_ms,
        msg.model or "<unknown>",
        _nonempty(ln.sessionId) or sf.session_hint,
        _nonempty(ln.cwd),
        _nonempty(ln.agentId) or sf.agent_id,
        sf.agent_type,
        _nonempty(ln.gitBranch),
        _nonempty(ln.version),
        bool(ln.isSidechain) or sf.kind != "main",
        msg.stop_reason,
        u.input_tokens,
        u.cache_creation,
        u.cache_5m,
        u.cache_1h,
        u.ttl_known,
        u.cache_read,
        u.output_tokens,
        u.web_search_requests,
        u.web_fetch_requests,
        u.speed,
        u.service_tier,
        u.inference_geo,
        u.has_iterations,
        raw,
        fname,
        lineno,
    )


#: The CCRecord fields :func:`_record` passes by position, in order.
_POSITIONAL = (
    "key", "message_id", "request_id", "ts_ms", "model", "session_id", "project", "agent_id",
    "agent_type", "git_branch", "client_version", "is_sidechain", "stop_reason",
    "input_tokens", "cache_creation_tokens", "cache_5m_tokens", "cache_1h_tokens", "ttl_known",
    "cache_read_tokens", "output_tokens", "web_search_requests", "web_fetch_requests", "speed",
    "service_tier", "inference_geo", "has_iterations", "usage_json", "file", "line",
)  # fmt: skip
if CCRecord.__struct_fields__[: len(_POSITIONAL)] != _POSITIONAL:  # pragma: no cover
    raise ImportError("CCRecord fields moved: update tokentrail.ingest.claude_code._record")


def _bad_utf8_lines(buf: bytes) -> set[int]:
    """0-based indexes (within ``buf``) of lines that are not valid UTF-8."""
    bad: set[int] = set()
    for i, chunk in enumerate(buf.split(b"\n")):
        try:
            codecs.utf_8_decode(chunk, "strict", True)
        except UnicodeDecodeError:
            bad.add(i)
    return bad


def _clean(obj: object) -> object:
    """``obj`` (decoded by :mod:`json`) with every string made storable (no lone surrogates)."""
    if isinstance(obj, str):
        return storable(obj)
    if isinstance(obj, dict):
        return {storable(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    return obj


def _without_surrogates(line: bytes) -> bytes | None:
    """``line`` re-encoded with its lone surrogate escapes spelled out, or ``None`` when it
    is not JSON for :mod:`json` either. Error path only (msgspec rejected the line)."""
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    return msgspec.json.encode(_clean(obj))


def _decode_line(
    view: memoryview, sf: SourceFile, fname: str, lineno: int, retry: bool = True
) -> CCRecord | Problem | None:
    try:
        ln = _line_dec.decode(view)
    except RecursionError:
        return Problem(fname, lineno, None, "too_deep", _TOO_DEEP)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        if not bytes(view).strip():
            return None
        field, kind, text = _describe(exc)
        if retry and kind == "invalid_json" and "surrogate" in text:
            # RFC 8259 allows a lone "\udc00" escape; msgspec does not.
            fixed = _without_surrogates(bytes(view))
            if fixed is not None:
                return _decode_line(memoryview(fixed), sf, fname, lineno, retry=False)
        if kind == "wrong_type" and field and field.startswith("message"):
            # A non-assistant line whose `message` has an odd shape is not our business.
            try:
                env = _env_dec.decode(view)
            except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
                env = None
            if env is not None and env.type != "assistant":
                return None
        return Problem(fname, lineno, field, kind, text)
    if ln.type != "assistant":
        return None
    msg = ln.message
    if msg is None:
        return Problem(fname, lineno, "message", "missing_field", _NO_MESSAGE)
    raw = bytes(msg.usage)
    if not raw or raw == b"null":
        if msg.model == SYNTHETIC_MODEL:
            # Claude Code's local placeholder is never billed: no usage is zero usage.
            return _record(ln, msg, b"{}", sf, fname, lineno)
        if not msg.id:
            return None  # no message id: not an API response, nothing was billed
        return Problem(fname, lineno, "message.usage", "missing_field", _NO_USAGE)
    if raw[:1] != b"{":
        got = {b"[": "array", b'"': "str", b"t": "bool", b"f": "bool"}.get(raw[:1], "number")
        text = f"Expected `object`, got `{got}` - at `$.message.usage`"
        return Problem(fname, lineno, "message.usage", "wrong_type", text)
    return _record(ln, msg, raw, sf, fname, lineno)


def parse_block(
    buf: bytes,
    sf: SourceFile,
    first_line: int,
    on_record: Callable[[CCRecord], None],
    on_problem: Callable[[Problem], None],
) -> int:
    """Decode ``buf`` (complete lines, each ending in ``\\n``) from file ``sf``.

    ``first_line`` is the 1-based number of the first line in ``buf``. Records and
    problems are passed to the callbacks in line order. Returns the number of lines.
    """
    fname = storable(str(sf.path))
    try:
        codecs.utf_8_decode(buf, "strict", True)
        bad_utf8: set[int] = set()
    except UnicodeDecodeError:
        bad_utf8 = _bad_utf8_lines(buf)
    mv = memoryview(buf)
    find = buf.find
    pos = 0
    n = len(buf)
    idx = 0
    while pos < n:
        end = find(b"\n", pos)
        if end < 0:
            end = n
        stop = end - 1 if end > pos and buf[end - 1] == 13 else end  # drop a trailing \r
        if stop > pos:
            lineno = first_line + idx
            if idx in bad_utf8:
                on_problem(Problem(fname, lineno, None, "not_utf8", "line is not valid UTF-8"))
            else:
                out = _decode_line(mv[pos:stop], sf, fname, lineno)
                if out is not None:
                    if isinstance(out, CCRecord):
                        on_record(out)
                    else:
                        on_problem(out)
        idx += 1
        pos = end + 1
    return idx
