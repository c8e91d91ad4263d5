"""Message Batches results: succeeded priced at the batch tier, others counted, problems named."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec

from tokentrail.ingest.batch import BatchTally, read_batch_results
from tokentrail.ingest.records import CCRecord, Problem

MODEL = "claude-sonnet-4-6"


def _ok(custom_id: str, msg_id: str, usage: dict[str, object]) -> str:
    return json.dumps({
        "custom_id": custom_id,
        "result": {"type": "succeeded", "message": {
            "id": msg_id, "type": "message", "role": "assistant", "model": MODEL,
            "content": [{"type": "text", "text": "secret answer"}], "stop_reason": "end_turn",
            "stop_sequence": None, "usage": usage,
        }},
    })  # fmt: skip


LINES = [
    _ok("req-1", "msg_1", {"input_tokens": 100, "output_tokens": 20, "service_tier": "batch"}),
    _ok("req-2", "msg_2", {"input_tokens": 10, "output_tokens": 5,
                           "cache_creation_input_tokens": 300, "cache_read_input_tokens": 40,
                           "cache_creation": {"ephemeral_5m_input_tokens": 100,
                                              "ephemeral_1h_input_tokens": 200}}),
    json.dumps({"custom_id": "req-3", "result": {"type": "errored", "error": {
        "type": "error", "error": {"type": "invalid_request_error", "message": "bad"}}}}),
    json.dumps({"custom_id": "req-4", "result": {"type": "expired"}}),
    json.dumps({"custom_id": "req-5", "result": {"type": "canceled"}}),
    "",
    "{not json",
    json.dumps(["a list"]),
    json.dumps({"result": {"type": "expired"}}),
    json.dumps({"custom_id": "req-8", "result": {"type": "exploded"}}),
    json.dumps({"custom_id": "req-9", "result": {"type": "succeeded"}}),
    _ok("req-10", "msg_10", {"input_tokens": "12", "output_tokens": 5}),
    _ok("req-11", "msg_11", {"input_tokens": -1, "output_tokens": 5}),
]  # fmt: skip


def test_results_file(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    path.write_text("\n".join(LINES) + "\n")
    tally = BatchTally()
    out = list(read_batch_results(str(path), tally))
    recs = [o for o in out if isinstance(o, CCRecord)]
    probs = [o for o in out if isinstance(o, Problem)]
    assert [r.message_id for r in recs] == ["msg_1", "msg_2"]
    assert tally.results == {"succeeded": 2, "errored": 1, "expired": 1, "canceled": 1}
    assert tally.problems == len(probs) == 7
    got = [(p.line, p.field, p.kind) for p in probs]
    assert got == [
        (7, None, "invalid_json"),
        (8, None, "not_an_object"),
        (9, "custom_id", "missing_field"),
        (10, "result.type", "invalid_value"),
        (11, "result.message", "missing_field"),
        (12, "result.message.usage.input_tokens", "wrong_type"),
        (13, "result.message.usage.input_tokens", "invalid_value"),
    ]
    assert all(p.file == str(path) for p in probs)
    r1, r2 = recs
    assert r1.source == r2.source == "batch"
    assert r1.service_tier == r2.service_tier == "batch"
    assert msgspec.json.decode(r2.usage_json)["service_tier"] == "batch"
    assert json.loads(r1.tags_json or "{}") == {"custom_id": "req-1"}
    assert (r2.cache_5m_tokens, r2.cache_1h_tokens, r2.cache_read_tokens) == (100, 200, 40)
    assert r1.key == "batch:msg_1"
    assert b"secret" not in r1.usage_json


def test_idless_results_are_keyed_by_content(tmp_path: Path) -> None:
    def idless(custom_id: str, inp: int) -> str:
        line = json.loads(_ok(custom_id, "", {"input_tokens": inp, "output_tokens": 1}))
        del line["result"]["message"]["id"]
        return json.dumps(line)

    path = tmp_path / "results.jsonl"
    path.write_text("\n".join([idless("a", 5), idless("b", 5), idless("a", 6)]) + "\n")
    recs = [o for o in read_batch_results(str(path)) if isinstance(o, CCRecord)]
    # Same usage, other custom_id; same custom_id, other usage: three distinct records.
    assert len({r.key for r in recs}) == 3
    path.write_text("\n".join(["", idless("a", 6), idless("a", 5)]) + "\n")
    again = [o for o in read_batch_results(str(path)) if isinstance(o, CCRecord)]
    assert {r.key for r in again} == {recs[0].key, recs[2].key}


def test_tally_hashes_the_file_and_at_dates_records(tmp_path: Path) -> None:
    import hashlib
    import os

    path = tmp_path / "results.jsonl"
    path.write_text("\n".join(LINES) + "\n")
    os.utime(path, (1_700_000_000, 1_700_000_000))
    tally = BatchTally()
    by_mtime = [o for o in read_batch_results(str(path), tally) if isinstance(o, CCRecord)]
    assert tally.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert tally.ts_ms == 1_700_000_000_000
    assert {r.ts_ms for r in by_mtime} == {1_700_000_000_000}
    at = BatchTally()
    dated = [
        o
        for o in read_batch_results(str(path), at, at_ms=1_767_225_600_123)
        if isinstance(o, CCRecord)
    ]
    assert {r.ts_ms for r in dated} == {1_767_225_600_123}
    assert (at.ts_ms, at.sha256) == (1_767_225_600_123, tally.sha256)
    # the keys do not depend on the date: re-ingesting with another --at adds nothing
    assert [r.key for r in dated] == [r.key for r in by_mtime]
