"""A complete non-streamed ``Message`` is a finished request whatever its ``stop_reason``
(``null`` included): stored ``is_final = 1``, never counted incomplete. Streams keep the
rule "finished iff a ``stop_reason`` arrived". Real ``anthropic`` client over HTTP."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import anthropic
from _track_server import USAGE_PLAIN, ReplayServer, Reply, message, sse_reply

import tokentrail
from tokentrail.track import flush, track

MODEL = "claude-sonnet-4-6"


def _null_stop(msg_id: str) -> Reply:
    body = message(msg_id, USAGE_PLAIN)
    body["stop_reason"] = None
    return Reply(200, json.dumps(body).encode())


def _cut_stream(msg_id: str) -> Reply:
    """A stream that ends after ``message_start`` and a content block: no stop_reason."""
    events = sse_reply(msg_id, USAGE_PLAIN).body.decode().split("\n\n")
    return Reply(200, "\n\n".join([*events[:6], ""]).encode(), "text/event-stream")


def _finals(path: Path) -> dict[str, tuple[str | None, int]]:
    assert flush(10)
    db = sqlite3.connect(path)
    rows = db.execute("SELECT message_id, stop_reason, is_final FROM records").fetchall()
    db.close()
    return {r[0]: (r[1], r[2]) for r in rows}


def _ask(client: Any, **kw: Any) -> Any:
    return client.messages.create(
        model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "hi"}], **kw
    )


def test_non_streamed_message_without_stop_reason_is_final(
    server: ReplayServer, ledger_path: Path
) -> None:
    client = track(
        anthropic.Anthropic(api_key="sk-test", base_url=server.url, max_retries=0),
        ledger=ledger_path,
    )
    server.push(_null_stop("msg_parsed"), _null_stop("msg_body"), _cut_stream("msg_cut"))
    assert _ask(client).stop_reason is None  # parsed Message
    with client.messages.with_streaming_response.create(
        model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "hi"}]
    ) as resp:
        assert resp.json()["stop_reason"] is None  # the raw JSON body (body tap)
    assert [e.type for e in _ask(client, stream=True)][-1] == "content_block_stop"
    assert _finals(ledger_path) == {
        "msg_parsed": (None, 1),
        "msg_body": (None, 1),
        "msg_cut": (None, 0),  # a stream cut before its stop_reason stays incomplete
    }
    with tokentrail.Ledger(ledger_path) as led:
        (row,) = led.report("model")
    assert (row.totals.requests, row.totals.incomplete) == (3, 1)
