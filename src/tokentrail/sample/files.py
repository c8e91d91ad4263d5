"""Transcript files being written, and the malformed lines planted in them.

A :class:`Transcript` collects encoded lines and is written once (:meth:`Transcript.save`).
After about one line in ``1 / malformed_rate`` (:class:`Planter`: geometric gaps, the first
bad line within the first ``1 / malformed_rate`` lines, so a tree of that many lines has
one), :meth:`Transcript.plant` adds an extra bad line next to it, of one of the kinds a
reader meets in the wild: a truncated line (a write cut short), a line that is not a JSON
object (merge-conflict debris, binary garbage, a bare ``null``), or a corrupted copy of the
line with a field of the wrong type or an impossible value. Every planted line is listed
(file, 1-based line, kind, field) in the truth.
"""

from __future__ import annotations

import json
import math
import os
import random
from pathlib import Path
from typing import Any

from tokentrail.sample.truth import Truth

__all__ = ["Planter", "Transcript", "encode"]

encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_GARBAGE = ("<<<<<<< HEAD", "\x00\x00\x00\x17garbage", '{"type":', "null", "[]", "=======")


def _corrupt(rng: random.Random, obj: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """A deep copy of ``obj`` with one field broken; ``(copy, dotted field)``."""
    bad: dict[str, Any] = json.loads(encode(obj))
    msg = bad.get("message")
    usage = msg.get("usage") if isinstance(msg, dict) else None
    if not isinstance(msg, dict) or not isinstance(usage, dict):
        bad["timestamp"] = rng.choice((True, 1_767_225_600))
        return bad, "timestamp"
    pick = rng.randrange(5)
    if pick == 0:
        usage["input_tokens"] = str(usage["input_tokens"])
        return bad, "message.usage.input_tokens"
    if pick == 1:
        usage["output_tokens"] = -1 - usage["output_tokens"]
        return bad, "message.usage.output_tokens"
    if pick == 2:
        usage["cache_read_input_tokens"] = str(usage["cache_read_input_tokens"])
        return bad, "message.usage.cache_read_input_tokens"
    if pick == 3:
        msg["usage"] = [usage["input_tokens"], usage["output_tokens"]]
        return bad, "message.usage"
    bad["timestamp"] = 1_767_225_600
    return bad, "timestamp"


class Planter:
    """When to plant the next malformed line (its own random stream: the tree stays the same
    whatever the rate)."""

    def __init__(self, rng: random.Random, rate: float) -> None:  # float ok: a rate
        self.rng = rng
        self.rate = rate  # float ok: a probability
        self.left = rng.randint(1, math.ceil(1 / rate)) if rate > 0 else -1

    def due(self) -> bool:
        """Count one line; whether a bad line follows it."""
        if self.left < 0:
            return False
        self.left -= 1
        if self.left:
            return False
        u = 1.0 - self.rng.random()  # float ok: in (0, 1]
        self.left = 1 + int(math.log(u) / math.log1p(-self.rate))
        return True


class Transcript:
    """One ``.jsonl`` file: ``rel`` is its path below the tree's root."""

    def __init__(self, rel: str, planter: Planter, truth: Truth) -> None:
        self.rel = rel
        self.planter = planter
        self.rng = planter.rng
        self.truth = truth
        self.lines: list[str] = []
        self.size = 0
        self.good: list[str] = []  # the valid lines, in order (for resumed copies)
        self.usage_lines = 0  # assistant lines with usage

    def emit(self, obj: dict[str, Any]) -> str:
        """Append ``obj`` (maybe followed by a malformed line); return its encoded line."""
        line = encode(obj)
        self.add(line)
        return line

    def add(self, line: str) -> None:
        """Append an encoded valid line (maybe followed by a malformed line)."""
        self.lines.append(line)
        self.good.append(line)
        self.size += len(line)
        if self.planter.due():
            self.plant(line)

    def plant(self, line: str) -> None:
        rng = self.rng
        roll = rng.randrange(10)
        field: str | None = None
        if roll < 4:
            bad, kind = line[: rng.randrange(1, max(2, len(line) - 1))], "truncated_json"
        elif roll < 5:
            bad, kind = rng.choice(_GARBAGE), "not_an_object_or_invalid"
        else:
            obj, field = _corrupt(rng, json.loads(line))
            bad, kind = encode(obj), "wrong_type"
        self.lines.append(bad)
        self.size += len(bad)
        self.truth.malformed.append(
            {"file": self.rel, "line": len(self.lines), "kind": kind, "field": field}
        )

    def save(self, root: Path) -> None:
        """Write the file (once) and count it."""
        path = root / self.rel
        os.makedirs(path.parent, exist_ok=True)
        data = ("\n".join(self.lines) + "\n").encode("utf-8")
        path.write_bytes(data)
        st = self.truth.stats
        st["bytes"] += len(data)
        st["files"] += 1
        st["lines"] += len(self.lines)
