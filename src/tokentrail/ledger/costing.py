"""Cost of stored records, in integer picodollars (1 USD = 10**12), from the pricing engine.

The pricing layer is imported lazily (only when something must be priced), so reading
reports from the ledger never loads the catalog. Rules:

* ``<synthetic>`` records cost exactly 0 (no flags: the ledger counts them apart).
* A record whose model the catalog does not know (or that pricing rejects: a bad or
  implausible count) is *unpriced*: cost ``None``, never a silent zero; reports count it
  apart. Its flags say why: ``"unpriced,unknown_model"`` or ``"unpriced,usage_rejected"``.
* Records with ``usage.iterations`` are priced per iteration via the engine's full path
  (:func:`tokentrail.pricing.price`); all others through the fast integer path
  (:class:`tokentrail.pricing.Pricer`).
* Flags are the codes ``price(usage, model=..., at=..., stop_reason=...)`` gives for the
  record, comma-separated in first-seen order (``None`` when there are none); on the fast path
  they come from :meth:`Pricer.flag_codes`, which is memoised and equal to them.
* A total that is not a whole number of picodollars (no current rate does that) is
  rounded half-even to one and flagged ``"rounded_to_picodollar"`` (after the other codes).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from tokentrail.errors import TokentrailError, UnknownModelError
from tokentrail.ingest.records import SYNTHETIC_MODEL, CCRecord
from tokentrail.ledger.totals import usd_from_pico as pico_to_usd

__all__ = ["PICO", "Coster", "pico_to_usd"]

#: Picodollars per USD.
PICO = 10**12
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Coster:
    """Prices :class:`CCRecord` rows; create one per ingest or reprice run."""

    def __init__(self, pricer: Any | None = None) -> None:
        self._pricer = pricer
        self._fast_record: Any = None
        self._joined: dict[tuple[str, ...], str] = {}

    def _load(self) -> Any:
        if self._pricer is None:
            from tokentrail.pricing import Pricer

            self._pricer = Pricer()
        return self._pricer

    def drain_memo(self) -> bytes | None:
        """What a price memo learned since the last call (None without one or when
        nothing was learned; see :meth:`MemoPricer.drain
        <tokentrail.ledger.price_memo.MemoPricer.drain>`)."""
        drain = getattr(self._pricer, "drain", None)
        return drain() if callable(drain) else None

    def absorb_memo(self, data: bytes) -> None:
        """Add a worker's learned price-memo entries to this coster's memo, if it has one."""
        absorb = getattr(self._pricer, "absorb", None)
        if callable(absorb):
            absorb(data)

    def preload(self) -> None:
        """Load the pricing engine now, e.g. before forking workers that inherit it (a
        pricer that loads its engine lazily, :class:`~tokentrail.ledger.price_memo.MemoPricer`,
        is made to)."""
        pricer = self._load()
        preload = getattr(pricer, "preload", None)
        if callable(preload):
            preload()

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
        fused = getattr(pricer, "cost_rows", None)
        if fused is not None:
            fast = self._fused(fused, records, fast, out)
            if not fast:
                return out
        rows = [self._fast(records[i]) for i in fast]
        try:
            picos: list[int | None] = pricer.picodollars(rows)
        except _PRICING_ERRORS:
            picos = [self._one_pico(row) for row in rows]
        flag_codes = pricer.flag_codes
        joined = self._joined
        for i, row, pico in zip(fast, rows, picos, strict=True):
            r = records[i]
            usd: Decimal | None = None
            if pico is None:
                usd = self._one_total(row)  # not a whole picodollar (or not priceable)
                if usd is None:
                    out[i] = None, _unpriced(None)
                    continue
            try:
                codes = flag_codes(row, r.usage_json, stop_reason=r.stop_reason)
            except _PRICING_ERRORS as exc:
                out[i] = None, _unpriced(exc)
                continue
            if usd is not None:
                out[i] = _result(usd, codes)
                continue
            flags = joined.get(codes)
            if flags is None:
                flags = joined[codes] = ",".join(codes)
            out[i] = pico, flags or None
        return out

    def _fused(
        self,
        cost_rows: Any,
        records: list[CCRecord],
        idx: list[int],
        out: list[tuple[int | None, str | None]],
    ) -> list[int]:
        """Price ``records[i]`` for ``i`` in ``idx`` with :meth:`Pricer.cost_rows
        <tokentrail.pricing.Pricer.cost_rows>` into ``out``; the indexes it did not settle
        (the per-row path prices them and reports why they are unpriced)."""
        rows = [
            (
                r.model,
                r.ts_ms // 86_400_000,
                r.input_tokens,
                r.cache_5m_tokens,
                r.cache_1h_tokens,
                r.cache_read_tokens,
                r.output_tokens,
                r.speed,
                r.service_tier,
                r.inference_geo,
                r.web_search_requests,
                r.usage_json,
                r.stop_reason,
            )
            for r in (records[i] for i in idx)
        ]
        joined = self._joined
        rest: list[int] = []
        for i, res in zip(idx, cost_rows(rows), strict=True):
            if res is None:
                rest.append(i)
                continue
            pico, codes = res
            flags = joined.get(codes)
            if flags is None:
                flags = joined[codes] = ",".join(codes)
            out[i] = pico, flags or None
        return rest

    def _fast(self, r: CCRecord) -> Any:
        if self._fast_record is None:
            from tokentrail.pricing.fast import FastRecord

            self._fast_record = FastRecord
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

    def _one_pico(self, row: Any) -> int | None:
        """Picodollars of one fast row; None when it is not a whole number of them or the
        row cannot be priced (the caller then asks :meth:`_one_total`)."""
        try:
            pico: int | None = self._load().picodollars((row,))[0]
        except _PRICING_ERRORS:
            return None
        return pico

    def _one_total(self, row: Any) -> Decimal | None:
        try:
            usd: Decimal = self._load().totals((row,))[0]
        except _PRICING_ERRORS:
            return None
        return usd

    def _slow(self, r: CCRecord) -> tuple[int | None, str | None]:
        from tokentrail.pricing import price

        pricer = self._load()
        try:
            b = price(
                r.usage_json,
                model=r.model,
                at=_utc_day(r.ts_ms),
                catalog=pricer.catalog,
                stop_reason=r.stop_reason,
            )
        except _PRICING_ERRORS as exc:
            return None, _unpriced(exc)
        return _result(b.total, b.flag_codes)


_PRICING_ERRORS = (TokentrailError, ValueError, TypeError, LookupError)


def _unpriced(exc: BaseException | None) -> str:
    if exc is None or isinstance(exc, UnknownModelError):
        return "unpriced,unknown_model"
    return "unpriced,usage_rejected"


def _result(usd: Decimal, codes: Sequence[str]) -> tuple[int, str | None]:
    scaled = usd.scaleb(12)
    pico = int(scaled.to_integral_value())
    if pico != scaled:
        codes = (*codes, "rounded_to_picodollar")
    return pico, ",".join(codes) or None


_DAYS: dict[int, date] = {}


def _utc_day(ts_ms: int) -> date:
    n = ts_ms // 86_400_000
    d = _DAYS.get(n)
    if d is None:
        d = _DAYS[n] = (_EPOCH + timedelta(days=n)).date()
    return d
