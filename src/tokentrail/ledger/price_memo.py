"""The pricing engine's answers kept in the ledger, so small ingests rarely load it.

Importing the engine (the catalog, pydantic, the SDK types) takes about 0.15 s, more than
the rest of a typical incremental ingest. Yet the records of such an ingest nearly always
look like ones priced before: :meth:`Pricer.cost_rows <tokentrail.pricing.Pricer.cost_rows>`
depends on a record only through

* a *rate plan* (integer coefficients) per (model, day class, speed, service tier,
  inference geo), where the day class is the day's place among the model's catalog dates
  (the same classes the flag memo of :mod:`tokentrail.pricing.flagcodes` uses: every rate
  row, notice and dated modifier changes only on those dates), and
* *flag codes* per signature (the flag memo's key),

plus the token counts themselves. :class:`MemoPricer` answers ``cost_rows`` from those
tables; a record with a signature not in them makes it load the real engine
(:attr:`MemoPricer.real`), price it there, and learn the new entries (:attr:`dirty`).
Every other pricer method (the per-row fallback of :class:`~tokentrail.ledger.costing.Coster`)
goes to the real engine.

The tables are stored as one msgpack blob per :func:`fingerprint`: a SHA-256 of the pricing
package's code and data files and of the user price override in force. Any change to the
catalog, the override or the engine gives another fingerprint, so stale answers are never
read (the old row is replaced on the next save).
"""

from __future__ import annotations

import hashlib
import os
import threading
from bisect import bisect_right
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import msgspec

from tokentrail.pricing import quirks
from tokentrail.pricing.quirks import (
    MAX_OUTPUT_TOKENS,
    MAX_TOKENS,
    MAX_TOOL_REQUESTS,
    signature,
    usage_quirks,
)
from tokentrail.pricing.units import plan_units, units_to_pico

__all__ = ["FORMAT", "MemoPricer", "engine", "fingerprint"]

#: Version of the blob layout (part of the fingerprint).
FORMAT = 1
_EPOCH_DAY = date(1970, 1, 1).toordinal()
_ENV_PRICES = "TOKENTRAIL_PRICES"  # tokentrail.pricing.catalog.ENV_VAR (checked by a test)


def _override_file() -> str | bool | None:
    """The user override file as :func:`tokentrail.pricing.override_path` finds it (path,
    or None when there is none), or False when the one named by the environment is missing
    (the engine then raises; no memo)."""
    env = os.environ.get(_ENV_PRICES, "").strip()
    if env:
        path = os.path.expanduser(env)
        return path if os.path.isfile(path) else False
    import platformdirs

    default = os.path.join(platformdirs.user_config_dir("tokentrail"), "prices.toml")
    return default if os.path.isfile(default) else None


def fingerprint() -> str | None:
    """SHA-256 hex of what the engine's answers depend on: the blob format, every file of
    the ``tokentrail.pricing`` package (code and packaged catalog) and the override file in
    force. None when it cannot be computed (a missing override named by
    ``$TOKENTRAIL_PRICES``, an unreadable file): then nothing is memoised."""
    base = os.path.dirname(os.path.abspath(quirks.__file__))  # the pricing package
    h = hashlib.sha256(f"tokentrail-price-memo-{FORMAT}".encode())
    try:
        names = sorted(
            os.path.join(d, f)
            for d in (base, os.path.join(base, "data"))
            for f in os.listdir(d)
            if f.endswith((".py", ".toml"))
        )
        override = _override_file()
        if override is False:
            return None
        if isinstance(override, str):
            names.append(override)
        for name in names:
            with open(name, "rb") as fh:
                data = fh.read()
            h.update(f"\0{os.path.basename(name)}\0{len(data)}\0".encode())
            h.update(data)
    except OSError:
        return None
    return h.hexdigest()


def engine() -> Any:
    """The pricing engine's fast path with the default catalog (imported on first need)."""
    from tokentrail.pricing import Pricer

    return Pricer()


