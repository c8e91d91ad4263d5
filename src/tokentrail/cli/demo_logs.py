"""A small, seeded generator of realistic Claude Code transcripts for ``tokentrail demo``.

It writes ``<out>/projects/<escaped-cwd>/<session>.jsonl`` main transcripts and
``<session>/subagents/agent-<id>.jsonl`` subagent transcripts (with the ``.meta.json``
sidecar naming the agent type), as Claude Code does: user lines, and one assistant line
per content block sharing ``message.id`` + ``requestId`` (streamed copies; the last has
the final usage). Usage grows like a real session: a cached prefix read back each turn,
new context written to the cache (5-minute and 1-hour TTLs), short outputs. No real text
is written: contents are placeholders. Same ``seed`` and ``end`` give identical files.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

__all__ = ["write_demo_logs"]

_PROJECTS = ("/home/demo/src/shop", "/home/demo/src/api-gateway", "/home/demo/work/ml-pipeline")
_BRANCHES = ("main", "feat/cart", "fix/login-timeout", "refactor/db")
_MODELS = (
    ("claude-opus-4-5-20251101", 0.45),
    ("claude-sonnet-4-5-20250929", 0.4),
    ("claude-haiku-4-5-20251001", 0.15),
)
_AGENTS = ("Explore", "general-purpose", "code-reviewer")


def _uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _ts(dt: datetime) -> str:
    return (
        dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{dt.microsecond // 1000:03d}Z"
    )


class _Writer:
    def __init__(self, rng: random.Random, path: Path, base: dict[str, object]) -> None:
        self.rng = rng
        self.path = path
        self.base = base
        self.lines: list[str] = []
        self.context = rng.randint(12_000, 20_000)  # system prompt + tools, tokens

    def user(self, when: datetime) -> None:
        line = {**self.base, "type": "user", "uuid": _uid(self.rng), "timestamp": _ts(when),
                "message": {"role": "user", "content": "(demo prompt)"}}  # fmt: skip
        self.lines.append(json.dumps(line))

    def assistant(self, when: datetime, model: str, one_hour: bool) -> None:
        rng = self.rng
        new = rng.randint(300, 6_000)
        read = self.context
        output = rng.randint(80, 2_500)
        web = 1 if rng.random() < 0.04 else 0
        c1h, c5m = (new, 0) if one_hour else (0, new)
        final = {
            "input_tokens": rng.randint(1, 12),
            "cache_creation_input_tokens": new,
            "cache_read_input_tokens": read,
            "cache_creation": {"ephemeral_5m_input_tokens": c5m, "ephemeral_1h_input_tokens": c1h},
            "output_tokens": output,
            "server_tool_use": {"web_search_requests": web, "web_fetch_requests": 0},
            "service_tier": "standard",
        }
        self.context += new + output
        msg_id = "msg_demo" + "".join(
            rng.choice("abcdefghijkmnpqrstuvwxyz0123456789") for _ in range(20)
        )
        req_id = "req_demo" + "".join(
            rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(20)
        )
        blocks = rng.randint(1, 3)
        for i in range(blocks):
            last = i == blocks - 1
            usage = (
                dict(final)
                if last
                else {**final, "output_tokens": max(1, output // (blocks - i + 1))}
            )
            line = {
                **self.base,
                "type": "assistant",
                "uuid": _uid(rng),
                "timestamp": _ts(when + timedelta(milliseconds=400 * i)),
                "requestId": req_id,
                "message": {
                    "id": msg_id, "type": "message", "role": "assistant", "model": model,
                    "content": [{"type": "text", "text": "(demo)"}],
                    "stop_reason": "end_turn" if last else None, "stop_sequence": None,
                    "usage": usage,
                },
            }  # fmt: skip
            self.lines.append(json.dumps(line))

    def flush(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text("\n".join(self.lines) + "\n", encoding="utf-8")


def write_demo_logs(out: Path, *, seed: int = 7, days: int = 14, end: date | None = None) -> int:
    """Write a demo log tree under ``out`` covering ``days`` days up to ``end`` (UTC; default
    today) and return the number of assistant requests written.

    With no ``end`` the history stops at the current time and its last session ran in the
    past two hours (so the demo shows an active 5-hour block); with an ``end`` the output
    depends only on ``seed``, ``days`` and ``end``.
    """
    rng = random.Random(seed)
    now = datetime.now(timezone.utc) if end is None else None
    end = end or datetime.now(timezone.utc).date()
    first = end - timedelta(days=days - 1)
    requests = 0
    models = [m for m, _ in _MODELS]
    weights = [w for _, w in _MODELS]
    for d in range(days):
        day = first + timedelta(days=d)
        sessions = rng.choice((0, 1, 1, 2, 2, 3))
        if now is not None and day == end:
            sessions = max(1, sessions)
        for _ in range(sessions):
            cwd = rng.choice(_PROJECTS)
            sid = _uid(rng)
            model = rng.choices(models, weights)[0]
            start = datetime(day.year, day.month, day.day, rng.randint(7, 20), rng.randint(0, 59),
                             rng.randint(0, 59), tzinfo=timezone.utc)  # fmt: skip
            if now is not None and start > now - timedelta(minutes=20):
                start = now - timedelta(minutes=rng.randint(30, 110))
            base = {"sessionId": sid, "cwd": cwd, "version": "2.1.40",
                    "gitBranch": rng.choice(_BRANCHES), "isSidechain": False,
                    "userType": "external"}  # fmt: skip
            folder = out / "projects" / cwd.replace("/", "-")
            main = _Writer(rng, folder / f"{sid}.jsonl", base)
            when = start
            one_hour = rng.random() < 0.3
            for _turn in range(rng.randint(4, 18)):
                if now is not None and when > now:
                    break
                main.user(when)
                when += timedelta(seconds=rng.randint(3, 40))
                main.assistant(when, model, one_hour)
                requests += 1
                if rng.random() < 0.12:
                    agent_id = f"{rng.getrandbits(32):08x}"
                    kind = rng.choice(_AGENTS)
                    path = folder / sid / "subagents" / f"agent-{agent_id}.jsonl"
                    sub = _Writer(rng, path, {**base, "isSidechain": True, "agentId": agent_id})
                    t = when
                    for _ in range(rng.randint(2, 6)):
                        t += timedelta(seconds=rng.randint(2, 20))
                        sub.assistant(t, "claude-haiku-4-5-20251001", False)
                        requests += 1
                    sub.flush()
                    meta = {"agentType": kind}
                    path.with_name(f"agent-{agent_id}.meta.json").write_text(json.dumps(meta))
                when += timedelta(seconds=rng.randint(30, 600))
            main.flush()
    return requests
