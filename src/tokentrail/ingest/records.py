"""The ingest layer's own rows: one usage record and one problem, plus the dedup rule.

:class:`CCRecord` is the hot-path form of a Claude Code usage record: plain ints and
strings, decoded with msgspec, cheap to create by the hundred thousand. The public,
typed envelope is :class:`tokentrail.types.UsageRecord`; :func:`to_usage_record` converts
(it imports the types layer lazily, so a warm CLI run never pays for pydantic).

Token counts are ``int`` tokens; timestamps are milliseconds since the Unix epoch, UTC.
No prompt or response text is ever held: only the usage object (raw JSON bytes, exactly
as written in the log) and envelope metadata.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import msgspec

from tokentrail.ingest.ids import SOURCE_CLAUDE_CODE, SYNTHETIC_MODEL
from tokentrail.ingest.storable import storable

if TYPE_CHECKING:
    from tokentrail.types import UsageRecord

__all__ = [
    "SOURCE_CLAUDE_CODE",
    "SYNTHETIC_MODEL",
    "CCRecord",
    "Problem",
    "is_better",
    "merge_requestless",
    "storable",
    "surviving_copies",
    "to_usage_record",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

#: The time range a usage record may have (UTC, as Unix milliseconds): from 2000-01-01
#: (before any Claude API) to 2100-01-01. A line dated outside it (a broken clock, a
#: hand-edited file: year 1 or 9999) is an ``invalid_value`` problem on ``timestamp``,
#: never a record: every date in it has a calendar day in every time zone.
TS_MIN_MS = 946_684_800_000
TS_MAX_MS = 4_102_444_800_000


class CCRecord(msgspec.Struct, array_like=True, gc=False):
    """One assistant usage line of a Claude Code transcript, reduced to what we keep.

    Encoded by msgspec as an array (field order), not a map: ingest workers send records
    to the parent as msgpack, 35% smaller and faster to decode that way.
    ``key`` is the dedup key: ``"<message.id>|<requestId>"``, or ``"<message.id>"`` when
    the request id is missing; lines without a message id fall back to ``"uuid:<uuid>"``
    or ``"line:<file>:<line>"`` (counted once, never merged with anything else).
    ``cache_creation_tokens`` is the total of cache writes; ``cache_5m_tokens`` /
    ``cache_1h_tokens`` its TTL split (they add up to it), with ``ttl_known`` false when
    the log had no ``cache_creation`` object (then all writes count as 5-minute, as the
    pricing engine does). ``speed``, ``service_tier``, ``inference_geo`` and
    ``has_iterations`` are copied from the usage for pricing.
    ``usage_json`` is the usage object exactly as logged (every field the API sent).
    ``source`` is the :attr:`UsageRecord.source <tokentrail.types.UsageRecord.source>`
    (``claude_code``, ``sdk``, ``batch``, ``response``); ``tags_json`` the record's tags as a
    JSON object of str to str with sorted keys (``None`` = no tags); ``run_id`` the innermost
    :func:`tokentrail.track.run` the request belongs to, if any. Records of other sources
    than Claude Code use ``file``/``line`` for their origin (``""``/``0`` for live SDK
    calls). ``priced`` is the ``(picodollars or None if unpriced, price flags)`` already
    computed for it (by an ingest worker), ``None`` until then; it follows the record's
    tokens, not its key. ``final`` says whether the response had finished when it is known
    from elsewhere than ``stop_reason``: ``True`` for a complete non-streamed ``Message``
    (final whatever its ``stop_reason``, even ``null``); ``None`` (Claude Code, streams) =
    finished iff ``stop_reason`` is set.
    """

    key: str
    message_id: str | None
    request_id: str | None
    ts_ms: int
    model: str
    session_id: str | None
    project: str | None
    agent_id: str | None
    agent_type: str | None
    git_branch: str | None
    client_version: str | None
    is_sidechain: bool
    stop_reason: str | None
    input_tokens: int
    cache_creation_tokens: int
    cache_5m_tokens: int
    cache_1h_tokens: int
    ttl_known: bool
    cache_read_tokens: int
    output_tokens: int
    web_search_requests: int
    web_fetch_requests: int
    speed: str | None
    service_tier: str | None
    inference_geo: str | None
    has_iterations: bool
    usage_json: bytes
    file: str
    line: int
    source: str = "claude_code"
    tags_json: str | None = None
    run_id: str | None = None
    priced: tuple[int | None, str | None] | None = None
    final: bool | None = None

    @property
    def synthetic(self) -> bool:
        """True for ``<synthetic>`` lines (local errors/limits): zero cost, not a request."""
        return self.model == SYNTHETIC_MODEL

    @property
    def is_final(self) -> bool:
        """Whether the response had finished: ``final`` when set, else whether
        ``stop_reason`` was written."""
        return self.stop_reason is not None if self.final is None else self.final

    @property
    def total_tokens(self) -> int:
        """Input + cache writes + cache reads + output, in tokens."""
        return (
            self.input_tokens
            + self.cache_creation_tokens
            + self.cache_read_tokens
            + self.output_tokens
        )


class Problem(msgspec.Struct, frozen=True, array_like=True):
    """A line that was skipped: ``file`` (absolute path), 1-based ``line``, the JSON path
    of the offending ``field`` (``None`` for the whole line), a ``kind`` and a message.

    Kinds: ``not_utf8``, ``invalid_json`` (includes a truncated line in the middle of a
    file), ``not_an_object``, ``wrong_type`` (a field of the wrong JSON type),
    ``invalid_value`` (right type, impossible value, e.g. a negative token count or a
    malformed timestamp), ``missing_field`` (a usage line without a timestamp),
    ``line_too_long`` (over the reader's cap, never parsed), ``too_deep`` (JSON nested
    deeper than the decoder follows, about a thousand levels). A timestamp outside
    :data:`TS_MIN_MS` .. :data:`TS_MAX_MS` is ``invalid_value``.
    """

    file: str
    line: int
    field: str | None
    kind: str
    message: str


def rank(r: CCRecord) -> tuple[bool, int, int, bool]:
    """Quality of a record among copies of one request: bigger is better.

    ``(finished, output_tokens, total_tokens, not_sidechain)``: a finished record
    (:attr:`CCRecord.is_final`) beats an unfinished one, then the larger output (streaming
    copies only grow output), then the larger total, then a main-transcript copy beats a
    sidechain one.
    """
    finished = r.stop_reason is not None if r.final is None else r.final
    return (finished, r.output_tokens, r.total_tokens, not r.is_sidechain)


def is_better(new: CCRecord, old: CCRecord) -> bool:
    """Whether ``new`` should replace ``old`` (same dedup key). Never sums copies.

    A total order, so the copy kept never depends on the order copies arrive in (file
    mtimes, batches, runs): the better :func:`rank`; then the earlier timestamp (a resumed
    or forked session copies history, timestamps included, into a new file, and the
    earliest session gets the credit; within one session, rank-tied copies carry the same
    counts and the first dates the request); then the smaller session id (``None`` counts
    as ``""``); then the smaller file path; then the later line. Fully equal: keep ``old``.
    The ledger applies the same rule in SQL (``tokentrail.ledger.sqlite``).
    """
    rn, ro = rank(new), rank(old)
    if rn != ro:
        return rn > ro
    return (new.ts_ms, new.session_id or "", new.file, -new.line) < (
        old.ts_ms,
        old.session_id or "",
        old.file,
        -old.line,
    )


def merge_requestless(best: dict[str, CCRecord]) -> None:
    """Merge, in place, Claude Code copies of one response logged with and without a
    ``requestId`` (an early streaming line may lack it).

    ``best`` maps dedup keys to records. A record without request id (key
    ``"<message.id>"``) whose message id also has a record with a request id and the same
    ``is_sidechain`` (``/btw`` replays are the sidechain rule's business) is one request
    with it: the better copy by :func:`is_better` is kept under the key and request id of
    the one with a request id (the smallest such key if several). Cheap when there is
    nothing to merge (one pass over ``best``).
    """
    lone = [
        r
        for r in best.values()
        if r.request_id is None and r.message_id is not None and r.source == SOURCE_CLAUDE_CODE
    ]
    if not lone:
        return
    wanted = {(r.message_id, r.is_sidechain) for r in lone}
    target: dict[tuple[str | None, bool], CCRecord] = {}
    for r in best.values():
        k = (r.message_id, r.is_sidechain)
        if r.request_id is not None and k in wanted and r.source == SOURCE_CLAUDE_CODE:
            t = target.get(k)
            if t is None or r.key < t.key:
                target[k] = r
    for r in lone:
        t = target.get((r.message_id, r.is_sidechain))
        if t is None:
            continue
        del best[r.key]
        moved = msgspec.structs.replace(r, key=t.key, request_id=t.request_id)
        if is_better(moved, best[t.key]):
            best[t.key] = moved


def to_usage_record(r: CCRecord, tags: Mapping[str, str] | None = None) -> UsageRecord:
    """The public :class:`tokentrail.types.UsageRecord` for a record (loose usage model).

    ``tags`` (if given) are merged over the record's own stored tags.
    """
    from tokentrail.types import AgentRef, Origin, UsageRecord, usage_from

    all_tags: dict[str, str] = {}
    if r.tags_json:
        loaded = msgspec.json.decode(r.tags_json)
        if isinstance(loaded, dict):
            all_tags.update({str(k): str(v) for k, v in loaded.items()})
    if tags:
        all_tags.update(tags)

    usage: Any = usage_from(r.usage_json)
    agent = AgentRef(id=r.agent_id, type=r.agent_type) if r.agent_id else None
    return UsageRecord(
        source=r.source,
        model=r.model,
        usage=usage,
        timestamp=_EPOCH + timedelta(milliseconds=r.ts_ms),
        message_id=r.message_id,
        request_id=r.request_id,
        session_id=r.session_id,
        project=r.project,
        agent=agent,
        git_branch=r.git_branch,
        client_version=r.client_version,
        tags=all_tags,
        origin=Origin(path=r.file, line=r.line) if r.file and r.line >= 1 else None,
    )


def surviving_copies(records: Iterable[CCRecord]) -> tuple[int, list[CCRecord]]:
    """``(incoming, survivors)`` of one batch: the best copy per dedup key
    (:func:`is_better`), copies logged without a request id merged
    (:func:`merge_requestless`), and sidechain copies (``/btw`` replays) of a message the
    main thread also has dropped. Every store's ``commit_batch`` starts here."""
    incoming = 0
    best: dict[str, CCRecord] = {}
    for r in records:
        incoming += 1
        old = best.get(r.key)
        if old is None or is_better(r, old):
            best[r.key] = r
    merge_requestless(best)
    cands = list(best.values())
    main_ids = {r.message_id: r.key for r in cands if not r.is_sidechain and r.message_id}
    return incoming, [
        r
        for r in cands
        if not (r.is_sidechain and main_ids.get(r.message_id or "", r.key) != r.key)
    ]
