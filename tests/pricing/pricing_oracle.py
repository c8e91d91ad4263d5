"""The independent oracle: published rates copied by hand from the facts file and a hand formula.

Nothing here imports tokentrail. ``usd(tokens, "3")`` is ``tokens x $3/MTok``; every expected
value in the regression table is a sum of such terms, multiplied by hand where a rule applies.
"""

from __future__ import annotations

from decimal import Decimal

D = Decimal
MTOK = 10**6


def usd(tokens: int, rate: str) -> Decimal:
    """USD for ``tokens`` at ``rate`` USD per million tokens (exact)."""
    return D(rate) * tokens / MTOK


# Standard rows of Anthropic's pricing page (tests/data/pricing/claude_pricing.json): input,
# cache_write_5m, cache_write_1h, cache_read, output
# (None = no published rate), and a date inside the row's window (its release day).
STANDARD: dict[str, tuple[str, tuple[str | None, ...]]] = {
    "claude-3-haiku-20240307": ("2024-03-07", ("0.25", "0.30", "0.50", "0.03", "1.25")),
    "claude-3-sonnet-20240229": ("2024-02-29", ("3", None, None, None, "15")),
    "claude-3-opus-20240229": ("2024-02-29", ("15", "18.75", "30", "1.50", "75")),
    "claude-3-5-sonnet-20240620": ("2024-06-20", ("3", "3.75", "6", "0.30", "15")),
    "claude-3-5-sonnet-20241022": ("2024-10-22", ("3", "3.75", "6", "0.30", "15")),
    # after the launch-price window (cut assumed 2024-12-04)
    "claude-3-5-haiku-20241022": ("2024-12-05", ("0.80", "1", "1.60", "0.08", "4")),
    "claude-3-7-sonnet-20250219": ("2025-02-24", ("3", "3.75", "6", "0.30", "15")),
    "claude-sonnet-4-20250514": ("2025-05-22", ("3", "3.75", "6", "0.30", "15")),
    "claude-opus-4-20250514": ("2025-05-22", ("15", "18.75", "30", "1.50", "75")),
    "claude-opus-4-1-20250805": ("2025-08-05", ("15", "18.75", "30", "1.50", "75")),
    "claude-sonnet-4-5-20250929": ("2025-09-29", ("3", "3.75", "6", "0.30", "15")),
    "claude-haiku-4-5-20251001": ("2025-10-15", ("1", "1.25", "2", "0.10", "5")),
    "claude-opus-4-5-20251101": ("2025-11-24", ("5", "6.25", "10", "0.50", "25")),
    "claude-opus-4-6": ("2026-02-05", ("5", "6.25", "10", "0.50", "25")),
    "claude-sonnet-4-6": ("2026-02-17", ("3", "3.75", "6", "0.30", "15")),
    "claude-opus-4-7": ("2026-04-16", ("5", "6.25", "10", "0.50", "25")),
    "claude-opus-4-8": ("2026-05-28", ("5", "6.25", "10", "0.50", "25")),
    "claude-sonnet-5": ("2026-06-30", ("2", "2.50", "4", "0.20", "10")),
    "claude-opus-5": ("2026-07-24", ("5", "6.25", "10", "0.50", "25")),
    "claude-fable-5": ("2026-06-09", ("10", "12.50", "20", "1", "50")),
    "claude-mythos-5": ("2026-06-09", ("10", "12.50", "20", "1", "50")),
    "claude-fable-5-1": ("2026-09-01", ("10", "12.50", "20", "0.25", "50")),
    "claude-mythos-5-1": ("2026-09-01", ("10", "12.50", "20", "0.25", "50")),
    "claude-opus-5-5": ("2026-09-22", ("4", "5", "8", "0.20", "20")),
    # after the launch cache-read window (0.20 until 2026-10-06)
    "claude-sonnet-5-5": ("2026-10-08", ("2", "2.50", "4", "0.10", "10")),
    "claude-haiku-5-5": ("2026-10-07", ("0.10", "0.125", "0.20", "0.01", "0.50")),
    "claude-fable-5-2": ("2026-11-09", ("8", "10", "16", "0.20", "40")),
    "claude-mythos-5-2": ("2026-11-09", ("8", "10", "16", "0.20", "40")),
}
