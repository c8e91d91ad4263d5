"""The tree behind ``tokentrail demo``: a couple of weeks of a few projects, kept small."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from tokentrail.sample.tree import TreeSpec, write_tree

__all__ = ["write_demo_tree"]

#: Bytes of JSONL per day of demo history (a few short sessions a day).
BYTES_PER_DAY = 300_000


def write_demo_tree(root: Path, *, seed: int = 7, days: int = 14, end: date | None = None) -> int:
    """Write ``days`` days of logs ending on ``end`` (UTC) under ``root``; the number of
    messages written (requests and synthetic lines, each counted once).

    Without ``end`` the history runs up to now and its last session ran in the past two
    hours (so the demo has an active 5-hour block); with an ``end`` the output depends only
    on ``seed``, ``days`` and ``end``.
    """
    now = datetime.now(timezone.utc) if end is None else None
    last = end or datetime.now(timezone.utc).date()
    until = now or datetime(last.year, last.month, last.day, tzinfo=timezone.utc) + timedelta(1)
    spec = TreeSpec(
        size=days * BYTES_PER_DAY,
        seed=seed,
        projects=4,
        days=days,
        start=last - timedelta(days=days - 1),
        until=until,
        active=now is not None,
        turns=4,
        rounds=3,
    )
    truth = write_tree(root, spec)
    messages: int = truth["stats"]["unique_messages"]
    return messages
