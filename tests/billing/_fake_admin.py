"""A fake Anthropic Admin API on 127.0.0.1 (stdlib ``http.server``, threaded).

Response shapes follow the public reference, copied with sources into
``src/tokentrail/billing/ADMIN_API.md``:
usage report — platform.claude.com/docs/en/api/admin-api/usage-cost/get-messages-usage-report;
cost report — platform.claude.com/docs/en/api/admin-api/usage-cost/get-cost-report;
Analytics API — the ``anthropic`` SDK 2.17 (``SyncReportPageCursor``: data, has_more,
next_page). Values are synthetic; field names are the real ones. ``service_tier`` values
other than ``standard`` / ``batch`` in the usage report are *(uncertain)* in the facts file.

Each path serves a list of pages (``has_more`` / ``next_page`` chained as ``p1``, ``p2``…).
``faults[(path, page_token)]`` is a list of ``(status, headers, body)`` answered first, one
per request, before the page itself (a 429 then 200, a 500 mid-pagination…).
``requests`` keeps (path, query, headers) of every request.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

USAGE = "/v1/organizations/usage_report/messages"
COST = "/v1/organizations/cost_report"
A_USAGE = "/v1/organizations/analytics/usage"
A_COST = "/v1/organizations/analytics/cost"

Fault = tuple[int, dict[str, str], bytes]


def paged(buckets: list[dict[str, Any]], per_page: int) -> list[dict[str, Any]]:
    """Report pages of ``per_page`` buckets, chained with next_page tokens."""
    chunks = [buckets[i : i + per_page] for i in range(0, len(buckets), per_page)] or [[]]
    pages = []
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        pages.append(
            {"data": chunk, "has_more": not last, "next_page": None if last else f"p{i + 1}"}
        )
    return pages


def usage_result(**kw: Any) -> dict[str, Any]:
    """One usage-report result, every documented field present (dimensions null by default)."""
    return {
        "uncached_input_tokens": kw.get("input", 0),
        "cache_creation": {
            "ephemeral_5m_input_tokens": kw.get("w5m", 0),
            "ephemeral_1h_input_tokens": kw.get("w1h", 0),
        },
        "cache_read_input_tokens": kw.get("read", 0),
        "output_tokens": kw.get("output", 0),
        "server_tool_use": {"web_search_requests": kw.get("web", 0)},
        "model": kw.get("model"),
        "api_key_id": kw.get("key"),
        "workspace_id": kw.get("workspace"),
        "service_tier": kw.get("tier", "standard"),
        "context_window": kw.get("context", "0-200k"),
        "inference_geo": kw.get("geo", "global"),
        "speed": kw.get("speed"),
    }


def cost_result(amount: str, **kw: Any) -> dict[str, Any]:
    """One cost-report result (``amount``: decimal string in cents)."""
    return {
        "amount": amount,
        "currency": "USD",
        "cost_type": kw.get("cost_type", "tokens"),
        "token_type": kw.get("token_type"),
        "model": kw.get("model"),
        "service_tier": kw.get("tier", "standard"),
        "context_window": kw.get("context", "0-200k"),
        "description": kw.get("description"),
        "workspace_id": kw.get("workspace"),
    }


def bucket(day: str, results: list[dict[str, Any]], next_day: str) -> dict[str, Any]:
    return {
        "starting_at": f"{day}T00:00:00Z",
        "ending_at": f"{next_day}T00:00:00Z",
        "results": results,
    }


@dataclass
class FakeAdmin:
    pages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    faults: dict[tuple[str, str | None], list[Fault]] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)  # path -> fixed error status
    requests: list[tuple[str, list[tuple[str, str]], dict[str, str]]] = field(default_factory=list)
    reject_speed: bool = False
    stall: dict[tuple[str, str | None], float] = field(default_factory=dict)  # seconds
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(
        self, path: str, query: list[tuple[str, str]], headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.requests.append((path, query, headers))
            token = dict(query).get("page")
            queue = self.faults.get((path, token))
            if queue:
                return queue.pop(0)
            delay = self.stall.get((path, token), 0.0)
        if delay:
            time.sleep(delay)
        if path in self.status:
            code = self.status[path]
            err = {"type": "error", "error": {"type": "permission_error", "message": "nope"}}
            return code, {}, json.dumps(err).encode()
        if self.reject_speed and ("group_by[]", "speed") in query:
            err = {"type": "error", "error": {"type": "invalid_request_error", "message": "speed"}}
            return 400, {}, json.dumps(err).encode()
        pages = self.pages.get(path)
        if pages is None:
            return 404, {}, b'{"type":"error","error":{"type":"not_found_error","message":"x"}}'
        index = 0 if token is None else int(token[1:])
        return 200, {}, json.dumps(pages[index]).encode()


@contextmanager
def serve(fake: FakeAdmin) -> Iterator[FakeAdmin]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qsl(parts.query, keep_blank_values=True)
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, body = fake.answer(parts.path, query, headers)
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
