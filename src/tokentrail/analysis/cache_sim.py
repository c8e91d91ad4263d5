"""Which cache writes were read: a replay of one thread's prompt cache (inferred, not observed).

Usage records never say *which* cached tokens a read hit, so this module infers it with one
rule, applied per thread = (session id, agent id, model, track) — caches are per model, a
subagent's conversation is not its parent's, and ``advisor_message`` iterations (the advisor's
own prompt) are a track of their own, apart from the conversation, even on the same model:

**Prefix model.** A call's prompt is a prefix: ``cache_read`` tokens ``[0, r)`` come from the
cache, its writes cover the next positions ``[r, r + w)`` (1-hour writes first, then 5-minute
ones: the API requires longer TTLs before shorter ones), then the uncached input. A write is
a *lot* with a position range, a TTL and a last-touch time.

* The API caches whole prefixes: a write with a 1-hour part creates a 1-hour entry for the
  prefix ``[0, r + write_1h)``, so every lot below it is **kept** for an hour from then on,
  whatever TTL it was written (and billed) at. A lot's **keep TTL** is 3,600 s once it lies
  under a 1-hour entry, else its own TTL (300 s or 3,600 s).
* A lot is **live** at time ``t`` while ``t - last_touch <= keep TTL``.
* A later call of the thread (same timestamp for the iterations of one request) reading
  ``r`` tokens **reads** every live lot starting below ``r``: ``min(end, r) - start`` of its
  tokens count as read (a lot's read count is the largest such cover), and the read
  **refreshes** the lot (``last_touch = t``, keep TTL unchanged), as the API does.
* A call that writes at position ``r`` replaces the content from ``r`` on: live lots starting
  at or after ``r`` end there, a lot straddling ``r`` is cut at ``r``; their unread tokens are
  final.
* A lot's tokens never read when it expires or is replaced are **unread**; when the records
  end, a lot still live at ``as_of`` is **pending** (it may yet be read), else unread.

Reads not covered by any lot (a prefix cached before the records start, or by another
session or thread — Claude Code shares its system prompt across sessions) are
**unattributed**. Limits: writes read only by another thread count as unread; a rewrite
racing a live copy (parallel requests) counts both as read.

The same replay drives the TTL what-if (counterfactual):

* **all 5-minute**: tokens read from a lot kept for an hour (a 1-hour write, or a prefix under
  one) untouched for more than 300 s would have expired: they become 5-minute writes of the
  reading call (``stale_1h``);
* **all 1-hour**: a lot kept 5 minutes that expired less than 3,600 s after its last touch is kept
  as a *ghost*; when a later call rewrites its positions (and its prefix reaches the ghost's
  end, i.e. the conversation was not shortened, e.g. by compaction) those written tokens
  would have been reads (``recovered``).
"""

from __future__ import annotations

from collections.abc import Callable

from tokentrail.analysis.rates import CallRates

__all__ = ["FIVE_MINUTES", "ONE_HOUR", "CallOutcome", "Lot", "ThreadCache"]

#: TTLs in seconds.
FIVE_MINUTES = 300.0
ONE_HOUR = 3600.0


class Lot:
    """Cache-written tokens ``[start, end)`` of one call: ``hour`` (written, and billed, at the
    1-hour TTL, else 5-minute), ``keep_hour`` (kept an hour: a 1-hour write, or under a 1-hour
    prefix entry; defaults to ``hour``), ``touched`` (POSIX s of the write or last read),
    ``read`` (tokens read so far), the writing call's ``rates`` and an opaque ``group`` (who
    to report unread tokens to)."""

    __slots__ = ("end", "group", "hour", "keep_hour", "rates", "read", "start", "touched")

    def __init__(
        self,
        start: int,
        end: int,
        hour: bool,
        touched: float,  # float ok: seconds
        rates: CallRates,
        group: object,
        keep_hour: bool | None = None,
    ) -> None:
        self.start = start
        self.end = end
        self.hour = hour
        self.keep_hour = hour if keep_hour is None else keep_hour
        self.touched = touched
        self.read = 0
        self.rates = rates
        self.group = group

    @property
    def ttl(self) -> float:  # float ok: seconds
        """Keep TTL in seconds (how long the lot stays live after its last touch)."""
        return ONE_HOUR if self.keep_hour else FIVE_MINUTES


Sink = Callable[[Lot, int, bool], None]
"""Called with (lot, tokens, pending) for tokens that end unread (pending=False) or are still
live when the records end (pending=True)."""


