"""Cost of stored records, in integer picodollars (1 USD = 10**12), from the pricing engine.

The pricing layer is imported lazily (only when something must be priced), so reading
reports from the ledger never loads the catalog. Rules:

* ``<synthetic>`` records cost exactly 0.
* A record whose model the catalog does not know (or that pricing rejects) is
  *unpriced*: cost ``None``, never a silent zero; reports count it apart.
* Records with ``usage.iterations`` are priced per iteration via the engine's full path;
  all others through the fast integer path (:class:`tokentrail.pricing.Pricer`).
* A total that is not a whole number of picodollars (no current rate does that) is
  rounded half-even to one and flagged ``"rounded_to_picodollar"``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from tokentrail.errors import TokentrailError
from tokentrail.ingest.records import SYNTHETIC_MODEL, CCRecord

__all__ = ["PICO", "Coster", "pico_to_usd"]

#: Picodollars per USD.
PICO = 10**12
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def pico_to_usd(pico: int) -> Decimal:
    """Exact USD for an integer amount of picodollars."""
    return Decimal(pico).scaleb(-12)


class Coster:
    """Prices :class:`CCRecord` rows; create one per ingest or reprice run."""

    def __init__(self, pricer: Any | None = None) -> None:
        self._pricer = pricer
        self._fast_record: Any = None

    def _load(self) -> Any:
        if self._pricer is None:
            from tokentrail.pricing import Pricer
            from tokentrail.pricing.fast import FastRecord

            self._pricer = Pricer()
            self._fast_record = FastRecord
        elif self._fast_record is None:
            from tokentrail.pricing.fast import FastRecord

            self._fast_record = FastRecord
        return self._pricer

    def cost(self, r: CCRecord) -> tuple[int | None, str | None]:
        """``(picodollars or None if unpriced, flags or None)`` for one record."""
        return self.cost_many([r])[0]

    def cost_many(self, records: list[CCRecord]) -> list[tuple[int | None, str | None]]:
        """:meth:`cost` for many records (one fast-path call for the common case)."""
        out: list[tuple[int | None, str | None]] = [(0, None)] * len(records)
        fast: list[int] = []
        for i, r in enumerate(records):
            if r.model == SYNTHETIC_MODEL:
                continue
            if r.has_iterations:
                out[i] = self._slow(r)
            else:
                fast.append(i)
        if not fast:
            return out
        pricer = self._load()
        rows = [self._fast(records[i]) for i in fast]
        try:
            totals: list[Decimal] = pricer.totals(rows)
        except _PRICING_ERRORS:
            for i, row in zip(fast, rows, strict=True):
                out[i] = self._one_fast(row)
            return out
        for i, usd in zip(fast, totals, strict=True):
            out[i] = _to_pico(usd)
        return out

    def _fast(self, r: CCRecord) -> Any:
        counts = (
            r.input_tokens,
            r.cache_5m_tokens,
            r.cache_1h_tokens,
            r.cache_read_tokens,
            r.output_tokens,
        )
        day = _utc_day(r.ts_ms)
        return self._fast_record(
            r.model, day, counts, r.speed, r.service_tier, r.inference_geo,
            r.web_search_requests, (),
        )  # fmt: skip

    def _one_fast(self, row: Any) -> tuple[int | None, str | None]:
        try:
            return _to_pico(self._load().totals((row,))[0])
        except _PRICING_ERRORS:
            return None, "unpriced"

    def _slow(self, r: CCRecord) -> tuple[int | None, str | None]:
        pricer = self._load()
        try:
            usd: Decimal = pricer.total(
                r.usage_json, model=r.model, at=_EPOCH + timedelta(milliseconds=r.ts_ms)
            )
        except _PRICING_ERRORS:
            return None, "unpriced"
        return _to_pico(usd)


_PRICING_ERRORS = (TokentrailError, ValueError, TypeError, LookupError)


def _to_pico(usd: Decimal) -> tuple[int, str | None]:
    scaled = usd.scaleb(12)
    pico = int(scaled.to_integral_value())
    if pico != scaled:
        return pico, "rounded_to_picodollar"
    return pico, None


_DAYS: dict[int, date] = {}


def _utc_day(ts_ms: int) -> date:
    n = ts_ms // 86_400_000
    d = _DAYS.get(n)
    if d is None:
        d = _DAYS[n] = (_EPOCH + timedelta(days=n)).date()
    return d
