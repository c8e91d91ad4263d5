"""What-if repricing: the same records under another model, tier (batch) or TTL policy.

:func:`reprice` prices every sampling call twice — as recorded (the rate row in force for its
model, UTC day, speed and prompt size, times its multipliers, like :func:`tokentrail.price`)
and under the scenario — and reports the delta per component (input, 5m writes, 1h writes,
cache reads, output). Money is exact :class:`~decimal.Decimal` USD of token lines;
web-search fees do not depend on the scenario and are left out of both sides.

**It is an estimate** (:data:`ESTIMATE_NOTE`): token counts are kept as recorded, but models
of different generations use different tokenizers, so the same text may count differently on
the target model; output length and caching behaviour would differ too.

Scenario rules:

* ``model``: every call runs on ``model`` (any spelling the catalog resolves; an unknown id
  raises :class:`~tokentrail.errors.UnknownModelError`) — except ``advisor_message``
  iterations, which keep the advisor model they ran on. The target's own long-context or
  prompt tier applies to the unchanged prompt size; fast-mode calls stay fast (priced at
  standard rates as a lower bound when the target has no fast price).
* ``batch``: ``True`` bills every request as a Message Batches request (the catalog's batch
  multiplier, x0.5); fast mode is not offered under batch, so fast calls are priced at
  standard speed. ``False`` bills every request at the standard tier. ``None``: as recorded.
* ``ttl``: ``"5m"`` or ``"1h"`` writes every cache write with that TTL, hits re-judged by the
  replay of :mod:`tokentrail.analysis.cache_sim` (reads of a 1-hour lot idle over 5 minutes
  become 5-minute writes; rewrites of a 5-minute lot expired less than an hour earlier
  become reads). ``None``: as recorded.

* **no caching on the scenario's model**: cache tokens whose component the target has no
  price for are re-billed (noted, with their count): a 1-hour write as a 5-minute write when
  the model sells those, else as plain input at the target's input rate (e.g.
  claude-3-sonnet-20240229 sold no prompt caching: every cache write and read is input).

The TTL replay runs per (session, agent, model, track): ``advisor_message`` iterations have
their own prompt, so their own cache, apart from the conversation's.

Records of a model the catalog does not know are skipped and counted in
``unpriced_requests``; ``<synthetic>`` rows are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from tokentrail._money import ZERO
from tokentrail.analysis.cache_sim import Lot, ThreadCache
from tokentrail.analysis.rates import COMPONENTS, CallRates, RateBook, Tally
from tokentrail.analysis.rows import RequestRow, sorted_rows
from tokentrail.errors import UnknownModelError, UserInputError
from tokentrail.pricing.breakdown import usd_str
from tokentrail.types import UsageRecord

__all__ = ["ESTIMATE_NOTE", "ComponentDelta", "WhatIf", "reprice"]

Ttl = Literal["5m", "1h"]

#: Shown with every what-if result.
ESTIMATE_NOTE = (
    "estimate: token counts are kept as recorded, but tokenizers differ between model "
    "generations (the same text may be more or fewer tokens on another model), and output "
    "length and cache behaviour would differ too"
)
_IN, _W5, _W1, _RD, _OUT = range(5)


@dataclass(frozen=True)
class ComponentDelta:
    """One component: tokens and exact USD as recorded and under the scenario."""

    component: str
    actual_tokens: int
    whatif_tokens: int
    actual_usd: Decimal
    whatif_usd: Decimal

    @property
    def delta_usd(self) -> Decimal:
        """``whatif_usd - actual_usd`` (negative: the scenario is cheaper)."""
        return self.whatif_usd - self.actual_usd

    def to_dict(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "actual_tokens": self.actual_tokens,
            "whatif_tokens": self.whatif_tokens,
            "actual_usd": usd_str(self.actual_usd),
            "whatif_usd": usd_str(self.whatif_usd),
            "delta_usd": usd_str(self.delta_usd),
        }


@dataclass(frozen=True)
class WhatIf:
    """The result of :func:`reprice` (an estimate: see :data:`ESTIMATE_NOTE`).

    ``model`` is the target's catalog id (None: as recorded); ``components`` one
    :class:`ComponentDelta` per component in display order; ``requests`` priced,
    ``unpriced_requests`` skipped (unknown model); ``unpriced_tokens`` tokens with no rate
    on either side (not in the USD figures); ``notes`` the rules that applied.
    """

    model: str | None
    batch: bool | None
    ttl: Ttl | None
    components: tuple[ComponentDelta, ...]
    requests: int
    unpriced_requests: int
    unpriced_tokens: int
    notes: tuple[str, ...]
    estimate: bool = True

    @property
    def actual_usd(self) -> Decimal:
        """Exact USD of the token lines as recorded."""
        return sum((c.actual_usd for c in self.components), ZERO)

    @property
    def whatif_usd(self) -> Decimal:
        """Exact USD of the token lines under the scenario."""
        return sum((c.whatif_usd for c in self.components), ZERO)

    @property
    def delta_usd(self) -> Decimal:
        """``whatif_usd - actual_usd``."""
        return self.whatif_usd - self.actual_usd

    def to_dict(self) -> dict[str, Any]:
        return {
            "estimate": self.estimate,
            "scenario": {"model": self.model, "batch": self.batch, "ttl": self.ttl},
            "requests": self.requests,
            "unpriced_requests": self.unpriced_requests,
            "unpriced_tokens": self.unpriced_tokens,
            "actual_usd": usd_str(self.actual_usd),
            "whatif_usd": usd_str(self.whatif_usd),
            "delta_usd": usd_str(self.delta_usd),
            "components": [c.to_dict() for c in self.components],
            "notes": list(self.notes),
        }


def _noop(lot: Lot, tokens: int, pending: bool) -> None:
    """Unread tokens do not change a what-if (they are billed either way)."""


def reprice(
    records: Iterable[UsageRecord | RequestRow],
    *,
    model: str | None = None,
    batch: bool | None = None,
    ttl: Ttl | None = None,
    book: RateBook | None = None,
) -> WhatIf:
    """Price ``records`` as recorded and under a scenario; see the module doc for the rules.

    Raises :class:`~tokentrail.errors.UnknownModelError` when ``model`` is not in the
    catalog and :class:`~tokentrail.errors.UserInputError` for a ``ttl`` other than
    ``"5m"`` / ``"1h"``. With no scenario (or the records' own model and tier) the delta is
    exactly zero.
    """
    if ttl not in (None, "5m", "1h"):
        raise UserInputError(f"ttl must be '5m' or '1h', not {ttl!r}")
    book = book or RateBook()
    spec = book.spec(model) if model is not None else None
    target = spec.id if spec is not None else None
    early = 0  # requests dated before the target model's release
    actual, whatif = Tally(), Tally()
    moved: dict[tuple[str, str, str], int] = {}  # (model, from, to) -> tokens re-billed
    threads: dict[tuple[str | None, str | None, str, bool], ThreadCache] = {}
    requests = unpriced = 0
    for row in sorted_rows(records):
        try:
            pairs = _price_row(row, book, target, batch)
        except UnknownModelError:
            unpriced += 1
            continue
        requests += 1
        if spec is not None and row.day < spec.released:
            early += 1
        for counts, advisor, rates, alt in pairs:
            i, w5, w1, rd, o = counts
            for k, n in enumerate(counts):
                actual.add(rates, k, n)
            if ttl is not None and (w5 or w1 or rd):
                key = (row.session_id, row.agent_id, rates.model, advisor)
                th = threads.get(key)
                if th is None:
                    th = threads[key] = ThreadCache(_noop)
                out = th.call(row.ts, rd, w5, w1, rates, None)
                if ttl == "5m":
                    w5, w1, rd = w5 + w1 + out.stale_1h, 0, rd - out.stale_1h
                else:
                    w5, w1, rd = 0, w1 + w5 - out.recovered, rd + out.recovered
            scenario = [i, w5, w1, rd, o]
            if w5 or w1 or rd:
                _uncached(alt, scenario, moved)
            for k, n in enumerate(scenario):
                whatif.add(alt, k, n)
    a_usd, w_usd = actual.by_component(), whatif.by_component()
    a_tok, w_tok = actual.tokens(), whatif.tokens()
    comps = tuple(ComponentDelta(c, a_tok[c], w_tok[c], a_usd[c], w_usd[c]) for c in COMPONENTS)
    return WhatIf(
        model=target,
        batch=batch,
        ttl=ttl,
        components=comps,
        requests=requests,
        unpriced_requests=unpriced,
        unpriced_tokens=actual.unpriced_tokens + whatif.unpriced_tokens,
        notes=_notes(target, batch, ttl)
        + _moved_notes(moved)
        + (
            ()
            if spec is None or not early
            else (
                f"{early} requests predate {spec.id} (released {spec.released}): priced at "
                "its first rates",
            )
        ),
    )


def _uncached(alt: CallRates, counts: list[int], moved: dict[tuple[str, str, str], int]) -> None:
    """Re-bill, in place, scenario cache tokens that ``alt`` has no rate for: a 1-hour write
    with no 1-hour price becomes a 5-minute write when the model sells those, else (and for
    5-minute writes and reads) plain input — without that kind of caching the tokens would
    have been uncached prompt. ``moved`` counts what was re-billed, per model."""
    r = alt.rates
    for k in (_W1, _W5, _RD):
        n = counts[k]
        if not n or r[k] is not None:
            continue
        dest = _W5 if k == _W1 and r[_W5] is not None else _IN
        if r[dest] is None:
            continue  # no input price either: left unpriced (counted, reported)
        counts[k] = 0
        counts[dest] += n
        key = (alt.model, COMPONENTS[k], COMPONENTS[dest])
        moved[key] = moved.get(key, 0) + n


_KIND = {
    "cache_write_5m": "5-minute cache write",
    "cache_write_1h": "1-hour cache write",
    "cache_read": "cache read",
    "input": "uncached input",
}


def _moved_notes(moved: dict[tuple[str, str, str], int]) -> tuple[str, ...]:
    return tuple(
        f"{model} has no {_KIND[src]} price (it offered no such caching): {n:,} "
        f"{_KIND[src]} tokens billed as {_KIND[dest]} at its rate"
        for (model, src, dest), n in sorted(moved.items())
    )


def _price_row(
    row: RequestRow, book: RateBook, target: str | None, batch: bool | None
) -> list[tuple[tuple[int, int, int, int, int], bool, CallRates, CallRates]]:
    """(counts, advisor?, recorded rates, scenario rates) per call; resolves every model
    first so an unknown one leaves no partial sums."""
    tier = row.service_tier
    speed = row.speed
    if batch is True:
        tier, speed = "batch", None
    elif batch is False and tier == "batch":
        tier = "standard"
    out = []
    for c in row.calls:
        own = c.model or row.model
        prompt = c.prompt_tokens
        rates = book.rates(
            own,
            row.day,
            prompt,
            speed=row.speed,
            service_tier=row.service_tier,
            inference_geo=row.inference_geo,
        )
        alt_model = own if target is None or c.type == "advisor_message" else target
        geo = row.inference_geo
        alt = book.rates(
            alt_model, row.day, prompt, speed=speed, service_tier=tier, inference_geo=geo
        )
        out.append((c.counts, c.type == "advisor_message", rates, alt))
    return out


def _notes(target: str | None, batch: bool | None, ttl: Ttl | None) -> tuple[str, ...]:
    notes = [ESTIMATE_NOTE, "web-search fees are the same in every scenario and left out"]
    if target is not None:
        notes.append(
            f"every call priced as {target} (advisor_message iterations keep their own model); "
            "its own long-context or prompt tier applies to the recorded prompt size"
        )
    if batch is True:
        notes.append("every request billed as a Message Batches request; fast calls at standard")
    elif batch is False:
        notes.append("every request billed at the standard tier (no batch discount)")
    if ttl is not None:
        notes.append(
            f"every cache write at the {ttl} TTL; hits re-judged by replaying each thread's "
            "cache (tokentrail.analysis.cache_sim): inferred, not observed"
        )
    return tuple(notes)
