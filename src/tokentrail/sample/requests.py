"""One conversation thread of a generated transcript: prompts, API requests, tool results.

A :class:`Thread` is a main transcript or a subagent's. :meth:`Requests.request` writes
one API request the way Claude Code logs it: one ``assistant`` line per content block, all
sharing ``message.id`` + ``requestId``; input and cache counts repeat on every line; the
early lines have ``stop_reason: null`` and a small running ``output_tokens`` (or, in main
transcripts of some versions, the final count already), the last line the final usage.
Some subagent requests never get their final line (only unfinished lines, the last with
the largest output). Prompt caching follows the session's TTL: a request within the TTL
of the previous one reads the whole context from the cache and writes only what is new;
after a pause it writes the context again.
"""

from __future__ import annotations

import base64
import math
import random
import time
from dataclasses import dataclass, field
from typing import Any

from tokentrail.sample.files import Transcript, encode
from tokentrail.sample.text import NAMES, TextPool
from tokentrail.sample.truth import Truth

__all__ = [
    "HAIKU",
    "SYNTHETIC",
    "TOOLS",
    "TOOL_WEIGHTS",
    "Requests",
    "Session",
    "Thread",
    "ToolCall",
    "iso",
    "lognormal",
]

HAIKU = "claude-haiku-4-5-20251001"
SYNTHETIC = "<synthetic>"
TOOLS = ("Read", "Bash", "Edit", "Grep", "Glob", "Write", "TodoWrite", "WebFetch")
TOOL_WEIGHTS = (30, 27, 15, 10, 6, 5, 5, 2)
_ERRORS = (
    'API Error: 529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
    "API Error: Request was aborted.",
    'API Error: 500 {"type":"error","error":{"type":"api_error","message":"Internal server '
    'error"}}',
)
_ID_CHARS = str.maketrans({"+": "p", "/": "s", "0": "o", "O": "Q", "I": "i", "l": "L"})


def iso(ms: int) -> str:
    """``2026-01-02T03:04:05.678Z`` for a UTC time in milliseconds."""
    s, frac = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + f".{frac:03d}Z"


def lognormal(rng: random.Random, median: int, sigma: float, lo: int, hi: int) -> int:  # float ok
    """A log-normal integer around ``median``, clamped to ``[lo, hi]``."""
    return int(min(hi, max(lo, median * math.exp(rng.gauss(0.0, sigma)))))


@dataclass
class Session:
    """One Claude Code session: where and with what it ran."""

    sid: str
    cwd: str
    project_dir: str
    version: str
    branch: str
    geo: bool  # newer versions log inference_geo
    filled: bool  # streamed copies already carry the final output count
    iterations: bool  # the final line carries an (empty) iterations list
    recent: list[dict[str, Any]] = field(default_factory=list)  # last main final lines


@dataclass
class Thread:
    """A conversation being written to ``out`` (the main thread or a subagent's)."""

    out: Transcript
    session: Session
    model: str
    t: int  # ms
    ttl: str  # "5m", "1h" or "mixed"
    base: int  # system prompt + tools, tokens
    limit: int  # context size that triggers a compaction
    sidechain: bool = False
    agent_id: str | None = None
    may_spawn: bool = False
    parent: str | None = None
    context: int = 0
    last_call: int = 0
    pending: int = 0  # tokens of the last reply, not yet in the context


@dataclass
class ToolCall:
    id: str
    name: str
    input: dict[str, Any]
    result: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


