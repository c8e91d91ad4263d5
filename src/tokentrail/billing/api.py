"""The billed side from Python: :func:`reconcile_ledger` (what ``tokentrail reconcile``
runs) over an open ledger holding pulled buckets."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING

from tokentrail.billing.report import Reconciliation, reconcile
from tokentrail.errors import UserInputError
from tokentrail.ledger.billing_store import billing_store_for
from tokentrail.ledger.totals import AggregateQuery

if TYPE_CHECKING:
    from tokentrail.ledger.protocol import LedgerStore
    from tokentrail.pricing.catalog import Catalog

__all__ = ["reconcile_ledger"]


def _day(ms: int) -> date:
    return datetime.fromtimestamp(ms // 1000, tz=timezone.utc).date()


def _ms(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=timezone.utc).timestamp()) * 1000


def reconcile_ledger(
    ledger: LedgerStore,
    *,
    since: date | None = None,
    until: date | None = None,
    by: str = "day",
    keys: Iterable[str] = (),
    workspaces: Iterable[str] = (),
    catalog: Catalog | None = None,
    catalog_check: bool = False,
) -> Reconciliation:
    """Reconcile ``ledger``'s records with the buckets ``tokentrail billing pull`` stored in
    it, for UTC days ``since``..``until`` (default: the days pulled). ``keys`` /
    ``workspaces``: the API keys and workspaces the ledger covers (empty: all).
    ``catalog_check``: leave the ledger out, check the catalog against the bill only."""
    from tokentrail.pricing.catalog import default_catalog

    if by not in ("day", "model", "api-key", "workspace"):
        raise UserInputError(f"by {by!r}: one of day, model, api-key, workspace expected")
    store = billing_store_for(ledger)
    span = store.span()
    if span is None:
        raise UserInputError(
            f"nothing pulled into {getattr(ledger, 'path', 'the ledger')} yet: run "
            "`tokentrail billing pull` first"
        )
    lo = since or _day(span[0])
    hi = until or _day(span[1] - 1)
    if lo > hi:
        raise UserInputError(f"--since {lo} is after --until {hi}")
    lo_ms, hi_ms = _ms(lo), _ms(hi + timedelta(days=1))
    rows = ledger.aggregate(AggregateQuery(group_by="day", tz=timezone.utc, since=lo, until=hi))
    rec = reconcile(
        catalog or default_catalog(),
        rows,
        store.usage(lo_ms, hi_ms),
        store.cost(lo_ms, hi_ms),
        by=by,
        keys=frozenset(keys),
        workspaces=frozenset(workspaces),
        since=lo,
        until=hi,
        ledger_side=not catalog_check,
    )
    now = datetime.now(timezone.utc)
    # Day N-1 is aggregated at about 10:00 UTC on day N (ADMIN_API.md, section 3).
    settled = now.date() - timedelta(days=1 if now.hour >= 10 else 2)
    if hi > settled:
        rec.notes.append(
            f"days after {settled} may not be fully reported yet (day N-1 is aggregated at "
            "about 10:00 UTC on day N): pull them again later"
        )
    return rec