class CallOutcome:
    """What the replay inferred for one call (tokens): reads attributed to no lot, reads from
    stale 1-hour lots (misses under all-5m), writes an all-1h policy would have read."""

    __slots__ = ("recovered", "stale_1h", "unattributed")

    def __init__(self, unattributed: int, stale_1h: int, recovered: int) -> None:
        self.unattributed = unattributed
        self.stale_1h = stale_1h
        self.recovered = recovered


class ThreadCache:
    """The replayed cache of one thread. Feed calls in time order with :meth:`call`."""

    __slots__ = ("ghosts", "lots", "sink")

    def __init__(self, sink: Sink) -> None:
        self.lots: list[Lot] = []
        self.ghosts: list[Lot] = []
        self.sink = sink

    def _drop(self, lot: Lot) -> None:
        left = lot.end - lot.start - lot.read
        if left > 0:
            self.sink(lot, left, False)

    def call(
        self,
        t: float,  # float ok: seconds
        read: int,
        write_5m: int,
        write_1h: int,
        rates: CallRates,
        group: object,
    ) -> CallOutcome:
        """One call at POSIX ``t`` reading ``read`` and writing ``write_5m`` / ``write_1h``."""
        lots = self.lots
        if lots:
            kept = []
            for lot in lots:
                if t - lot.touched > lot.ttl:
                    self._drop(lot)
                    if not lot.keep_hour:
                        self._ghost(lot)
                else:
                    kept.append(lot)
            self.lots = lots = kept
        if self.ghosts:
            self.ghosts = [g for g in self.ghosts if t - g.touched <= ONE_HOUR]
        attributed = stale = 0
        if read:
            for lot in lots:
                if lot.start < read:
                    c = min(lot.end, read) - lot.start
                    attributed += c
                    if c > lot.read:
                        lot.read = c
                    if lot.keep_hour and t - lot.touched > FIVE_MINUTES:
                        stale += c
                    lot.touched = t
        recovered = 0
        written = write_5m + write_1h
        if written:
            end = read + written
            if self.ghosts:
                for g in self.ghosts:
                    if g.end <= end and g.end > read:
                        recovered += g.end - max(g.start, read)
                self.ghosts = _cut(self.ghosts, read, None)
            self.lots = lots = _cut(lots, read, self._drop)
            if write_1h:
                # a 1-hour entry for the prefix [0, read + write_1h): every lot below it (all
                # remaining lots end at or before `read`) is kept for an hour from now
                for lot in lots:
                    lot.keep_hour = True
                lots.append(Lot(read, read + write_1h, True, t, rates, group))
            if write_5m:
                lots.append(Lot(read + write_1h, end, False, t, rates, group))
        return CallOutcome(read - attributed, stale, min(recovered, written))

    def _ghost(self, lot: Lot) -> None:
        self.ghosts = _cut(self.ghosts, lot.start, None, until=lot.end)
        self.ghosts.append(lot)

    def finish(self, as_of: float | None) -> None:  # float ok: seconds
        """The records end: report every remaining lot as pending (live at ``as_of``) or
        unread (``as_of`` None: the records are taken as complete)."""
        for lot in self.lots:
            left = lot.end - lot.start - lot.read
            if left > 0:
                pending = as_of is not None and as_of - lot.touched <= lot.ttl
                self.sink(lot, left, pending)
        self.lots = []
        self.ghosts = []


def _cut(
    lots: list[Lot], at: int, drop: Callable[[Lot], None] | None, until: int | None = None
) -> list[Lot]:
    """Lots with positions in ``[at, until)`` (``until`` None: to the end) removed: lots
    inside go to ``drop``; a lot straddling ``at`` is cut there (its cut-off tail, never read
    beyond ``at``, reported through ``drop`` via a tail lot)."""
    out = []
    for lot in lots:
        if lot.end <= at or (until is not None and lot.start >= until):
            out.append(lot)
        elif lot.start >= at and (until is None or lot.end <= until):
            if drop is not None:
                drop(lot)
        elif lot.start < at:
            if drop is not None:
                tail = Lot(at, lot.end, lot.hour, lot.touched, lot.rates, lot.group, lot.keep_hour)
                tail.read = max(0, lot.read - (at - lot.start))
                drop(tail)
            lot.end = at
            lot.read = min(lot.read, at - lot.start)
            out.append(lot)
        else:  # ghost partly beyond `until`: keep only the part after it
            lot.start = until if until is not None else lot.start
            out.append(lot)
    return out
