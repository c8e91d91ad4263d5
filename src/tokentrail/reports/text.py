"""Display text shared by the tables and the status line (stdlib only, so the status line
can use it): terminal-safe log text, and money to the cent.

Project paths, branch names and model ids come from log files anyone can write: a raw
escape sequence in one could retitle the terminal or hide output. Every C0 and C1 control
character (and DEL) is shown as ``\\xNN`` instead.

Money on screen is rounded half-up to the cent (``$0.165`` → ``$0.17``) everywhere: table
costs, burn rates, projections and the status line agree on the same value; a nonzero
amount under half a cent shows as ``<$0.01``, never ``$0.00`` (JSON keeps exact decimals).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["escape_controls", "usd_cents"]

_CENT = Decimal("0.01")

_CONTROL = frozenset([*range(0, 32), 127, *range(128, 160)])


def escape_controls(text: object) -> str:
    """``str(text)`` with each control character written as ``\\xNN`` (two hex digits)."""
    s = str(text)
    if not any(ord(c) in _CONTROL for c in s):
        return s
    return "".join(f"\\x{ord(c):02x}" if ord(c) in _CONTROL else c for c in s)


def usd_cents(value: Decimal) -> str:
    """``$1,234.57``: USD rounded half-up to the cent, thousands separated. A nonzero
    amount that rounds to nothing is ``<$0.01`` (``-<$0.01`` below zero), never ``$0.00``:
    a cost that was paid never looks free."""
    cents = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    if not cents and value:
        return "-<$0.01" if value < 0 else "<$0.01"
    return f"${cents:,}"
