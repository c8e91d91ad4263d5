"""Find stored records by message id or request id, whole or a prefix (standard library only).

``tokentrail explain ID`` reads one record this way from a ledger opened read-only
(:func:`open_readonly`: never created, migrated or changed). An exact id wins over longer
ids it is a prefix of; otherwise every record whose message id or request id starts with
the text matches. An exact id is found through the message id index (a request id
with one scan); a prefix takes one scan of ``records`` (an interactive command on one
record: fine).
"""

from __future__ import annotations

import os
import sqlite3

from tokentrail.ledger.frozen import Frozen
from tokentrail.ledger.uri import connect_readonly

__all__ = ["StoredRecord", "find_records", "message_ids", "open_readonly"]

_COLS = (
    "id, source, message_id, request_id, ts_ms, model, session_id, project, stop_reason, "
    "synthetic, usage_json, cost_pico, price_flags, file, line"
)
#: Most candidates listed for an ambiguous prefix (one more tells that there are more).
LIMIT = 20


class StoredRecord(Frozen):
    """One stored record, as ``explain`` shows it: ids, instant (UTC ms), model, session,
    project, ``stop_reason``, ``synthetic``, the raw usage JSON, the stored cost
    (picodollars, ``None`` when unpriced), its stored flags (comma-separated or ``None``)
    and the log line it came from (``None`` for API sources)."""

    __match_args__ = (
        "row_id",
        "source",
        "message_id",
        "request_id",
        "ts_ms",
        "model",
        "session_id",
        "project",
        "stop_reason",
        "synthetic",
        "usage_json",
        "cost_pico",
        "price_flags",
        "file",
        "line",
    )
    __slots__ = __match_args__

    row_id: int
    source: str
    message_id: str | None
    request_id: str | None
    ts_ms: int
    model: str
    session_id: str
    project: str
    stop_reason: str | None
    synthetic: bool
    usage_json: str
    cost_pico: int | None
    price_flags: str | None
    file: str | None
    line: int | None

    def __init__(self, *values: object) -> None:
        for name, value in zip(self.__match_args__, values, strict=True):
            object.__setattr__(self, name, value)

    @property
    def flag_codes(self) -> tuple[str, ...]:
        """The stored flag codes, in the order the pricing engine raised them."""
        return tuple(c for c in (self.price_flags or "").split(",") if c)


def open_readonly(
    path: str | os.PathLike[str],
    timeout: float = 10.0,  # float ok: seconds
) -> sqlite3.Connection:  # float ok: s
    """``path`` opened read-only; raises :class:`FileNotFoundError` when there is no file
    (nothing is created) and :class:`sqlite3.Error` when it is not a readable ledger."""
    p = os.fspath(path)
    if not os.path.isfile(p):
        raise FileNotFoundError(p)
    db = connect_readonly(p, timeout=timeout)
    try:
        db.execute("SELECT 1 FROM records LIMIT 1").fetchall()
    except BaseException:
        db.close()
        raise
    return db


def _rows(db: sqlite3.Connection, where: str, args: list[object]) -> list[StoredRecord]:
    sql = f"SELECT {_COLS} FROM records WHERE {where} ORDER BY ts_ms, id LIMIT {LIMIT + 1}"
    out = []
    for r in db.execute(sql, args):
        usage = r[10] if isinstance(r[10], str) else bytes(r[10]).decode("utf-8", "replace")
        out.append(StoredRecord(*r[:9], bool(r[9]), usage, *r[11:]))
    return out


def find_records(db: sqlite3.Connection, text: str) -> list[StoredRecord]:
    """The records whose message id or request id is ``text`` (when any is), else those
    whose ids start with it; oldest first, at most ``LIMIT + 1``. Empty text matches
    nothing."""
    if not text:
        return []
    exact = _rows(db, "message_id = ? OR request_id = ?", [text, text])
    if exact:
        return exact
    # substr(): an exact prefix test (LIKE would read `_` and `%` as wildcards)
    where = "substr(message_id, 1, ?) = ? OR substr(request_id, 1, ?) = ?"
    return _rows(db, where, [len(text), text, len(text), text])


def message_ids(
    db: sqlite3.Connection, session_id: str, since_ms: int, until_ms: int
) -> dict[tuple[int, str], str | None]:
    """``(ts_ms, model) -> message id`` of the session's records in ``[since_ms,
    until_ms)`` (read through the time index); None when two records share the key or a
    record has no message id."""
    out: dict[tuple[int, str], str | None] = {}
    sql = (
        "SELECT ts_ms, model, message_id FROM records"
        " WHERE ts_ms >= ? AND ts_ms < ? AND session_id = ?"
    )
    for ts, model, mid in db.execute(sql, [since_ms, until_ms, session_id]):
        key = (int(ts), str(model))
        out[key] = None if key in out else mid
    return out
