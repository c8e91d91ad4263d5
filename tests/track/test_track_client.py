"""The real ``anthropic`` client over HTTP to a local server: one correct record per response."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import anthropic
import pytest
from _track_server import (
    MODEL,
    USAGE_CACHE_SPLIT,
    USAGE_ITERATIONS,
    USAGE_PLAIN,
    USAGE_SERVER_TOOLS,
    ReplayServer,
    error_reply,
    json_reply,
    sse_error_reply,
    sse_reply,
)

import tokentrail
from tokentrail.track import flush, get_writer, run, track

M = Decimal(10**6)
# Sonnet 4.6 list prices, USD per MTok: input 3, 5m write 3.75, 1h write 6, read 0.30, out 15;
# web search $10 per 1000 requests; web fetch free.
COST = {
    "plain": (Decimal(2095) * 3 + Decimal(503) * 15) / M,
    "cache": (Decimal(3) * 3 + Decimal(500) * Decimal("3.75") + Decimal(1000) * 6
              + Decimal(44) * 15) / M,
    "tools": (Decimal(30210) * 3 + Decimal(1543) * 15) / M + Decimal(1) * 10 / 1000,
    "iter": (Decimal(3000) * 3 + Decimal(200) * 15
             + 2 * (Decimal(3000) * 3 + Decimal(3000) * Decimal("0.30") + Decimal(250) * 15)) / M
    + Decimal(2) * 10 / 1000,
}  # fmt: skip
USAGES = {
    "plain": USAGE_PLAIN,
    "cache": USAGE_CACHE_SPLIT,
    "tools": USAGE_SERVER_TOOLS,
    "iter": USAGE_ITERATIONS,
}
MSG = "messages"


def _client(server: ReplayServer, **kw: Any) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key="sk-test", base_url=server.url, max_retries=3, **kw)


def _aclient(server: ReplayServer) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(api_key="sk-test", base_url=server.url, max_retries=3)


def _rows(path: Path) -> list[dict[str, Any]]:
    assert flush(10)
    if not path.exists():
        return []
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    rows = [dict(r) for r in db.execute("SELECT * FROM records ORDER BY id")]
    db.close()
    return rows


def _check(row: dict[str, Any], kind: str, msg_id: str, request_id: str) -> None:
    usage = USAGES[kind]
    assert row["source"] == "sdk"
    assert row["model"] == MODEL
    assert row["message_id"] == msg_id
    assert row["request_id"] == request_id
    assert row["input_tokens"] == usage["input_tokens"]
    assert row["output_tokens"] == usage["output_tokens"]
    assert row["cache_read_tokens"] == usage["cache_read_input_tokens"]
    assert row["cache_creation_tokens"] == usage["cache_creation_input_tokens"]
    split = usage.get("cache_creation") or {}
    assert row["cache_1h_tokens"] == (split.get("ephemeral_1h_input_tokens") or 0)
    assert row["stop_reason"] == "end_turn"
    assert Decimal(row["cost_pico"]).scaleb(-12) == COST[kind]
    stored = json.loads(row["usage_json"])
    if "iterations" in usage:
        assert stored["iterations"] == usage["iterations"]


def _ask(client: Any, **kw: Any) -> Any:
    return client.messages.create(
        model=MODEL, max_tokens=100, messages=[{"role": "user", "content": "hi"}], **kw
    )


def test_sync_json_every_usage_shape(server: ReplayServer, ledger_path: Path) -> None:
    client = track(_client(server), ledger=ledger_path, tags={"app": "test"})
    kinds = list(USAGES)
    server.push(*(json_reply(f"msg_{k}", USAGES[k]) for k in kinds))
    results = [_ask(client) for _ in kinds]
    assert all(isinstance(r, anthropic.types.Message) for r in results)
    assert [r.id for r in results] == [f"msg_{k}" for k in kinds]
    rows = _rows(ledger_path)
    assert len(rows) == len(kinds)
    for row, kind, rid in zip(rows, kinds, server.served_ids, strict=True):
        _check(row, kind, f"msg_{kind}", rid)
        assert json.loads(row["tags"]) == {"app": "test"}


def test_retries_make_one_record_with_the_final_request_id(
    server: ReplayServer, ledger_path: Path
) -> None:
    client = track(_client(server), ledger=ledger_path)
    server.push(
        error_reply(529, "overloaded_error"),
        error_reply(500, "api_error"),
        json_reply("msg_retry", USAGE_PLAIN),
    )
    msg = _ask(client)
    assert msg.id == "msg_retry"
    assert len(server.requests) == 3
    rows = _rows(ledger_path)
    assert len(rows) == 1
    _check(rows[0], "plain", "msg_retry", server.served_ids[-1])
    assert msg._request_id == server.served_ids[-1]


def test_errors_propagate_unchanged_and_record_nothing(
    server: ReplayServer, ledger_path: Path
) -> None:
    client = track(_client(server), ledger=ledger_path)
    server.push(error_reply(400, "invalid_request_error", "max_tokens: too big"))
    with pytest.raises(anthropic.BadRequestError, match="max_tokens"):
        _ask(client)
    server.push(*(error_reply(529, "overloaded_error") for _ in range(4)))
    with pytest.raises(anthropic.APIStatusError) as info:
        _ask(client)
    assert info.value.status_code == 529
    assert _rows(ledger_path) == []


def test_sync_raw_stream(server: ReplayServer, ledger_path: Path) -> None:
    client = track(_client(server), ledger=ledger_path)
    server.push(sse_reply("msg_s1", USAGE_CACHE_SPLIT))
    stream = _ask(client, stream=True)
    assert isinstance(stream, anthropic.Stream)
    types = [event.type for event in stream]
    assert types[0] == "message_start"
    assert types[-1] == "message_stop"
    rows = _rows(ledger_path)
    assert len(rows) == 1
    _check(rows[0], "cache", "msg_s1", server.served_ids[-1])


def test_sync_stream_helper(server: ReplayServer, ledger_path: Path) -> None:
    client = track(_client(server), ledger=ledger_path)
    server.push(sse_reply("msg_s2", USAGE_SERVER_TOOLS))
    with client.messages.stream(
        model=MODEL, max_tokens=100, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "Hello!"
    assert final.usage.output_tokens == USAGE_SERVER_TOOLS["output_tokens"]
    rows = _rows(ledger_path)
    assert len(rows) == 1
    _check(rows[0], "tools", "msg_s2", server.served_ids[-1])


def test_beta_stream_keeps_iterations(server: ReplayServer, ledger_path: Path) -> None:
    client = track(_client(server), ledger=ledger_path)
    server.push(sse_reply("msg_b1", USAGE_ITERATIONS), json_reply("msg_b2", USAGE_ITERATIONS))
    with client.beta.messages.stream(
        model=MODEL, max_tokens=100, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        stream.until_done()
    msg = client.beta.messages.create(
        model=MODEL, max_tokens=100, messages=[{"role": "user", "content": "hi"}]
    )
    assert isinstance(msg, anthropic.types.beta.BetaMessage)
    rows = _rows(ledger_path)
    assert len(rows) == 2
    _check(rows[0], "iter", "msg_b1", server.served_ids[0])
    _check(rows[1], "iter", "msg_b2", server.served_ids[1])


def test_raw_response_is_recorded_once(server: ReplayServer, ledger_path: Path) -> None:
    client = track(_client(server), ledger=ledger_path)
    server.push(json_reply("msg_raw", USAGE_PLAIN))
    raw = client.messages.with_raw_response.create(
        model=MODEL, max_tokens=100, messages=[{"role": "user", "content": "hi"}]
    )
    assert raw.status_code == 200
    assert raw.parse().id == "msg_raw"
    assert raw.parse().id == "msg_raw"
    rows = _rows(ledger_path)
    assert len(rows) == 1
    _check(rows[0], "plain", "msg_raw", server.served_ids[-1])


def test_abandoned_stream_is_recorded_as_incomplete(
    server: ReplayServer, ledger_path: Path
) -> None:
    client = track(_client(server), ledger=ledger_path)
    server.push(sse_reply("msg_cut", USAGE_PLAIN))
    stream = _ask(client, stream=True)
    first = next(iter(stream))
    assert first.type == "message_start"
    stream.close()
    del stream
    import gc

    gc.collect()
    rows = _rows(ledger_path)
    assert len(rows) == 1
    assert rows[0]["stop_reason"] is None
    assert rows[0]["is_final"] == 0
    assert rows[0]["input_tokens"] == USAGE_PLAIN["input_tokens"]


def test_async_create_stream_and_helper(server: ReplayServer, ledger_path: Path) -> None:
    async def main() -> None:
        client = track(_aclient(server), ledger=ledger_path)
        server.push(json_reply("msg_a1", USAGE_PLAIN))
        msg = await client.messages.create(
            model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "hi"}]
        )
        assert msg.id == "msg_a1"
        server.push(sse_reply("msg_a2", USAGE_CACHE_SPLIT))
        stream = await client.messages.create(
            model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "hi"}], stream=True
        )
        assert isinstance(stream, anthropic.AsyncStream)
        async for _ in stream:
            pass
        server.push(sse_reply("msg_a3", USAGE_SERVER_TOOLS))
        async with client.messages.stream(
            model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "hi"}]
        ) as s:
            final = await s.get_final_message()
        assert final.id == "msg_a3"
        server.push(json_reply("msg_a4", USAGE_PLAIN))
        raw = await client.messages.with_raw_response.create(
            model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "hi"}]
        )
        assert (await raw.parse()).id == "msg_a4"

    asyncio.run(main())
    rows = _rows(ledger_path)
    assert [r["message_id"] for r in rows] == ["msg_a1", "msg_a2", "msg_a3", "msg_a4"]
    for row, kind, rid in zip(
        rows, ["plain", "cache", "tools", "plain"], server.served_ids, strict=True
    ):
        _check(row, kind, row["message_id"], rid)


def test_threads_attribute_to_their_own_runs(server: ReplayServer, ledger_path: Path) -> None:
    counter = iter(range(10**6))
    lock = threading.Lock()

    def default(_: dict[str, Any]) -> Any:
        with lock:
            n = next(counter)
        return json_reply(f"msg_t{n}", USAGE_PLAIN)

    server.default = default
    client = track(_client(server), ledger=ledger_path)
    runs: dict[int, tokentrail.track.Run] = {}

    def work(i: int) -> None:
        with run(f"thread-{i}", tags={"worker": str(i)}) as r:
            runs[i] = r
            for _ in range(5):
                _ask(client)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = _rows(ledger_path)
    assert len(rows) == 30
    assert len({r["message_id"] for r in rows}) == 30
    for i, r in runs.items():
        assert r.requests == 5
        assert r.cost == 5 * COST["plain"]
        mine = [row for row in rows if row["run_id"] == r.id]
        assert len(mine) == 5
        assert all(json.loads(row["tags"])["worker"] == str(i) for row in mine)


def test_concurrent_tasks_attribute_to_their_own_runs(
    server: ReplayServer, ledger_path: Path
) -> None:
    counter = iter(range(10**6))
    server.default = lambda _: json_reply(f"msg_c{next(counter)}", USAGE_CACHE_SPLIT)

    async def main() -> list[tokentrail.track.Run]:
        client = track(_aclient(server), ledger=ledger_path)

        async def task(i: int) -> tokentrail.track.Run:
            async with run(f"task-{i}") as r:
                for _ in range(3):
                    await client.messages.create(
                        model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "x"}]
                    )
                return r

        async with run("outer") as outer:
            inner = await asyncio.gather(*(task(i) for i in range(8)))
        assert outer.requests == 24
        assert outer.cost == 24 * COST["cache"]
        return list(inner)

    inner = asyncio.run(main())
    rows = _rows(ledger_path)
    assert len(rows) == 24
    for r in inner:
        assert r.requests == 3
        assert sum(1 for row in rows if row["run_id"] == r.id) == 3


def test_ledger_failure_never_breaks_the_call(
    server: ReplayServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    bad = blocker / "ledger.sqlite3"
    client = track(_client(server), ledger=bad)
    server.push(json_reply("msg_ok", USAGE_PLAIN))
    with caplog.at_level("WARNING", logger="tokentrail.track"):
        assert _ask(client).id == "msg_ok"
        assert flush(10)
    writer = get_writer(bad)
    assert writer.failed == 1
    assert "could not write 1 usage record" in caplog.text


def test_tracking_twice_does_not_double_count(server: ReplayServer, ledger_path: Path) -> None:
    client = track(track(_client(server), ledger=ledger_path), ledger=ledger_path)
    server.push(json_reply("msg_once", USAGE_PLAIN))
    _ask(client)
    assert len(_rows(ledger_path)) == 1


def test_track_rejects_a_non_client() -> None:
    with pytest.raises(TypeError, match="no messages resource"):
        track(object())


def test_streaming_response_and_raw_stream(server: ReplayServer, ledger_path: Path) -> None:
    client = track(_client(server), ledger=ledger_path)
    server.push(json_reply("msg_sr", USAGE_PLAIN), sse_reply("msg_rs", USAGE_CACHE_SPLIT))
    with client.messages.with_streaming_response.create(
        model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "hi"}]
    ) as resp:
        assert resp.parse().id == "msg_sr"
    raw = client.messages.with_raw_response.create(
        model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "hi"}], stream=True
    )
    events = [e.type for e in raw.parse()]
    assert events[-1] == "message_stop"
    rows = _rows(ledger_path)
    assert [r["message_id"] for r in rows] == ["msg_sr", "msg_rs"]
    _check(rows[0], "plain", "msg_sr", server.served_ids[0])
    _check(rows[1], "cache", "msg_rs", server.served_ids[1])


def test_vertex_client(server: ReplayServer, ledger_path: Path) -> None:
    client = track(
        anthropic.AnthropicVertex(
            region="us-east5", project_id="p", access_token="tok", base_url=server.url
        ),
        ledger=ledger_path,
    )
    server.push(json_reply("msg_v1", USAGE_PLAIN), sse_reply("msg_v2", USAGE_CACHE_SPLIT))
    _ask(client)
    with client.messages.stream(
        model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        stream.until_done()
    rows = _rows(ledger_path)
    _check(rows[0], "plain", "msg_v1", server.served_ids[0])
    _check(rows[1], "cache", "msg_v2", server.served_ids[1])


def test_a_failed_stream_records_nothing(server: ReplayServer, ledger_path: Path) -> None:
    client = track(_client(server), ledger=ledger_path)
    server.push(sse_error_reply("msg_f1", USAGE_PLAIN), sse_error_reply("msg_f2", USAGE_PLAIN))
    stream = _ask(client, stream=True)
    with pytest.raises(anthropic.APIStatusError, match="Overloaded"):
        for _ in stream:
            pass

    def helper() -> None:
        with client.messages.stream(
            model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "hi"}]
        ) as s:
            s.until_done()

    with pytest.raises(anthropic.APIStatusError, match="Overloaded"):
        helper()
    rows = _rows(ledger_path)
    assert rows == []


def test_ga_stream_keeps_iterations(server: ReplayServer, ledger_path: Path) -> None:
    client = track(_client(server), ledger=ledger_path)
    server.push(sse_reply("msg_gi", USAGE_ITERATIONS))
    for _ in _ask(client, stream=True):
        pass
    (row,) = _rows(ledger_path)
    _check(row, "iter", "msg_gi", server.served_ids[-1])


def test_ledger_object_as_target(server: ReplayServer, ledger_path: Path) -> None:
    with tokentrail.Ledger(ledger_path) as led:
        client = track(_client(server), ledger=led)
        server.push(json_reply("msg_l", USAGE_PLAIN))
        _ask(client)
        assert flush(10)
        (rec,) = led.records(source="sdk")
    assert rec.message_id == "msg_l"
    assert rec.request_id == server.served_ids[-1]
    assert rec.usage.input_tokens == USAGE_PLAIN["input_tokens"]


def test_a_locked_ledger_never_delays_the_call(server: ReplayServer, ledger_path: Path) -> None:
    import time

    tokentrail.SQLiteLedger(ledger_path).close()  # create and migrate
    locker = sqlite3.connect(ledger_path, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")  # hold the write lock: every writer must wait
    try:

        async def main() -> float:
            client = track(_aclient(server), ledger=ledger_path)
            server.push(json_reply("msg_lk1", USAGE_PLAIN), json_reply("msg_lk2", USAGE_PLAIN))
            t0 = time.perf_counter()
            for _ in range(2):
                await client.messages.create(
                    model=MODEL, max_tokens=1, messages=[{"role": "user", "content": "x"}]
                )
            await asyncio.sleep(0.3)  # the writer is now stuck on the lock
            return time.perf_counter() - t0  # float ok: seconds

        elapsed = asyncio.run(main())
        assert elapsed < 5
        assert not flush(0.2)  # still waiting for the lock
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    rows = _rows(ledger_path)
    assert [r["message_id"] for r in rows] == ["msg_lk1", "msg_lk2"]


def test_with_options_copies_stay_tracked(server: ReplayServer, ledger_path: Path) -> None:
    client = track(_client(server), ledger=ledger_path, tags={"app": "x"})
    server.push(json_reply("msg_wo", USAGE_PLAIN), json_reply("msg_cp", USAGE_PLAIN))
    _ask(client.with_options(timeout=30, max_retries=1))
    _ask(client.copy().with_options(max_retries=0))
    rows = _rows(ledger_path)
    assert [r["message_id"] for r in rows] == ["msg_wo", "msg_cp"]
    assert all(json.loads(r["tags"]) == {"app": "x"} for r in rows)


def test_parse_is_recorded(server: ReplayServer, ledger_path: Path) -> None:
    client = track(_client(server), ledger=ledger_path)
    server.push(json_reply("msg_p1", USAGE_PLAIN), json_reply("msg_p2", USAGE_CACHE_SPLIT))
    parsed = client.messages.parse(
        model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "hi"}]
    )
    assert parsed.id == "msg_p1"
    beta_parsed = client.beta.messages.parse(
        model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "hi"}]
    )
    assert beta_parsed.id == "msg_p2"
    rows = _rows(ledger_path)
    _check(rows[0], "plain", "msg_p1", server.served_ids[0])
    _check(rows[1], "cache", "msg_p2", server.served_ids[1])
