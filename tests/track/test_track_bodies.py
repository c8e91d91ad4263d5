"""``with_streaming_response`` (any body reader) and streams closed unread: the real client
over HTTP to the local replay server; exactly one record per completed response."""

from __future__ import annotations

import asyncio
import gc
import sqlite3
from pathlib import Path
from typing import Any

import anthropic
import pytest
from _track_server import (
    MODEL,
    USAGE_CACHE_SPLIT,
    USAGE_PLAIN,
    ReplayServer,
    json_reply,
    sse_error_reply,
    sse_reply,
)

from tokentrail.track import flush, run, track

KW: dict[str, Any] = {
    "model": MODEL,
    "max_tokens": 10,
    "messages": [{"role": "user", "content": "hi"}],
}
READERS = ["parse", "read", "json", "text", "iter_bytes", "iter_text", "iter_lines", "none"]


def _rows(path: Path) -> list[tuple[Any, ...]]:
    assert flush(10)
    if not path.exists():
        return []
    db = sqlite3.connect(path)
    rows = db.execute(
        "SELECT message_id, request_id, stop_reason, is_final, input_tokens, output_tokens, "
        "cache_creation_tokens FROM records ORDER BY id"
    ).fetchall()
    db.close()
    return rows


def _read_sync(resp: Any, reader: str, stream: bool) -> None:
    if reader == "none":
        return
    out = getattr(resp, reader)()
    if reader == "parse" and stream:
        assert [e.type for e in out][-1] == "message_stop"
    elif reader.startswith("iter"):
        list(out)


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("reader", READERS)
def test_streaming_response_any_reader_is_recorded_once(
    server: ReplayServer, ledger_path: Path, reader: str, stream: bool
) -> None:
    if reader == "json" and stream:
        pytest.skip("an SSE body is not JSON")
    client = track(anthropic.Anthropic(api_key="k", base_url=server.url), ledger=ledger_path)
    usage = USAGE_CACHE_SPLIT
    server.push(sse_reply("msg_b", usage) if stream else json_reply("msg_b", usage))
    with (
        run("r") as r,
        client.messages.with_streaming_response.create(**KW, stream=stream) as resp,
    ):
        _read_sync(resp, reader, stream)
        if reader in ("read", "json", "text") or (reader == "parse" and not stream):
            resp.read()  # a second read replays the cached body: not counted again
            list(resp.iter_bytes())
    rows = _rows(ledger_path)
    assert rows == [
        ("msg_b", server.served_ids[-1], "end_turn", 1, usage["input_tokens"],
         usage["output_tokens"], usage["cache_creation_input_tokens"]),
    ]  # fmt: skip
    assert r.requests == 1
    assert r.usage.output_tokens == usage["output_tokens"]


def test_async_streaming_response_readers(server: ReplayServer, ledger_path: Path) -> None:
    async def main() -> None:
        client = track(
            anthropic.AsyncAnthropic(api_key="k", base_url=server.url), ledger=ledger_path
        )
        for i, reader in enumerate(READERS):
            for stream in (False, True):
                if reader == "json" and stream:
                    continue
                mid = f"msg_{i}_{int(stream)}"
                server.push(sse_reply(mid, USAGE_PLAIN) if stream else json_reply(mid, USAGE_PLAIN))
                async with client.messages.with_streaming_response.create(
                    **KW, stream=stream
                ) as resp:
                    if reader == "none":
                        continue
                    out = getattr(resp, reader)()
                    if reader == "parse":
                        parsed = await out
                        if stream:
                            async for _ in parsed:
                                pass
                    elif reader.startswith("iter"):
                        async for _ in out:
                            pass
                    else:
                        await out

    asyncio.run(main())
    rows = _rows(ledger_path)
    expected = [
        f"msg_{i}_{int(s)}"
        for i, reader in enumerate(READERS)
        for s in (False, True)
        if not (reader == "json" and s)
    ]
    assert [r[0] for r in rows] == expected
    assert all(r[2:6] == ("end_turn", 1, 2095, 503) for r in rows)
    assert [r[1] for r in rows] == server.served_ids


