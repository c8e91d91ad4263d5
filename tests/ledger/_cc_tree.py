"""Builders for hand-made Claude Code trees, and generated ones (tokentrail.sample)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tokentrail.sample import main as sample_main

SESSION = "3f0c2a9e-1b7d-4c55-9a1e-6d2f8e4b7c10"


def generate(
    out: Path, size: str = "600KB", seed: int = 1, malformed: float = 0.01
) -> dict[str, Any]:
    """Generate a tree into ``out`` (``python -m tokentrail.sample``'s arguments, in this
    process); return its ``.expected.json``."""
    argv = [str(out), "--size", size, "--seed", str(seed), "--malformed-rate", str(malformed)]
    assert sample_main([*argv, "--quiet"]) == 0
    data: dict[str, Any] = json.loads((out / ".expected.json").read_text())
    return data


def usage(
    inp: int = 4,
    out: int = 10,
    cw5: int = 0,
    cw1: int = 100,
    cr: int = 1000,
    **extra: Any,
) -> dict[str, Any]:
    u: dict[str, Any] = {
        "input_tokens": inp,
        "cache_creation_input_tokens": cw5 + cw1,
        "cache_read_input_tokens": cr,
        "cache_creation": {"ephemeral_5m_input_tokens": cw5, "ephemeral_1h_input_tokens": cw1},
        "output_tokens": out,
        "service_tier": "standard",
    }
    u.update(extra)
    return u


def assistant(
    msg_id: str,
    req: str | None,
    ts: str,
    u: Any,
    *,
    session: str = SESSION,
    model: str = "claude-sonnet-4-5-20250929",
    stop: str | None = "end_turn",
    sidechain: bool = False,
    agent: str | None = None,
    cwd: str = "/home/alice/src/shop",
    text: str = "secret response text",
) -> dict[str, Any]:
    line: dict[str, Any] = {
        "type": "assistant",
        "uuid": f"u-{msg_id}-{ts}",
        "parentUuid": None,
        "sessionId": session,
        "timestamp": ts,
        "cwd": cwd,
        "version": "2.1.140",
        "gitBranch": "main",
        "isSidechain": sidechain,
        "message": {
            "id": msg_id,
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": text}],
            "stop_reason": stop,
            "usage": u,
        },
    }
    if req is not None:
        line["requestId"] = req
    if agent is not None:
        line["agentId"] = agent
    return line


def user(ts: str, session: str = SESSION, text: str = "secret prompt") -> dict[str, Any]:
    return {
        "type": "user",
        "uuid": f"user-{ts}",
        "sessionId": session,
        "timestamp": ts,
        "cwd": "/home/alice/src/shop",
        "message": {"role": "user", "content": text},
    }


def write(path: Path, lines: list[Any], *, newline_at_end: bool = True) -> Path:
    """Write JSONL; items that are bytes are written raw (for malformed lines)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    parts = [x if isinstance(x, bytes) else json.dumps(x).encode() for x in lines]
    data = b"\n".join(parts) + (b"\n" if newline_at_end else b"")
    path.write_bytes(data)
    return path


def append(path: Path, lines: list[Any]) -> None:
    with open(path, "ab") as fh:
        for x in lines:
            fh.write((x if isinstance(x, bytes) else json.dumps(x).encode()) + b"\n")
