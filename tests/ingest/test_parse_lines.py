"""Line decoding: records, every bad-input kind, blank lines, what is kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tokentrail.ingest import CCRecord, Problem, SourceFile, decode_usage, parse_block

SF = SourceFile(Path("/logs/p/s1.jsonl"), "main", "s1", None, None)

GOOD = {
    "type": "assistant",
    "timestamp": "2026-05-04T09:00:07.902Z",
    "sessionId": "s1",
    "cwd": "/home/a/shop",
    "requestId": "req_1",
    "message": {
        "id": "msg_1",
        "model": "claude-opus-4-6",
        "stop_reason": "tool_use",
        "content": [{"type": "text", "text": "hello"}],
        "usage": {"input_tokens": 4, "cache_creation_input_tokens": 6120,
                  "cache_read_input_tokens": 18844,
                  "cache_creation": {"ephemeral_5m_input_tokens": 0,
                                     "ephemeral_1h_input_tokens": 6120},
                  "output_tokens": 412, "service_tier": "standard"},
    },
}  # fmt: skip


def _parse(*lines: bytes) -> tuple[list[CCRecord], list[Problem]]:
    recs: list[CCRecord] = []
    probs: list[Problem] = []
    n = parse_block(b"".join(x + b"\n" for x in lines), SF, 1, recs.append, probs.append)
    assert n == len(lines)
    return recs, probs


def _with(path: list[str], value: object) -> bytes:
    obj = json.loads(json.dumps(GOOD))
    cur = obj
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = value
    return json.dumps(obj).encode()


def test_good_line_becomes_a_record() -> None:
    (r,), probs = _parse(json.dumps(GOOD).encode())
    assert probs == []
    assert (r.key, r.model, r.session_id, r.project) == ("msg_1|req_1", "claude-opus-4-6", "s1",
                                                          "/home/a/shop")  # fmt: skip
    assert (r.input_tokens, r.cache_1h_tokens, r.cache_read_tokens, r.output_tokens) == (
        4, 6120, 18844, 412)  # fmt: skip
    assert r.ts_ms == 1777885207902
    assert r.line == 1
    assert b"hello" not in r.usage_json


@pytest.mark.parametrize(
    ("line", "field", "kind"),
    [
        (b"not json at all", None, "invalid_json"),
        (json.dumps(GOOD).encode()[:-9], None, "invalid_json"),  # truncated mid-file
        (b"null", None, "not_an_object"),
        (b"[1, 2]", None, "not_an_object"),
        (b'{"type": "user", "x": "\xff\xfe"}', None, "not_utf8"),
        (_with(["message", "usage"], [10, 253]), "message.usage", "wrong_type"),
        (_with(["message", "usage"], "12"), "message.usage", "wrong_type"),
        (_with(["message", "usage", "output_tokens"], "412"), "message.usage.output_tokens",
         "wrong_type"),
        (_with(["message", "usage", "output_tokens"], -5), "message.usage.output_tokens",
         "invalid_value"),
        (_with(["message", "usage", "cache_creation", "ephemeral_1h_input_tokens"], 1.5),
         "message.usage.cache_creation.ephemeral_1h_input_tokens", "wrong_type"),
        (_with(["timestamp"], True), "timestamp", "wrong_type"),
        (_with(["timestamp"], "yesterday"), "timestamp", "invalid_value"),
        (_with(["timestamp"], None), "timestamp", "missing_field"),
        (b'{"type": "user", "timestamp": 1700000000, "message": {"content": "x"}}', "timestamp",
         "wrong_type"),
    ],
)  # fmt: skip
def test_bad_lines_are_problems(line: bytes, field: str | None, kind: str) -> None:
    recs, (p,) = _parse(json.dumps(GOOD).encode(), line)
    assert len(recs) == 1
    assert (p.file, p.line, p.field, p.kind) == ("/logs/p/s1.jsonl", 2, field, kind)
    assert p.message


def test_blank_lines_unknown_types_and_other_lines_are_ignored() -> None:
    recs, probs = _parse(
        b"",
        b"   ",
        b'{"type": "summary", "summary": "x", "leafUuid": "u"}',
        b'{"type": "brand-new-type", "usage": {"input_tokens": "odd"}}',
        b'{"type": "user", "message": {"role": "user", "content": "usage"}, '
        b'"toolUseResult": {"usage": {"input_tokens": 1}}}',
        b'{"type": "assistant", "timestamp": "2026-01-01T00:00:00Z", "message": {"model": "x"}}',
        b'{"type": "system", "message": "a string here", "usage": 1}',
    )
    assert recs == []
    assert probs == []


def test_an_api_message_without_usage_is_a_problem() -> None:
    # issue 15.8: an assistant message with an id and no usage is never dropped silently
    recs, probs = _parse(
        b'{"type": "assistant", "timestamp": "2026-01-01T00:00:00Z", "message": {"id": "m"}}',
        b'{"type": "assistant", "timestamp": "2026-01-01T00:00:00Z", '
        b'"message": {"id": "m", "usage": null}}',
        b'{"type": "assistant", "timestamp": "2026-01-01T00:00:00Z"}',
    )
    assert recs == []
    assert [(p.line, p.field, p.kind) for p in probs] == [
        (1, "message.usage", "missing_field"),
        (2, "message.usage", "missing_field"),
        (3, "message", "missing_field"),
    ]


def test_crlf_and_missing_ids() -> None:
    line = json.loads(json.dumps(GOOD))
    del line["requestId"]
    del line["message"]["id"]
    line["uuid"] = "uu-1"
    (r,), _ = _parse(json.dumps(line).encode() + b"\r")
    assert r.key == "uuid:uu-1"
    assert r.message_id is None
    assert r.request_id is None


def test_decode_usage_ttl_rules() -> None:
    u = decode_usage(b'{"input_tokens": 1, "output_tokens": 1, "cache_creation_input_tokens": 100}')
    assert (u.cache_creation, u.cache_5m, u.cache_1h, u.ttl_known) == (100, 100, 0, False)
    u = decode_usage(
        b'{"input_tokens": 1, "output_tokens": 1, "cache_creation_input_tokens": 100, '
        b'"cache_creation": '
        b'{"ephemeral_5m_input_tokens": 10, "ephemeral_1h_input_tokens": 500}}'
    )
    assert (u.cache_creation, u.cache_5m, u.cache_1h, u.ttl_known) == (100, 0, 100, True)
    # with iterations the columns are the iteration sums (what pricing prices), not the top
    u = decode_usage(
        b'{"input_tokens": 1, "output_tokens": 1, "cache_creation": '
        b'{"ephemeral_5m_input_tokens": 7}, "iterations": [{"type": "message", "input_tokens": 0, '
        b'"cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": 0}]}'
    )
    assert (u.cache_creation, u.cache_5m, u.has_iterations) == (0, 0, True)
