"""The permanent ledger: deduplicated usage records, exact costs, rollups, ingest state.

* :class:`LedgerStore` — the narrow protocol every backend implements.
* :class:`SQLiteLedger` — the default backend (one file, WAL, mode 0600); open it with
  :func:`open_ledger` (explicit path, ``$TOKENTRAIL_LEDGER`` or the platform data dir).
* :func:`ingest_claude_code` — incremental, idempotent, crash-safe ingest of Claude Code
  transcripts into a store.
* :class:`AggregateQuery` → :class:`AggregateRow` with :class:`Totals` — day / month /
  session / project / model reports from the rollups.

Token counts are ints; money is :class:`~decimal.Decimal` USD, stored as integer
picodollars (see :mod:`tokentrail.ledger.schema` for units and limits).
"""

from __future__ import annotations

import os

from tokentrail._lazy import lazy_attributes

TYPE_CHECKING = False  # typing's constant without importing typing (~10 ms a run)
if TYPE_CHECKING:
    from tokentrail.ledger.clickhouse.store import ClickHouseLedger
    from tokentrail.ledger.costing import Coster, pico_to_usd
    from tokentrail.ledger.protocol import (
        AggregateQuery,
        AggregateRow,
        BatchResult,
        LedgerStore,
        RecordFilter,
        RepriceResult,
        Totals,
    )
    from tokentrail.ledger.sqlite import (
        ENV_LEDGER,
        SQLiteLedger,
        default_ledger_path,
        resolve_ledger_path,
    )
    from tokentrail.ledger.sync import IngestSummary, ingest_claude_code

# Loaded on first use (PEP 562): a warm report reads the rollups through
# ``tokentrail.ledger.totals`` / ``.aggregate`` and must not pay for the ingest, the
# pricing hooks or the writer it does not use.
_LAZY: dict[str, str] = {
    "Coster": "tokentrail.ledger.costing",
    "pico_to_usd": "tokentrail.ledger.costing",
    "AggregateQuery": "tokentrail.ledger.totals",
    "AggregateRow": "tokentrail.ledger.totals",
    "Totals": "tokentrail.ledger.totals",
    "BatchResult": "tokentrail.ledger.protocol",
    "LedgerStore": "tokentrail.ledger.protocol",
    "RecordFilter": "tokentrail.ledger.protocol",
    "RepriceResult": "tokentrail.ledger.protocol",
    "ENV_LEDGER": "tokentrail.ledger.sqlite",
    "SQLiteLedger": "tokentrail.ledger.sqlite",
    "default_ledger_path": "tokentrail.ledger.sqlite",
    "resolve_ledger_path": "tokentrail.ledger.sqlite",
    "IngestSummary": "tokentrail.ledger.sync",
    "ingest_claude_code": "tokentrail.ledger.sync",
}


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals())


__all__ = [
    "ENV_LEDGER",
    "AggregateQuery",
    "AggregateRow",
    "BatchResult",
    "Coster",
    "IngestSummary",
    "LedgerStore",
    "RecordFilter",
    "RepriceResult",
    "SQLiteLedger",
    "Totals",
    "default_ledger_path",
    "ingest_claude_code",
    "open_ledger",
    "open_store",
    "pico_to_usd",
    "resolve_ledger_path",
]


def open_ledger(
    path: str | os.PathLike[str] | None = None,
    *,
    timeout: float = 60.0,  # float ok: seconds
) -> SQLiteLedger:
    """Open (creating and migrating if needed) the SQLite ledger at ``path``.

    ``path`` ``None``: ``$TOKENTRAIL_LEDGER``, else the platform data dir.
    """
    from tokentrail.ledger.clickhouse.url import ledger_url

    if ledger_url(path) is not None:
        from tokentrail.errors import LedgerError

        raise LedgerError(
            "this command works on the local SQLite ledger, not a team ledger URL: give "
            "--ledger PATH (team ledgers serve the reports, ingest, push, problems, explain)"
        )
    from tokentrail.ledger.sqlite import SQLiteLedger, resolve_ledger_path

    return SQLiteLedger(resolve_ledger_path(path), timeout=timeout)


def open_store(
    target: str | os.PathLike[str] | None = None,
    *,
    timeout: float = 60.0,  # float ok: seconds
    machine: str | None = None,
    user: str | None = None,
) -> SQLiteLedger | ClickHouseLedger:
    """The ledger ``target`` names: a ClickHouse team ledger for a ``clickhouse://``,
    ``clickhouses://`` or ``chdb://`` URL (explicit, else ``$TOKENTRAIL_LEDGER``), else the
    SQLite ledger of :func:`open_ledger`. ``machine`` / ``user``: who writes to a team ledger
    (default: host name, OS user)."""
    from tokentrail.ledger.clickhouse.url import ledger_url

    url = ledger_url(target)
    if url is not None:
        from tokentrail.ledger.clickhouse.store import ClickHouseLedger

        return ClickHouseLedger(url, machine=machine, user=user)
    return open_ledger(target, timeout=timeout)