class _Tables(msgspec.Struct, array_like=True):
    """The stored blob (msgpack): engine scale and web-search fee (units of USD x
    10**(scale + 6)), per model its prompt thresholds and day-class edges (days since
    1970-01-01), rate plans by (model, class, speed, tier, geo), flag codes by signature."""

    scale: int
    fee: int
    models: list[tuple[str, list[int], list[int]]]
    plans: list[tuple[str, int, str | None, str | None, str | None, list[int]]]
    codes: list[tuple[list[Any], list[str]]]


class MemoPricer:
    """A pricer that answers :meth:`cost_rows` from stored tables when it can (see the
    module). ``data``: a stored blob (None or unreadable: start empty); ``load``: makes the
    real :class:`~tokentrail.pricing.Pricer` on first need."""

    def __init__(self, data: bytes | None, load: Callable[[], Any]) -> None:
        self._load = load
        self._real: Any = None
        self.dirty = False
        """True when entries were learned since the tables were loaded (save them)."""
        self._scale: int | None = None
        self._fee = 0
        self._models: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {}
        self._plans: dict[tuple[Any, ...], tuple[int, ...]] = {}
        self._codes: dict[tuple[Any, ...], tuple[str, ...]] = {}
        self._entries: dict[tuple[Any, ...], Any] = {}
        self._new: list[tuple[Any, ...]] = []  # learned since the last drain()
        # absorb / learn (the thread that prices or merges) against dumps (the writer)
        self._lock = threading.Lock()
        if data:
            self.absorb(data)
            self.dirty = False

    def absorb(self, data: bytes) -> None:
        """Add the entries of a blob (:meth:`dumps` / :meth:`drain`) not known yet; an
        unreadable blob or one at another scale is ignored."""
        try:
            t = msgspec.msgpack.decode(data, type=_Tables)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return  # unreadable: ignored (the stored one is rewritten on the next save)
        with self._lock:
            if self._scale is None:
                self._scale, self._fee = t.scale, t.fee
            elif (t.scale, t.fee) != (self._scale, self._fee):
                return
            before = (len(self._models), len(self._plans), len(self._codes))
            for m, th, ed in t.models:
                self._models.setdefault(m, (tuple(th), tuple(ed)))
            for m, c, sp, ti, g, p in t.plans:
                self._plans.setdefault((m, c, sp, ti, g), tuple(p))
            for k, v in t.codes:
                self._codes.setdefault(tuple(k), tuple(v))
            if (len(self._models), len(self._plans), len(self._codes)) != before:
                self.dirty = True

    def drain(self) -> bytes | None:
        """The entries learned since the last drain, as a blob (None when there are none):
        a worker process sends them back so the parent's memo learns them too."""
        with self._lock:
            if not self._new:
                return None
            models = {m: self._models[m] for m, _, _ in self._new}
            plans = {p: self._plans[p] for _, p, _ in self._new}
            codes = {c: self._codes[c] for _, _, c in self._new}
            self._new = []
            return self._encode(models, plans, codes)

    @property
    def real(self) -> Any:
        """The engine's :class:`~tokentrail.pricing.Pricer` (imported and built on first use)."""
        if self._real is None:
            self._real = self._load()
            if self._scale is not None and self._scale != self._real.scale:
                self._forget()  # cannot happen under one fingerprint; never mix scales
            self._scale, self._fee = self._real.scale, self._real.search_fee_units
        return self._real

    def preload(self) -> None:
        """Load the real engine now (before forking workers that will price)."""
        _ = self.real

    def __getattr__(self, name: str) -> Any:
        # Only the engine's public API is passed on (``picodollars``, ``flag_codes``,
        # ``totals``, ``catalog`` ...); a private name never reaches it.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.real, name)

    def _forget(self) -> None:
        with self._lock:
            self._models.clear()
            self._plans.clear()
            self._codes.clear()
            self._entries.clear()
            self.dirty = True

    def _entry(self, k: tuple[Any, ...]) -> Any:
        model, n, speed, tier, geo = k
        hit = self._models.get(model)
        if hit is None:
            return None
        thresholds, edges = hit
        cls = bisect_right(edges, n)
        plan = self._plans.get((model, cls, speed, tier, geo))
        if plan is None:
            return None
        entry = (plan, (model, cls, speed, tier, geo), thresholds)
        self._entries[k] = entry
        return entry

    def cost_rows(self, rows: Iterable[Any]) -> list[tuple[int, tuple[str, ...]] | None]:
        """As :meth:`Pricer.cost_rows <tokentrail.pricing.Pricer.cost_rows>` (equal answers),
        from the tables where they hold the record's signature, else from the real engine."""
        rows = list(rows)
        out: list[tuple[int, tuple[str, ...]] | None] = [None] * len(rows)
        miss: list[int] = []
        scale = self._scale
        if scale is None:
            miss = list(range(len(rows)))
        else:
            entries, codes, fee = self._entries, self._codes, self._fee
            for idx, row in enumerate(rows):
                model, n, i, w5, w1, r, o, speed, tier, geo, searches, usage, _ = row
                k = (model, n, speed, tier, geo)
                e = entries.get(k) or self._entry(k)
                if (
                    e is None
                    or max(i, w5, w1, r) > MAX_TOKENS
                    or o > MAX_OUTPUT_TOKENS
                    or searches > MAX_TOOL_REQUESTS
                ):
                    miss.append(idx)
                    continue
                quirks = usage_quirks(usage)
                if quirks is None:
                    miss.append(idx)
                    continue
                p, prefix, thresholds = e
                hit = codes.get(signature(prefix, thresholds, row[2:7], searches, row[12], quirks))
                pico = units_to_pico(plan_units(p, i, w5, w1, r, o) + searches * fee, scale)
                if hit is None or pico is None:
                    miss.append(idx)
                    continue
                out[idx] = (pico, hit)
        if miss:
            real = self.real
            answers = real.cost_rows([rows[i] for i in miss])
            for idx, res in zip(miss, answers, strict=True):
                out[idx] = res
                if res is not None:
                    self._learn(real, rows[idx], res[1])
        return out

    def _learn(self, real: Any, row: tuple[Any, ...], flags: tuple[str, ...]) -> None:
        entry = real.row_entry((row[0], row[1], row[7], row[8], row[9]))
        quirks = usage_quirks(row[11])
        if entry is None or quirks is None:
            return
        plan, prefix, thresholds, edges = entry
        sig = signature(prefix, thresholds, row[2:7], row[10], row[12], quirks)
        with self._lock:
            self._models[row[0]] = (
                tuple(thresholds),
                tuple(d.toordinal() - _EPOCH_DAY for d in edges),
            )
            self._plans[prefix] = tuple(plan)
            self._codes[sig] = flags
            self._new.append((row[0], prefix, sig))
            self.dirty = True

    def dumps(self) -> bytes:
        """The tables as a blob for the ledger (clears :attr:`dirty`)."""
        with self._lock:
            self.dirty = False
            return self._encode(self._models, self._plans, self._codes)

    def _encode(
        self,
        models: dict[str, tuple[tuple[int, ...], tuple[int, ...]]],
        plans: dict[tuple[Any, ...], tuple[int, ...]],
        codes: dict[tuple[Any, ...], tuple[str, ...]],
    ) -> bytes:
        t = _Tables(
            self._scale if self._scale is not None else 0,
            self._fee,
            [(m, list(th), list(ed)) for m, (th, ed) in models.items()],
            [(*k, list(p)) for k, p in plans.items()],
            [(list(k), list(v)) for k, v in codes.items()],
        )
        return msgspec.msgpack.encode(t)
