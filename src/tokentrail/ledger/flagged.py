"""Flagged records: priced requests whose cost rests on an assumption (standard library only).

The pricing engine raises flag codes for a record priced under a rule the facts leave open
(a prompt beyond the context window, the Priority Tier priced at list, code-execution
hours not in the usage...). The ledger keeps them in ``records.price_flags``
(comma-separated, ``NULL`` when there are none). A record is *flagged* when it was priced
(``cost_pico IS NOT NULL``: unpriced records are counted apart, as ``unpriced``) and has
flags; ``<synthetic>`` records never have any.

Reports read them from ``rollup_flags_q15`` (migration ``0008_flagged_records``): flagged
records counted per rollup cell (UTC quarter-hour × model × project × session × agent ×
branch) and stored flag set. It follows every insert, replacement, delete and reprice of
``records`` in the same transaction, so the flags always agree with the stored records;
an ingest pays for it only on the flagged rows, and a report reads a few rows per cell
whatever the number of records.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from tokentrail.ledger.schema import FLAGGED_WHERE, QUARTER_MS

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
    (``since_ms`` / ``until_ms``: a coarse UTC prefilter, widened to whole cells; callers
    select exactly by cell)."""
    conds: list[str] = []
    args: list[object] = []
    if models:
        conds.append(f"model IN ({', '.join('?' * len(models))})")
        args.extend(models)
    for col, val in (("project", project), ("session_id", session_id)):
        if val is not None:
            conds.append(f"{col} = ?")
            args.append(val)
    if since_ms is not None:
        conds.append("q >= ?")
        args.append(since_ms // QUARTER_MS)
    if until_ms is not None:
        conds.append("q < ?")
        args.append(-(-until_ms // QUARTER_MS))
    where = (" WHERE " + " AND ".join(conds)) if conds else ""
    sql = (
        "SELECT q, model, project, session_id, agent, branch, flags, requests "
        f"FROM rollup_flags_q15{where}"
    )
    return [tuple(r) for r in db.execute(sql, args)]


def flag_counts(db: sqlite3.Connection) -> dict[str, int]:
    """Flagged records per flag code (a record with two codes counts under each)."""
    out: dict[str, int] = {}
    for flags, n in db.execute("SELECT flags, sum(requests) FROM rollup_flags_q15 GROUP BY flags"):
        for code in split_flags(flags):
            out[code] = out.get(code, 0) + int(n)
    return dict(sorted(out.items()))
