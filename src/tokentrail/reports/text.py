"""Display text shared by the tables and the status line (stdlib only, so the status line
can use it): terminal-safe log text, and money to the cent.

Project paths, branch names and model ids come from log files anyone can write: a raw
escape sequence in one could retitle the terminal or hide output, a bidirectional override
could make ``evil`` read as ``live``, a zero-width character could make two names look
alike, a line separator could break a table row. Every C0 and C1 control character (and
DEL) is shown as ``\\xNN``; bidirectional controls, zero-width characters, the byte
order mark and the line and paragraph separators as ``\\uNNNN``. :func:`clip` caps an
absurdly long value.

Money on screen is rounded half-up to the cent (``$0.165`` → ``$0.17``) everywhere: table
costs, burn rates, projections and the status line agree on the same value; a nonzero
amount under half a cent shows as ``<$0.01``, never ``$0.00`` (JSON keeps exact decimals).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["MAX_TEXT", "clip", "escape_controls", "short_model", "usd_cents"]

_CENT = Decimal("0.01")

_CONTROL = frozenset([*range(0, 32), 127, *range(128, 160)])
# Invisible or reordering: zero-width and directional marks (U+200B-U+200F), line and
# paragraph separators, bidirectional embeddings and overrides (U+2028-U+202E), word joiner
# and invisible operators (U+2060-U+2064), bidirectional isolates (U+2066-U+2069), the byte
# order mark (U+FEFF), the Arabic letter mark (U+061C) and the interlinear annotation marks.
_INVISIBLE = frozenset(
    [*range(0x200B, 0x2010), *range(0x2028, 0x202F), *range(0x2060, 0x2065),
     *range(0x2066, 0x206A), 0xFEFF, 0x061C, *range(0xFFF9, 0xFFFC)]
)  # fmt: skip
_ESCAPED = _CONTROL | _INVISIBLE

#: The longest log value shown whole (a longer one is cut, with an ellipsis).
MAX_TEXT = 200


def _escape(c: str) -> str:
    n = ord(c)
    if n in _CONTROL:
        return f"\\x{n:02x}"
    return f"\\u{n:04x}" if n in _INVISIBLE else c


def escape_controls(text: object) -> str:
    """``str(text)`` with each control character written as ``\\xNN`` and each invisible
    or reordering one as ``\\uNNNN`` (see the module)."""
    s = str(text)
    if not any(ord(c) in _ESCAPED for c in s):
        return s
    return "".join(_escape(c) for c in s)


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` cut to ``limit`` characters (the last one an ellipsis) when longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def usd_cents(value: Decimal) -> str:
    """``$1,234.57``: USD rounded half-up to the cent, thousands separated. A nonzero
    amount that rounds to nothing is ``<$0.01`` (``-<$0.01`` below zero), never ``$0.00``:
    a cost that was paid never looks free."""
    cents = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    if not cents and value:
        return "-<$0.01" if value < 0 else "<$0.01"
    return f"${cents:,}"


def short_model(model: str) -> str:
    """``claude-opus-4-5-20251101`` → ``opus-4-5`` (other ids unchanged)."""
    m = model.removeprefix("claude-")
    head, _, tail = m.rpartition("-")
    if head and len(tail) == 8 and tail.isdigit():
        m = head
    return m
