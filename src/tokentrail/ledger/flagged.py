"""Flagged records: priced requests whose cost rests on an assumption (standard library only).

The pricing engine raises flag codes for a record priced under a rule the facts leave open
(a prompt beyond the context window, the Priority Tier priced at list, code-execution
hours not in the usage...). The ledger keeps them in ``records.price_flags``
(comma-separated, ``NULL`` when there are none). A record is *flagged* when it was priced
(``cost_pico IS NOT NULL``: unpriced records are counted apart, as ``unpriced``) and has
flags; ``<synthetic>`` records never have any.

Flagged records are rare, so reports do not keep them in the rollups: the partial index
``records_flagged`` (migration ``0008_flagged_records``) holds exactly the flagged records
with every column a report groups by, and :func:`flag_cells` reads them grouped to the
rollups' grain (UTC quarter-hour × model × project × session × agent × branch) straight
from it. The index follows every insert, replacement, delete and reprice of ``records``
in the same transaction, so the flags always agree with the stored records, and an
ingest pays for it only on the flagged rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from tokentrail.ledger.schema import FLAGGED_WHERE, QUARTER_MS, RECORD_AGENT_SQL

__all__ = ["FLAGGED_WHERE", "FlagCell", "flag_cells", "flag_counts", "split_flags"]

#: ``(q, model, project, session_id, agent, branch, price_flags, records)``
FlagCell = tuple[int, str, str, str, str, str, str, int]

_SPLIT: dict[str, tuple[str, ...]] = {}


def split_flags(flags: str) -> tuple[str, ...]:
    """The sorted, distinct codes of a stored ``price_flags`` value (memoised)."""
    hit = _SPLIT.get(flags)
    if hit is None:
        hit = _SPLIT[flags] = tuple(sorted({c for c in flags.split(",") if c}))
    return hit


def flag_cells(
    db: sqlite3.Connection,
    *,
    models: Sequence[str] = (),
    project: str | None = None,
    session_id: str | None = None,
    since_ms: int | None = None,
    until_ms: int | None = None,
) -> list[FlagCell]:
    """The flagged records matching the filters, counted per rollup cell and flag set
    (``since_ms`` / ``until_ms``: a coarse UTC prefilter; callers select exactly by cell)."""
    conds = [FLAGGED_WHERE]
    args: list[object] = []
    if models:
        conds.append(f"model IN ({', '.join('?' * len(models))})")
        args.extend(models)
    for col, val in (("project", project), ("session_id", session_id)):
        if val is not None:
            conds.append(f"{col} = ?")
            args.append(val)
    if since_ms is not None:
        conds.append("ts_ms >= ?")
        args.append(since_ms)
    if until_ms is not None:
        conds.append("ts_ms < ?")
        args.append(until_ms)
    sql = (
        f"SELECT ts_ms / {QUARTER_MS}, model, project, session_id, "
        f"{RECORD_AGENT_SQL.format(r='records')}, coalesce(git_branch, ''), price_flags, "
        f"count(*) FROM records WHERE {' AND '.join(conds)} "
        "GROUP BY 1, 2, 3, 4, 5, 6, 7"
    )
    return [tuple(r) for r in db.execute(sql, args)]


def flag_counts(db: sqlite3.Connection) -> dict[str, int]:
    """Flagged records per flag code (a record with two codes counts under each)."""
    out: dict[str, int] = {}
    sql = f"SELECT price_flags, count(*) FROM records WHERE {FLAGGED_WHERE} GROUP BY price_flags"
    for flags, n in db.execute(sql):
        for code in split_flags(flags):
            out[code] = out.get(code, 0) + int(n)
    return dict(sorted(out.items()))
