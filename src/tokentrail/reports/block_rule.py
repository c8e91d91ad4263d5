"""The 5-hour block rule alone, on bare timestamps (stdlib only, so the status line can use
it without importing the ledger).

Timestamps are UTC milliseconds, sorted ascending. A block starts at its first request's
instant floored to the hour and lasts :data:`BLOCK_MS`; a request more than 5 h after the
block's start or more than 5 h after the previous request starts a new block (ccusage).
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["BLOCK_MS", "HOUR_MS", "is_active", "split_blocks"]

#: Length of a block (and of the gap that closes one), milliseconds.
BLOCK_MS = 5 * 3600 * 1000
#: One hour, milliseconds.
HOUR_MS = 3600 * 1000


def split_blocks(ts: Sequence[int], length_ms: int = BLOCK_MS) -> list[tuple[int, int, int]]:
    """``(start_ms, first_index, end_index)`` per block; indexes into ``ts``, end exclusive.
    ``length_ms``: the block length and the pause that closes one (default 5 h)."""
    out: list[tuple[int, int, int]] = []
    start = first = 0
    prev: int | None = None
    for i, t in enumerate(ts):
        if prev is None or t - start > length_ms or t - prev > length_ms:
            if prev is not None:
                out.append((start, first, i))
            start, first = t - t % HOUR_MS, i
        prev = t
    if prev is not None:
        out.append((start, first, len(ts)))
    return out


def is_active(start_ms: int, last_ms: int, now_ms: int, length_ms: int = BLOCK_MS) -> bool:
    """A block is active when ``now`` lies in it and its last request is under 5 h (the
    block length) old."""
    return start_ms <= now_ms < start_ms + length_ms and now_ms - last_ms < length_ms