class Requests:
    """Writes lines of threads; counts every usage line in ``truth``."""

    def __init__(  # float ok: a rate
        self,
        rng: random.Random,
        pool: TextPool,
        truth: Truth,
        dup_rate: float,  # float ok
    ) -> None:
        self.rng = rng
        self.pool = pool
        self.truth = truth
        # extra streamed lines per request: geometric with mean dup_rate / (1 - dup_rate)
        self.extra_p = dup_rate  # float ok: a probability

    # -- ids and envelopes ----------------------------------------------------------------
    def uuid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:]}"

    def token(self, n: int) -> str:
        raw = base64.b64encode(self.rng.randbytes(n)).decode("ascii")[:n]
        return raw.translate(_ID_CHARS)

    def envelope(self, th: Thread, kind: str, ms: int) -> dict[str, Any]:
        s = th.session
        line: dict[str, Any] = {
            "parentUuid": th.parent,
            "isSidechain": th.sidechain,
            "userType": "external",
            "cwd": s.cwd,
            "sessionId": s.sid,
            "version": s.version,
            "gitBranch": s.branch,
        }
        if th.agent_id is not None:
            line["agentId"] = th.agent_id
        line["type"] = kind
        line["uuid"] = self.uuid()
        line["timestamp"] = iso(ms)
        return line

    def put(self, th: Thread, line: dict[str, Any]) -> None:
        th.out.emit(line)
        th.parent = line["uuid"]

    # -- user lines -----------------------------------------------------------------------
    def prompt(self, th: Thread, text: str, **extra: Any) -> int:
        """A user line; the tokens it adds to the context."""
        line = self.envelope(th, "user", th.t)
        line["message"] = {"role": "user", "content": text}
        line.update(extra)
        self.put(th, line)
        return len(text) // 4 + 8

    def tool_results(self, th: Thread, calls: list[ToolCall]) -> int:
        rng = self.rng
        added = 0
        for c in calls:
            th.t += rng.randrange(200, 90_000) if c.name == "Bash" else rng.randrange(50, 12_000)
            line = self.envelope(th, "user", th.t)
            block = {
                "tool_use_id": c.id,
                "type": "tool_result",
                "content": c.result,
                "is_error": rng.randrange(25) == 0,
            }
            line["message"] = {"role": "user", "content": [block]}
            line["toolUseResult"] = c.detail
            self.put(th, line)
            added += len(c.result) // 4 + 16
        return added

    # -- tools ----------------------------------------------------------------------------
    def tool(self, th: Thread, name: str) -> ToolCall:
        rng, take = self.rng, self.pool.take
        tid = "toolu_01" + self.token(22)
        path = f"{th.session.cwd}/src/{rng.choice(NAMES)}.{rng.choice(('py', 'ts', 'go', 'md'))}"
        if name == "Read":
            text = take(rng, lognormal(rng, 3200, 1.1, 60, 80_000))
            lines = text.count("\n") + 1
            file = {
                "filePath": path,
                "content": text,
                "numLines": lines,
                "startLine": 1,
                "totalLines": lines,
            }
            return ToolCall(tid, name, {"file_path": path}, text, {"type": "text", "file": file})
        if name == "Bash":
            cmd = rng.choice(("pytest -q", "git diff", "ls -la", "make", "npm test", "rg TODO"))
            text = take(rng, lognormal(rng, 1100, 1.3, 8, 50_000))
            detail = {"stdout": text, "stderr": "", "interrupted": False, "isImage": False}
            return ToolCall(tid, name, {"command": cmd, "description": take(rng, 36)}, text, detail)
        if name == "Edit":
            old = take(rng, lognormal(rng, 280, 1.0, 8, 6000))
            new = take(rng, lognormal(rng, 320, 1.0, 8, 6000))
            text = f"The file {path} has been updated.\n" + take(
                rng, lognormal(rng, 900, 0.8, 40, 9000)
            )
            detail = {
                "filePath": path,
                "oldString": old,
                "newString": new,
                "originalFile": take(rng, lognormal(rng, 3500, 1.0, 80, 50_000)),
                "structuredPatch": [
                    {
                        "oldStart": 1,
                        "oldLines": 2,
                        "newStart": 1,
                        "newLines": 3,
                        "lines": [take(rng, 50)] * 3,
                    }
                ],
                "userModified": False,
                "replaceAll": False,
            }
            args = {"file_path": path, "old_string": old, "new_string": new}
            return ToolCall(tid, name, args, text, detail)
        if name == "Write":
            content = take(rng, lognormal(rng, 2500, 1.0, 40, 30_000))
            detail = {"type": "create", "filePath": path, "content": content, "structuredPatch": []}
            args = {"file_path": path, "content": content}
            return ToolCall(tid, name, args, f"File created successfully at: {path}", detail)
        if name in ("Grep", "Glob"):
            text = take(rng, lognormal(rng, 700, 1.2, 8, 25_000))
            detail = {"mode": "files_with_matches", "filenames": [path], "numFiles": 1}
            args = {"pattern": rng.choice(NAMES), "path": th.session.cwd}
            return ToolCall(tid, name, args, text, detail)
        if name == "TodoWrite":
            todos = [
                {
                    "content": take(rng, 40),
                    "status": rng.choice(("pending", "completed")),
                    "activeForm": take(rng, 40),
                }
                for _ in range(rng.randrange(2, 6))
            ]
            detail = {"oldTodos": todos[:-1], "newTodos": todos}
            return ToolCall(tid, name, {"todos": todos}, "Todos have been modified.", detail)
        text = take(rng, lognormal(rng, 2500, 1.0, 80, 30_000))
        url = f"https://docs.example.com/{rng.choice(NAMES)}"
        detail = {"bytes": len(text), "code": 200, "codeText": "OK", "result": text, "url": url}
        return ToolCall(tid, name, {"url": url, "prompt": take(rng, 60)}, text, detail)

    # -- assistant lines ------------------------------------------------------------------
    def synthetic(self, th: Thread, ms: int) -> None:
        """A locally made error line: model ``<synthetic>``, zero usage, no requestId."""
        rng = self.rng
        line = self.envelope(th, "assistant", ms)
        if rng.randrange(5) == 0:
            reset = (ms // 3_600_000 + rng.randrange(1, 5)) * 3600
            text = f"Claude AI usage limit reached|{reset}"
        else:
            text = rng.choice(_ERRORS)
        zero = {
            "input_tokens": 0,
            "output_tokens": 0,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "server_tool_use": {"web_search_requests": 0, "web_fetch_requests": 0},
            "service_tier": None,
            "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0},
        }
        line["message"] = {
            "id": self.uuid(),
            "container": None,
            "model": SYNTHETIC,
            "role": "assistant",
            "stop_reason": "stop_sequence",
            "stop_sequence": "",
            "type": "message",
            "usage": zero,
            "content": [{"type": "text", "text": text}],
            "context_management": None,
        }
        line["isApiErrorMessage"] = True
        self.put(th, line)
        self.truth.stats["usage_lines"] += 1
        th.out.usage_lines += 1
        self.truth.record(th.session.sid, SYNTHETIC, line["timestamp"], zero)

    def _cache(self, th: Thread, ms: int, new: int) -> tuple[int, int, int]:
        """``(cache_read, write_5m, write_1h)`` of a request at ``ms`` adding ``new`` tokens."""
        gap = ms - th.last_call if th.last_call else None
        ttl_ms = 3_600_000 if th.ttl == "1h" else 300_000
        cold = gap is None or gap > ttl_ms
        if not cold:
            read, write = th.context, new
        else:
            # mixed: the system prompt is cached for an hour, the conversation for 5 minutes
            keep = th.ttl == "mixed" and gap is not None and gap <= 3_600_000
            read = min(th.context, th.base) if keep else 0
            write = th.context - read + new
        th.context += write
        th.last_call = ms
        if th.ttl == "1h":
            return read, 0, write
        if th.ttl == "5m":
            return read, write, 0
        w1 = min(write, th.base) if cold else 0
        return read, write - w1, w1

    def _blocks(self, th: Thread, tools: list[ToolCall], lines: int) -> list[dict[str, Any]]:
        rng, take = self.rng, self.pool.take
        blocks: list[dict[str, Any]] = []
        if th.model != HAIKU and rng.randrange(20) < 11:
            sig = self.pool.signature(rng, lognormal(rng, 600, 0.5, 200, 3000))
            thought = take(rng, lognormal(rng, 650, 1.0, 20, 16_000))
            blocks.append({"type": "thinking", "thinking": thought, "signature": sig})
        if not tools or not blocks or rng.randrange(5) < 3:
            size = lognormal(rng, 320 if tools else 1100, 1.0, 4, 12_000)
            blocks.append({"type": "text", "text": take(rng, size)})
        for c in tools:
            blocks.append({"type": "tool_use", "id": c.id, "name": c.name, "input": c.input})
        while len(blocks) < lines:  # short text blocks, so there is one block per line
            blocks.insert(0, {"type": "text", "text": take(rng, lognormal(rng, 100, 1.0, 4, 1500))})
        return blocks

    def request(self, th: Thread, new: int, tools: list[ToolCall]) -> None:
        """One API request: its assistant lines; the reply's tokens go to ``th.pending``."""
        rng, s = self.rng, th.session
        ms = th.t + rng.randrange(1500, 20_000)
        if rng.randrange(170) == 0:  # an API error first, retried a little later
            self.synthetic(th, ms)
            ms += rng.randrange(1000, 20_000)
        read, w5, w1 = self._cache(th, ms, new)
        extra = 0
        while rng.random() < self.extra_p:
            extra += 1
        blocks = self._blocks(th, tools, 1 + extra)
        groups = [[b] for b in blocks[:extra]] + [blocks[extra:]]
        chars = sum(
            len(b.get("text", "")) + len(b.get("thinking", "")) + len(encode(b.get("input", "")))
            for b in blocks
        )
        final = max(len(groups) + 1, chars // 4 + rng.randrange(5, 60))
        unfinished = th.sidechain and rng.randrange(14) == 0
        if unfinished:  # the final line was never written: the last one has a partial count
            final = max(len(groups) + 1, final // rng.randrange(2, 5))
        early = sorted(rng.sample(range(1, max(len(groups) + 1, min(final, 40))), len(groups) - 1))
        usage_base = {
            "input_tokens": rng.choice((1, 2, 3, 4, 6, 8, 9))
            if rng.randrange(14)
            else rng.randrange(10, 3000),
            "cache_creation_input_tokens": w5 + w1,
            "cache_read_input_tokens": read,
            "cache_creation": {"ephemeral_5m_input_tokens": w5, "ephemeral_1h_input_tokens": w1},
        }
        web = rng.randrange(1, 4) if th.model != HAIKU and rng.randrange(70) == 0 else 0
        fetch = 1 if web and rng.randrange(3) == 0 else 0
        msg_id = "msg_01" + self.token(22)
        req_id = "req_011C" + self.token(18)
        stop = "tool_use" if tools else "end_turn"
        for i, group in enumerate(groups):
            last = i == len(groups) - 1
            usage = dict(usage_base)
            if last:
                usage["output_tokens"] = final
            else:
                usage["output_tokens"] = final if s.filled and not th.sidechain else early[i]
            usage["service_tier"] = "standard"
            if s.geo:
                usage["inference_geo"] = "not_available"
            if last and not unfinished:
                usage["server_tool_use"] = {"web_search_requests": web, "web_fetch_requests": fetch}
                if s.iterations:
                    usage["iterations"] = []
            line = self.envelope(th, "assistant", ms)
            line["message"] = {
                "model": th.model,
                "id": msg_id,
                "type": "message",
                "role": "assistant",
                "content": group,
                "stop_reason": stop if last and not unfinished else None,
                "stop_sequence": None,
                "usage": usage,
            }
            line["requestId"] = req_id
            self.put(th, line)
            if last:
                self.truth.record(s.sid, th.model, line["timestamp"], usage)
                if not th.sidechain:
                    s.recent = [*s.recent[-5:], line]
            else:
                self.truth.stats["duplicate_stream_lines"] += 1
                ms += rng.randrange(200, 6000)
        self.truth.stats["usage_lines"] += len(groups)
        th.out.usage_lines += len(groups)
        th.t = ms + rng.randrange(500, 8000)
        th.pending = final
