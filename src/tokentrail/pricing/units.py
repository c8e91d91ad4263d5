"""The fast path's integer arithmetic: a record's total under a rate plan (stdlib only).

A *plan* is ``(threshold, low x5, high x5)``: the prompt threshold in tokens and, for input,
5-minute cache writes, 1-hour cache writes, cache reads and output, the coefficients below and
above it, each a rate (USD per MTok) times its multipliers scaled by ``10**scale`` (see
:class:`tokentrail.pricing.Pricer`). Totals are then integers in units of USD x
``10**(scale + 6)``. Shared by the engine's fast path and the ledger's price memo
(:mod:`tokentrail.ledger.price_memo`), which must not load the engine to use it.
"""

from __future__ import annotations

__all__ = ["Plan", "plan_units", "units_to_pico"]

Plan = tuple[int, int, int, int, int, int, int, int, int, int, int]


def plan_units(p: tuple[int, ...], i: int, w5: int, w1: int, r: int, o: int) -> int:
    """Units of USD x 10**(scale + 6) of these token counts (input, 5m writes, 1h writes,
    cache reads, output) under plan ``p``: the high coefficients when the prompt (input +
    writes + reads) is strictly above the threshold."""
    if i + w5 + w1 + r > p[0]:
        return p[6] * i + p[7] * w5 + p[8] * w1 + p[9] * r + p[10] * o
    return p[1] * i + p[2] * w5 + p[3] * w1 + p[4] * r + p[5] * o


def units_to_pico(units: int, scale: int) -> int | None:
    """``units`` (USD x 10**(scale + 6)) in picodollars (USD x 10**12), or None when that is
    not a whole number."""
    shift = 6 - scale
    if shift >= 0:
        mul: int = 10**shift
        return units * mul
    div: int = 10**-shift
    pico, rest = divmod(units, div)
    return None if rest else pico
