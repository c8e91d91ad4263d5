"""A local Messages API stand-in on 127.0.0.1: replays real-shaped JSON and SSE responses.

Each request pops the next scripted :class:`Reply` (or, when the script is empty, asks the
``default`` factory). Every request body is kept in ``requests`` so tests can check what
was (and was not) sent. Responses carry a ``request-id`` header, as the API does.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "claude-sonnet-4-6"

# Real-shaped usage objects (from the SDK samples of tests/data/sdk/samples.jsonl).
USAGE_PLAIN = {
    "input_tokens": 2095,
    "output_tokens": 503,
    "cache_creation_input_tokens": 0,
    "cache_read_input_tokens": 0,
    "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
    "server_tool_use": None,
    "service_tier": "standard",
    "inference_geo": "global",
}
USAGE_CACHE_SPLIT = {
    "input_tokens": 3,
    "output_tokens": 44,
    "cache_creation_input_tokens": 1500,
    "cache_read_input_tokens": 0,
    "cache_creation": {"ephemeral_5m_input_tokens": 500, "ephemeral_1h_input_tokens": 1000},
    "service_tier": "standard",
}
USAGE_SERVER_TOOLS = {
    "input_tokens": 30210,
    "output_tokens": 1543,
    "cache_creation_input_tokens": 0,
    "cache_read_input_tokens": 0,
    "server_tool_use": {"web_search_requests": 1, "web_fetch_requests": 2},
    "service_tier": "standard",
}
USAGE_ITERATIONS = {
    "input_tokens": 9000,
    "output_tokens": 700,
    "cache_creation_input_tokens": 0,
    "cache_read_input_tokens": 6000,
    "server_tool_use": {"web_search_requests": 2, "web_fetch_requests": 0},
    "iterations": [
        {"type": "message", "input_tokens": 3000, "output_tokens": 200,
         "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0},
        {"type": "message", "input_tokens": 3000, "output_tokens": 250,
         "cache_read_input_tokens": 3000, "cache_creation_input_tokens": 0},
        {"type": "message", "input_tokens": 3000, "output_tokens": 250,
         "cache_read_input_tokens": 3000, "cache_creation_input_tokens": 0},
    ],
    "service_tier": "standard",
}  # fmt: skip


@dataclass
class Reply:
    """One HTTP response: status, body bytes, content type and extra headers."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def message(msg_id: str, usage: Mapping[str, Any], model: str = MODEL) -> dict[str, Any]:
    """A complete Messages API response object."""
    return {
        "id": msg_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": "Hello!"}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": dict(usage),
    }


def json_reply(msg_id: str, usage: Mapping[str, Any], model: str = MODEL) -> Reply:
    return Reply(200, json.dumps(message(msg_id, usage, model)).encode())


def sse_reply(msg_id: str, usage: Mapping[str, Any], model: str = MODEL) -> Reply:
    """A streamed response as the API sends it: the start usage has the input side and one
    output token; the final ``message_delta`` carries the cumulative counts."""
    start_usage = {k: v for k, v in usage.items() if k not in ("iterations", "server_tool_use")}
    start_usage["output_tokens"] = 1
    delta_usage = {
        k: usage.get(k)
        for k in (
            "input_tokens",
            "cache_creation_input_tokens",
            "cache_read_input_tokens",
            "output_tokens",
            "server_tool_use",
        )
        if k in usage
    }
    if "iterations" in usage:
        delta_usage["iterations"] = usage["iterations"]
    start = message(msg_id, start_usage, model)
    start["content"] = []
    start["stop_reason"] = None
    events: list[tuple[str, dict[str, Any]]] = [
        ("message_start", {"type": "message_start", "message": start}),
        ("content_block_start", {"type": "content_block_start", "index": 0,
                                 "content_block": {"type": "text", "text": ""}}),
        ("ping", {"type": "ping"}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                 "delta": {"type": "text_delta", "text": "Hello"}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                 "delta": {"type": "text_delta", "text": "!"}}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta",
                           "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                           "usage": delta_usage}),
        ("message_stop", {"type": "message_stop"}),
    ]  # fmt: skip
    body = "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)
    return Reply(200, body.encode(), "text/event-stream")


def error_reply(status: int, kind: str, message_text: str = "error") -> Reply:
    body = {"type": "error", "error": {"type": kind, "message": message_text}}
    # retry-after-ms keeps the SDK's retry backoff tiny in tests.
    return Reply(status, json.dumps(body).encode(), headers={"retry-after-ms": "1"})


class ReplayServer:
    """Threaded HTTP server on 127.0.0.1, port chosen by the OS."""

    def __init__(self) -> None:
        self.script: deque[Reply] = deque()
        self.requests: list[dict[str, Any]] = []
        self.default: Callable[[dict[str, Any]], Reply] | None = None
        self.served_ids: list[str] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # One write per response and no Nagle: no 40 ms delayed-ACK stalls on keep-alive.
            disable_nagle_algorithm = True
            wbufsize = -1

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                body = json.loads(raw) if raw else {}
                with server._lock:
                    server.requests.append(body)
                    reply = server.script.popleft() if server.script else None
                    rid = f"req_{next(server._ids):06d}"
                    if reply is not None and reply.status == 200:
                        server.served_ids.append(rid)
                if reply is None:
                    assert server.default is not None, "no scripted reply left"
                    reply = server.default(body)
                    if reply.status == 200:
                        with server._lock:
                            server.served_ids.append(rid)
                self.send_response(reply.status)
                self.send_header("content-type", reply.content_type)
                self.send_header("content-length", str(len(reply.body)))
                self.send_header("request-id", rid)
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(reply.body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def push(self, *replies: Reply) -> None:
        with self._lock:
            self.script.extend(replies)

    def start(self) -> ReplayServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def sse_error_reply(msg_id: str, usage: Mapping[str, Any], model: str = MODEL) -> Reply:
    """A stream that starts, then fails with an ``error`` event (as on overload)."""
    ok = sse_reply(msg_id, usage, model).body.decode().split("\n\n")
    error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    body = "\n\n".join([*ok[:3], f"event: error\ndata: {json.dumps(error)}", ""])
    return Reply(200, body.encode(), "text/event-stream")
