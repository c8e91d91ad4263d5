"""Ledger queries for the analyses: request rows in time order, the last session, id prefixes.

:func:`request_rows` turns stored records straight into
:class:`~tokentrail.analysis.rows.RequestRow` values (plain ints, no pydantic), parsing the
stored usage JSON only for records that carry ``iterations``; it is what the ``context``,
``cache`` and ``whatif`` commands feed the analyses, and gives the same figures as
``store.records(...)`` would (a test checks it). ``<synthetic>`` lines are left out.
"""

from __future__ import annotations

from collections.abc import Iterator

from tokentrail.analysis.rows import RequestRow, utc_day_of
from tokentrail.errors import LedgerError, TokentrailError, UserInputError
from tokentrail.ingest.records import SYNTHETIC_MODEL
from tokentrail.ledger.protocol import RecordFilter
from tokentrail.ledger.sqlite import SQLiteLedger
from tokentrail.pricing.extract import Call, read_request

__all__ = ["last_session_id", "request_rows", "resolve_session_id"]


def request_rows(ledger: SQLiteLedger, flt: RecordFilter | None = None) -> Iterator[RequestRow]:
    """Non-synthetic records matching ``flt`` as analysis rows, oldest first."""
    for r in ledger.record_rows(flt):
        if r.model == SYNTHETIC_MODEL:
            continue
        ts = r.ts_ms / 1000
        if r.has_iterations:
            try:
                calls = read_request(r.usage_json).calls
            except TokentrailError as exc:
                where = f"{r.file}:{r.line}" if r.file else r.key
                raise LedgerError(f"stored usage of {where} cannot be analysed: {exc}") from exc
        else:
            counts = (
                r.input_tokens,
                r.cache_5m_tokens,
                r.cache_1h_tokens,
                r.cache_read_tokens,
                r.output_tokens,
            )
            missing = not r.ttl_known and r.cache_5m_tokens > 0
            calls = (Call(None, None, None, counts, missing),)
        yield RequestRow(
            ts=ts,
            day=utc_day_of(ts),
            model=r.model,
            calls=calls,
            has_iterations=r.has_iterations,
            speed=r.speed,
            service_tier=r.service_tier,
            inference_geo=r.inference_geo,
            web_search_requests=r.web_search_requests,
            session_id=r.session_id,
            agent_id=r.agent_id,
            project=r.project,
            message_id=r.message_id,
        )


def last_session_id(ledger: SQLiteLedger) -> str | None:
    """The session id of the most recent non-synthetic record, None for an empty ledger."""
    row = ledger._db.execute(
        "SELECT session_id FROM records WHERE synthetic = 0 AND session_id != '' "
        "ORDER BY ts_ms DESC, id DESC LIMIT 1"
    ).fetchone()
    return None if row is None else str(row[0])


def resolve_session_id(ledger: SQLiteLedger, given: str) -> str:
    """The stored session id equal to ``given``, or the only one starting with it.

    Raises :class:`~tokentrail.errors.UserInputError` when none or several match.
    """
    if not given.strip():
        raise UserInputError("the session id is empty")
    db = ledger._db
    if db.execute("SELECT 1 FROM records WHERE session_id = ? LIMIT 1", (given,)).fetchone():
        return given
    found = [
        str(r[0])
        for r in db.execute(
            "SELECT DISTINCT session_id FROM records WHERE substr(session_id, 1, ?) = ? LIMIT 6",
            (len(given), given),
        )
    ]
    if not found:
        raise UserInputError(f"no session {given!r} in the ledger (see `tokentrail session`)")
    if len(found) > 1:
        more = ", ".join(found[:5])
        raise UserInputError(f"session prefix {given!r} is ambiguous: {more}")
    return found[0]
