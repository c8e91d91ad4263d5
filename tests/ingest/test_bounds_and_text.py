"""Counts are bounded (no stored integer can overflow); odd text (lone surrogates in JSON
escapes or in file names) is stored, never a crash and never a lost record."""

from __future__ import annotations

import json
import os
from datetime import timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tokentrail.ingest import SourceFile, decode_usage, parse_block
from tokentrail.ingest.claude_code import MAX_TOKENS
from tokentrail.ingest.records import CCRecord, Problem, storable
from tokentrail.ledger import AggregateQuery, SQLiteLedger, ingest_claude_code
from tokentrail.pricing import extract

SF = SourceFile(Path("/logs/p/s1.jsonl"), "main", "s1", None, None)


_ITERATION = {"type": "message", "input_tokens": 0, "cache_creation_input_tokens": 0,
              "cache_read_input_tokens": 0, "output_tokens": 0}  # fmt: skip


def _usage(u: object) -> object:
    """``u`` with the fields the SDK requires filled in (input / output tokens, and every
    iteration's type and counts), so each case tests only what it sets."""
    if not isinstance(u, dict):
        return u
    full: dict[str, object] = {"input_tokens": 1, "output_tokens": 1, **u}
    its = full.get("iterations")
    if isinstance(its, list):
        full["iterations"] = [{**_ITERATION, **i} if isinstance(i, dict) else i for i in its]
    return full


def _line(mid: str, u: object, **env: object) -> bytes:
    u = _usage(u)
    obj: dict[str, object] = {
        "type": "assistant", "timestamp": "2026-05-04T09:00:00Z", "sessionId": "s1",
        "cwd": "/w", "requestId": f"r_{mid}",
        "message": {"id": mid, "model": "claude-sonnet-4-5", "stop_reason": "end_turn",
                    "content": [{"type": "text", "text": "hi"}], "usage": u},
    }  # fmt: skip
    obj.update(env)
    return json.dumps(obj).encode()


def _parse(*lines: bytes) -> tuple[list[CCRecord], list[Problem]]:
    recs: list[CCRecord] = []
    probs: list[Problem] = []
    parse_block(b"".join(x + b"\n" for x in lines), SF, 1, recs.append, probs.append)
    return recs, probs


def test_the_storage_limit_holds_everything_pricing_prices() -> None:
    limits = [getattr(extract, n) for n in dir(extract) if n.startswith("MAX_")]
    assert limits
    assert all(n <= MAX_TOKENS for n in limits)
    assert 4 * MAX_TOKENS * 10**9 < 2**63  # a record at $1,000 per million tokens (10**9 pico)


@pytest.mark.parametrize(
    ("usage", "field"),
    [
        ({"output_tokens": 2**63}, "message.usage.output_tokens"),
        ({"input_tokens": 10**40}, "message.usage.input_tokens"),
        ({"output_tokens": MAX_TOKENS + 1}, "message.usage.output_tokens"),
        ({"cache_creation": {"ephemeral_1h_input_tokens": 2**64}},
         "message.usage.cache_creation.ephemeral_1h_input_tokens"),
        ({"server_tool_use": {"web_search_requests": 2**63}},
         "message.usage.server_tool_use.web_search_requests"),
        ({"iterations": [{"output_tokens": 2**63}]}, "message.usage.iterations[0].output_tokens"),
        ({"iterations": [{"output_tokens": MAX_TOKENS}, {"output_tokens": 1}]},
         "message.usage.iterations"),
    ],
)  # fmt: skip
def test_counts_beyond_the_limit_are_invalid_values(usage: object, field: str) -> None:
    recs, (p,) = _parse(_line("ok", {"output_tokens": 1}), _line("bad", usage))
    assert [r.key for r in recs] == ["ok|r_ok"]
    assert (p.line, p.field, p.kind) == (2, field, "invalid_value")


def test_the_limit_itself_is_accepted() -> None:
    u = decode_usage(json.dumps({"input_tokens": MAX_TOKENS, "output_tokens": MAX_TOKENS}))
    assert (u.input_tokens, u.output_tokens) == (MAX_TOKENS, MAX_TOKENS)


def test_overflowing_line_does_not_block_the_ledger(tmp_path: Path) -> None:
    f = tmp_path / "projects" / "-p" / "s1.jsonl"
    f.parent.mkdir(parents=True)
    f.write_bytes(_line("g", {"output_tokens": 10}) + b"\n"
                  + _line("h", {"output_tokens": 2**63}) + b"\n")  # fmt: skip
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        s = ingest_claude_code(ledger, [tmp_path / "projects"])
        assert (s.added, s.problems) == (1, 1)
        (p,) = ledger.problems()
        assert (p.line, p.field, p.kind) == (2, "message.usage.output_tokens", "invalid_value")
        with open(f, "ab") as fh:
            fh.write(_line("i", {"output_tokens": 5}) + b"\n")
        assert ingest_claude_code(ledger, [tmp_path / "projects"]).added == 1
        (row,) = ledger.aggregate(AggregateQuery("day", timezone.utc))
        assert (row.totals.requests, row.totals.output_tokens) == (2, 15)


