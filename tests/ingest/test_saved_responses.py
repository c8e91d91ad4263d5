"""Saved responses: JSON, JSON arrays, JSONL and SSE captures, with named problems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tokentrail.ingest.records import CCRecord, Problem
from tokentrail.ingest.responses import read_responses

MODEL = "claude-sonnet-4-6"


def _msg(msg_id: str, **usage: object) -> dict[str, object]:
    return {"id": msg_id, "type": "message", "role": "assistant", "model": MODEL,
            "content": [{"type": "text", "text": "hidden"}], "stop_reason": "end_turn",
            "usage": usage}  # fmt: skip


def _read(path: Path) -> tuple[list[CCRecord], list[Problem]]:
    out = list(read_responses(str(path)))
    return (
        [o for o in out if isinstance(o, CCRecord)],
        [o for o in out if isinstance(o, Problem)],
    )


def test_pretty_json_object(tmp_path: Path) -> None:
    p = tmp_path / "r.json"
    p.write_text(json.dumps(_msg("msg_a", input_tokens=5, output_tokens=7), indent=2))
    (rec,), probs = _read(p)
    assert probs == []
    assert (rec.source, rec.message_id, rec.input_tokens, rec.output_tokens) == (
        "response", "msg_a", 5, 7,
    )  # fmt: skip
    assert rec.stop_reason == "end_turn"


def test_json_array_and_jsonl(tmp_path: Path) -> None:
    p = tmp_path / "a.json"
    p.write_text(json.dumps([_msg("msg_1", input_tokens=1, output_tokens=1), {"model": MODEL}]))
    recs, probs = _read(p)
    assert [r.message_id for r in recs] == ["msg_1"]
    assert [(x.line, x.field, x.kind) for x in probs] == [(1, "[1].usage", "missing_field")]
    q = tmp_path / "b.jsonl"
    q.write_text(
        "\n".join([
            json.dumps(_msg("msg_2", input_tokens=2, output_tokens=3)),
            "garbage",
            json.dumps(_msg("msg_3", input_tokens=True, output_tokens=3)),
            json.dumps({"usage": {"input_tokens": 1, "output_tokens": 1}}),
            json.dumps(_msg("msg_4", input_tokens=4, output_tokens=4)),
        ])
    )  # fmt: skip
    recs, probs = _read(q)
    assert [r.message_id for r in recs] == ["msg_2", "msg_4"]
    assert [(x.line, x.field, x.kind) for x in probs] == [
        (2, None, "invalid_json"),
        (3, "usage.input_tokens", "wrong_type"),
        (4, "model", "missing_field"),
    ]


def _sse(events: list[dict[str, object]]) -> str:
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)


_START_MSG = _msg("msg_s", input_tokens=50, output_tokens=1, cache_read_input_tokens=10)
START = {
    "type": "message_start",
    "message": {**_START_MSG, "content": [], "stop_reason": None},
}
DELTA = {
    "type": "message_delta",
    "delta": {"stop_reason": "end_turn"},
    "usage": {"output_tokens": 90, "input_tokens": 50, "cache_read_input_tokens": 20},
}


def test_sse_capture_deltas_overwrite(tmp_path: Path) -> None:
    p = tmp_path / "cap.sse"
    second = json.loads(json.dumps(START))
    second["message"]["id"] = "msg_t"
    p.write_text(
        _sse([START, {"type": "ping"}, DELTA, {"type": "message_stop"}])
        + _sse([second])  # cut before message_stop
    )
    (a, b), probs = _read(p)
    assert probs == []
    assert (a.message_id, a.output_tokens, a.cache_read_tokens, a.stop_reason) == (
        "msg_s", 90, 20, "end_turn",
    )  # fmt: skip
    assert a.line == 2
    assert (b.message_id, b.output_tokens, b.stop_reason) == ("msg_t", 1, None)


def test_sse_problems(tmp_path: Path) -> None:
    p = tmp_path / "bad.sse"
    p.write_text("event: message_delta\ndata: " + json.dumps(DELTA) + "\n\ndata: {oops\n\n")
    recs, probs = _read(p)
    assert recs == []
    assert [(x.line, x.kind) for x in probs] == [(2, "invalid_value"), (4, "invalid_json")]


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    data = json.dumps(_msg("msg_in", input_tokens=3, output_tokens=4)).encode() + b"\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    (rec,) = list(read_responses("-"))
    assert isinstance(rec, CCRecord)
    assert rec.file == "<stdin>"


def test_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "e.json"
    p.write_text("\n\n")
    assert _read(p) == ([], [])


def _idless(inp: int, out: int = 1) -> str:
    return json.dumps({"model": MODEL, "usage": {"input_tokens": inp, "output_tokens": out}})


def test_idless_records_are_keyed_by_content_not_line(tmp_path: Path) -> None:
    a = tmp_path / "a.jsonl"
    a.write_text(_idless(10) + "\n")
    b = tmp_path / "b.jsonl"
    b.write_text(_idless(99999) + "\n")
    (ra,), _ = _read(a)
    b.rename(a)  # same file name and line, other content: another key
    (rb,), _ = _read(a)
    assert rb.key != ra.key
    # Re-reading the same content gives the same key (idempotent); a line shifted down by
    # an inserted line keeps its key; identical lines in one file stay two records.
    a.write_text("\n".join([_idless(5), _idless(10), _idless(10)]) + "\n")
    recs, probs = _read(a)
    assert probs == []
    assert len({r.key for r in recs}) == 3
    assert recs[1].key == ra.key
    assert [r.input_tokens for r in recs] == [5, 10, 10]
    assert [r.key for r in _read(a)[0]] == [r.key for r in recs]


def test_idless_array_items_and_streams_get_distinct_keys(tmp_path: Path) -> None:
    p = tmp_path / "arr.json"
    p.write_text("[" + ",".join([_idless(1), _idless(2), _idless(1)]) + "]")
    recs, _ = _read(p)
    assert len({r.key for r in recs}) == 3
    start = json.loads(json.dumps(START))
    del start["message"]["id"]
    q = tmp_path / "s.sse"
    other = json.loads(json.dumps(start))
    other["message"]["usage"]["input_tokens"] = 7
    q.write_text(_sse([start, DELTA, {"type": "message_stop"}]) + _sse([other]))
    (s1, s2), probs = _read(q)
    assert probs == []
    assert s1.key != s2.key


def test_sse_error_event_is_a_problem_and_not_a_record(tmp_path: Path) -> None:
    error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    p = tmp_path / "err.sse"
    second = json.loads(json.dumps(START))
    second["message"]["id"] = "msg_ok"
    p.write_text(
        _sse([START, {"type": "ping"}, error]) + _sse([second, DELTA, {"type": "message_stop"}])
    )
    recs, probs = _read(p)
    assert [r.message_id for r in recs] == ["msg_ok"]
    assert [(x.line, x.field, x.kind) for x in probs] == [(8, "error", "stream_error")]
    assert "overloaded_error" in probs[0].message
    assert probs[0].file == str(p)


def test_sse_bad_usage_value_is_a_problem_without_warnings(tmp_path: Path) -> None:
    import warnings

    start = json.loads(json.dumps(START))
    start["message"]["usage"]["input_tokens"] = "x"
    p = tmp_path / "bad.sse"
    p.write_text(_sse([start]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        recs, probs = _read(p)
    assert recs == []
    assert [(x.line, x.field) for x in probs] == [(2, "message.usage")]


def test_null_stop_reason_response_is_stored_final(tmp_path: Path) -> None:
    """A complete JSON response with ``stop_reason: null`` is a finished request (is_final 1,
    not counted incomplete); a cut SSE stream is not. The Claude Code rule is unchanged."""
    import sqlite3

    from tokentrail.ledger import AggregateQuery, SQLiteLedger

    p = tmp_path / "r.jsonl"
    p.write_text(
        json.dumps({**_msg("msg_n", input_tokens=5, output_tokens=7), "stop_reason": None})
    )
    start = {**_msg("msg_s", input_tokens=5, output_tokens=1), "stop_reason": None}
    q = tmp_path / "cut.sse"
    q.write_text(
        f"event: message_start\ndata: {json.dumps({'type': 'message_start', 'message': start})}\n\n"
    )
    recs = _read(p)[0] + _read(q)[0]
    assert [(r.message_id, r.final, r.is_final) for r in recs] == [
        ("msg_n", True, True),
        ("msg_s", None, False),
    ]
    ledger = tmp_path / "l.sqlite3"
    with SQLiteLedger(ledger) as led:
        led.add(recs)
        (row,) = led.aggregate(AggregateQuery("model"))
    assert (row.totals.requests, row.totals.incomplete) == (2, 1)
    db = sqlite3.connect(ledger)
    stored = dict(db.execute("SELECT message_id, is_final FROM records").fetchall())
    db.close()
    assert stored == {"msg_n": 1, "msg_s": 0}