def test_streaming_response_partial_read_and_error(server: ReplayServer, ledger_path: Path) -> None:
    client = track(anthropic.Anthropic(api_key="k", base_url=server.url), ledger=ledger_path)
    server.push(sse_reply("msg_part", USAGE_PLAIN), sse_error_reply("msg_err", USAGE_PLAIN))
    with client.messages.with_streaming_response.create(**KW, stream=True) as resp:
        for line in resp.iter_lines():
            if line.startswith("data:"):
                break  # abandoned; the whole body had arrived in the first chunk read
    gc.collect()
    with client.messages.with_streaming_response.create(**KW, stream=True) as resp:
        for _ in resp.iter_lines():
            pass  # the body ends with an error event: a failed stream, no record
    rows = _rows(ledger_path)
    assert rows == [("msg_part", server.served_ids[0], "end_turn", 1, 2095, 503, 0)]


def test_streams_closed_unread_are_recorded_as_incomplete(
    server: ReplayServer, ledger_path: Path
) -> None:
    client = track(anthropic.Anthropic(api_key="k", base_url=server.url), ledger=ledger_path)
    server.push(sse_reply("msg_h", USAGE_PLAIN), sse_reply("msg_r", USAGE_PLAIN))
    with client.messages.stream(**KW):
        pass
    client.messages.create(**KW, stream=True).close()

    async def main() -> None:
        aclient = track(
            anthropic.AsyncAnthropic(api_key="k", base_url=server.url), ledger=ledger_path
        )
        server.push(sse_reply("msg_ah", USAGE_PLAIN), sse_reply("msg_ar", USAGE_PLAIN))
        async with aclient.messages.stream(**KW):
            pass
        await (await aclient.messages.create(**KW, stream=True)).close()

    asyncio.run(main())
    rows = _rows(ledger_path)
    assert [r[0] for r in rows] == ["msg_h", "msg_r", "msg_ah", "msg_ar"]
    assert all(r[2:6] == (None, 0, 2095, 1) for r in rows)
    server.push(sse_reply("msg_full", USAGE_PLAIN))
    with client.messages.stream(**KW) as s:
        s.until_done()  # read to the end, then closed: one complete record, no extra
    assert _rows(ledger_path)[-1][:4] == ("msg_full", server.served_ids[-1], "end_turn", 1)
    assert len(_rows(ledger_path)) == 5


@pytest.mark.parametrize("size", [1, 7, 64, 100_000])
def test_body_tap_parses_sse_across_chunk_boundaries(ledger_path: Path, size: int) -> None:
    from tokentrail.track.body import _BodyTap
    from tokentrail.track.recorder import CallInfo, Tracker, _StreamState
    from tokentrail.track.writer import get_writer

    tracker = Tracker(get_writer(ledger_path))
    body = sse_reply("msg_full", USAGE_CACHE_SPLIT).body.replace(b"\n", b"\r\n")
    tap = _BodyTap(tracker, True, _StreamState(tracker, "req_a", None, CallInfo(MODEL, True)))
    for i in range(0, len(body), size):
        tap.feed(body[i : i + size])
    tap.end()
    cut = sse_reply("msg_cut", USAGE_PLAIN).body
    half = cut.index(b"content_block_start")  # after message_start, before message_delta
    tap2 = _BodyTap(tracker, True, _StreamState(tracker, "req_b", None, CallInfo(MODEL, True)))
    for i in range(0, half, size):
        tap2.feed(cut[i : min(i + size, half)])
    tap2.abandon()
    rows = _rows(ledger_path)
    assert rows == [
        ("msg_full", "req_a", "end_turn", 1, 3, 44, 1500),
        ("msg_cut", "req_b", None, 0, 2095, 1, 0),
    ]
    assert tracker.errors == 0