def test_lone_surrogate_escapes_keep_the_record() -> None:
    # RFC 8259 JSON (a lone "\udc00" escape) that msgspec rejects: text, cwd and branch.
    line = _line("m", {"output_tokens": 7}, cwd="/w/\udc00x", gitBranch="b\ud800")
    assert b"\\udc00" in line
    text = _line("n", {"output_tokens": 1}).replace(b'"hi"', b'"\\udfff"')
    (r, r2), probs = _parse(line, text)
    assert probs == []
    assert (r.output_tokens, r.project, r.git_branch) == (7, "/w/\\udc00x", "b\\ud800")
    assert (r2.key, r2.output_tokens) == ("n|r_n", 1)
    assert json.loads(r.usage_json) == {"input_tokens": 1, "output_tokens": 7}
    # a line that is not JSON at all stays a problem
    _, (p,) = _parse(b'{"type": "assistant", "x": "\\udc00", ')
    assert p.kind == "invalid_json"


@given(st.text())
def test_storable_is_utf8_and_identity_on_valid_text(s: str) -> None:
    out = storable(s)
    out.encode("utf-8")
    assert storable(out) == out
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        assert out != s
    else:
        assert out == s


def test_file_names_that_are_not_utf8(tmp_path: Path) -> None:
    base = os.fsencode(tmp_path)
    d = base + b"/projects/-home-j\xe9r\xf4me-src"
    os.makedirs(d)
    line = json.loads(_line("m1", {"output_tokens": 5}))
    del line["sessionId"]  # the session id then comes from the (odd) file name
    with open(d + b"/sess\xff.jsonl", "wb") as fh:
        fh.write(json.dumps(line).encode() + b"\n{broken\n")
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        s = ingest_claude_code(ledger, [tmp_path / "projects"])
        assert (s.added, s.problems) == (1, 1)
        (r,) = list(ledger.record_rows())
        expect = os.fsencode(os.fsdecode(d + b"/sess\xff.jsonl")).decode(
            "utf-8", "backslashreplace"
        )
        assert r.file == expect
        assert r.file.endswith("/-home-j\\xe9r\\xf4me-src/sess\\xff.jsonl")
        assert r.session_id == "sess\\xff"
        assert [p.file for p in ledger.problems()] == [expect]
        assert list(ledger.checkpoints()) == [expect]
        again = ingest_claude_code(ledger, [tmp_path / "projects"])  # checkpoint matches
        assert (again.files_read, again.bytes, again.problems) == (0, 0, 0)


@pytest.mark.parametrize(
    ("usage", "field", "kind"),
    [
        ({"output_tokens": 3}, "message.usage.input_tokens", "missing_field"),
        ({"input_tokens": 3, "output_tokens": None}, "message.usage.output_tokens", "wrong_type"),
        ({"input_tokens": 1, "output_tokens": 1,
          "iterations": [{"input_tokens": 5, "output_tokens": 5, "cache_read_input_tokens": 0,
                          "cache_creation_input_tokens": 0}]},
         "message.usage.iterations[0].type", "missing_field"),
        ({"input_tokens": 1, "output_tokens": 1,
          "iterations": [{"type": "message", "input_tokens": 5, "output_tokens": 5}]},
         "message.usage.iterations[0].cache_creation_input_tokens", "missing_field"),
    ],
)  # fmt: skip
def test_usage_the_pricing_engine_would_reject_is_a_problem(
    usage: dict[str, object], field: str, kind: str
) -> None:
    """What the SDK's types require is required here too: such a line is a problem naming
    the field, never a record stored unpriced without a word."""
    line = json.dumps(
        {"type": "assistant", "timestamp": "2026-05-04T09:00:00Z", "sessionId": "s1",
         "requestId": "r1", "message": {"id": "m1", "model": "claude-sonnet-4-5",
                                         "stop_reason": "end_turn", "usage": usage}}
    ).encode()  # fmt: skip
    recs, (p,) = _parse(line)
    assert recs == []
    assert (p.field, p.kind) == (field, kind)


def test_a_synthetic_placeholder_without_counts_is_still_a_synthetic_message() -> None:
    """Claude Code's local ``<synthetic>`` lines are never billed: one that leaves its counts
    out is still counted as a synthetic message (zero tokens), not a problem; a wrong type in
    one is still a problem."""

    def line(usage: object) -> bytes:
        return json.dumps(
            {"type": "assistant", "timestamp": "2026-05-04T09:00:00Z", "sessionId": "s1",
             "message": {"id": "msg_local", "model": "<synthetic>", "usage": usage}}
        ).encode()  # fmt: skip

    (r,), probs = _parse(line({}))
    assert probs == []
    assert (r.model, r.input_tokens, r.output_tokens, r.synthetic) == ("<synthetic>", 0, 0, True)
    recs, (p,) = _parse(line({"input_tokens": "0", "output_tokens": 0}))
    assert recs == []
    assert (p.field, p.kind) == ("message.usage.input_tokens", "wrong_type")
