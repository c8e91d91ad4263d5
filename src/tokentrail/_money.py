"""Exact money arithmetic. Money is :class:`decimal.Decimal` in USD, never float.

Rates are USD per million tokens (MTok). ``cost(tokens, rate)`` is exact: the
division by 10**6 only moves the decimal point, and the module's context carries
enough digits (60) that no product of realistic counts and rates is ever rounded.
Nothing here rounds; rounding happens only when a value is displayed.
"""

from __future__ import annotations

from decimal import Context, Decimal, localcontext

__all__ = ["MTOK", "ZERO", "cost", "fmt_usd", "to_decimal"]

#: One million tokens: rates are quoted per MTok.
MTOK = Decimal(1_000_000)
#: Exact zero dollars.
ZERO = Decimal(0)

_EXACT = Context(prec=60)


def to_decimal(value: str | int | Decimal) -> Decimal:
    """Convert a rate or amount given as a decimal string, int or Decimal.

    Floats are refused: ``0.1`` as a float is not one tenth.
    """
    if isinstance(value, (bool, float)):
        raise TypeError(f"money must be a decimal string, int or Decimal, not {value!r}")
    d = Decimal(value)
    if not d.is_finite():
        raise ValueError(f"money must be finite, not {value!r}")
    return d


def cost(tokens: int, rate_per_mtok: Decimal, multiplier: Decimal = Decimal(1)) -> Decimal:
    """USD for ``tokens`` at ``rate_per_mtok`` USD per million tokens, times ``multiplier``.

    Exact (no rounding) for any token count below 10**40.
    """
    with localcontext(_EXACT):
        return tokens * rate_per_mtok * multiplier / MTOK


def fmt_usd(amount: Decimal, places: int = 2) -> str:
    """Display form ``$1,234.57`` (rounded half-even to ``places`` only for display)."""
    q = Decimal(1).scaleb(-places)
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount).quantize(q):,}"
