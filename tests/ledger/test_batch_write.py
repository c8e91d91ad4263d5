"""Write → read: a record stored in the ledger reads back field for field."""

from __future__ import annotations

import tempfile
from pathlib import Path

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from tokentrail.ingest.claude_code import decode_usage
from tokentrail.ingest.records import CCRecord
from tokentrail.ledger import SQLiteLedger

_count = st.integers(min_value=0, max_value=10**7)
_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@st.composite
def records(draw: st.DrawFn) -> CCRecord:
    split = draw(st.booleans())
    usage: dict[str, object] = {
        "input_tokens": draw(_count),
        "output_tokens": draw(_count),
        "cache_read_input_tokens": draw(_count),
    }
    if split:
        five, hour = draw(_count), draw(_count)
        usage["cache_creation_input_tokens"] = five + hour
        usage["cache_creation"] = {
            "ephemeral_5m_input_tokens": five,
            "ephemeral_1h_input_tokens": hour,
        }
    else:
        usage["cache_creation_input_tokens"] = draw(_count)
    for key, values in (
        ("service_tier", ["standard", "priority", "batch"]),
        ("speed", ["standard", "fast"]),
        ("inference_geo", ["us", "global"]),
    ):
        if draw(st.booleans()):
            usage[key] = draw(st.sampled_from(values))
    raw = msgspec.json.encode(usage)
    u = decode_usage(raw)
    mid = draw(st.one_of(st.none(), st.from_regex(r"msg_[A-Za-z0-9]{6}", fullmatch=True)))
    rid = draw(st.one_of(st.none(), st.from_regex(r"req_[A-Za-z0-9]{6}", fullmatch=True)))
    stop = draw(st.sampled_from([None, "end_turn", "tool_use", "refusal"]))
    final = draw(st.sampled_from([None, True])) if stop is None else None
    key = draw(st.from_regex(r"k[0-9a-f]{12}", fullmatch=True))
    return CCRecord(
        key=key,
        message_id=mid,
        request_id=rid,
        ts_ms=draw(st.integers(min_value=0, max_value=4_000_000_000_000)),
        model=draw(st.sampled_from(["claude-sonnet-4-5", "claude-opus-4-6", "mystery-1"])),
        session_id=draw(st.one_of(st.none(), _text.filter(bool))),
        project=draw(st.one_of(st.none(), _text.filter(bool))),
        agent_id=draw(st.one_of(st.none(), _text)),
        agent_type=draw(st.one_of(st.none(), _text)),
        git_branch=draw(st.one_of(st.none(), _text)),
        client_version=draw(st.one_of(st.none(), _text)),
        is_sidechain=draw(st.booleans()),
        stop_reason=stop,
        input_tokens=u.input_tokens,
        cache_creation_tokens=u.cache_creation,
        cache_5m_tokens=u.cache_5m,
        cache_1h_tokens=u.cache_1h,
        ttl_known=u.ttl_known,
        cache_read_tokens=u.cache_read,
        output_tokens=u.output_tokens,
        web_search_requests=u.web_search_requests,
        web_fetch_requests=u.web_fetch_requests,
        speed=u.speed,
        service_tier=u.service_tier,
        inference_geo=u.inference_geo,
        has_iterations=u.has_iterations,
        usage_json=raw,
        file=draw(_text),
        line=draw(st.integers(min_value=0, max_value=10**6)),
        source=draw(st.sampled_from(["claude_code", "sdk", "batch", "response"])),
        tags_json=draw(st.sampled_from([None, '{"a":"1"}'])),
        run_id=draw(st.one_of(st.none(), st.just("run-1"))),
        final=final,
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(records(), max_size=6, unique_by=lambda r: r.key))
def test_stored_records_read_back_field_for_field(batch: list[CCRecord]) -> None:
    with tempfile.TemporaryDirectory() as d, SQLiteLedger(Path(d) / "l.sqlite3") as ledger:
        ledger.add(batch)
        back = {r.key: r for r in ledger.record_rows()}
    assert set(back) == {r.key for r in batch}
    for r in batch:
        got = back[r.key]
        want = msgspec.structs.replace(r, priced=None)
        # empty session / project are stored as "" and read back as None
        want = msgspec.structs.replace(
            want, session_id=want.session_id or None, project=want.project or None
        )
        assert msgspec.structs.replace(got, priced=None) == want
        assert got.is_final == r.is_final
