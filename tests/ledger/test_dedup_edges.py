"""Hand-made trees for the dedup and layout rules of the Claude Code facts file."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import timezone
from pathlib import Path

from _cc_tree import SESSION, assistant, usage, user, write

from tokentrail.ledger import AggregateQuery, SQLiteLedger, Totals, ingest_claude_code

PROJ = "-home-alice-src-shop"


def _ingest(tmp_path: Path, root: Path) -> SQLiteLedger:
    ledger = SQLiteLedger(tmp_path / "l.sqlite3")
    ingest_claude_code(ledger, [root / "projects"])
    return ledger


def _total(ledger: SQLiteLedger) -> Totals:
    t = Totals()
    for r in ledger.aggregate(AggregateQuery("day", timezone.utc)):
        t = t + r.totals
    return t


def test_streaming_copies_keep_the_final_record(tmp_path: Path) -> None:
    f = tmp_path / "projects" / PROJ / f"{SESSION}.jsonl"
    write(
        f,
        [
            user("2026-05-04T08:59:58.120Z"),
            assistant("msg_A", "req_A", "2026-05-04T09:00:03.410Z", usage(out=3), stop=None),
            assistant("msg_A", "req_A", "2026-05-04T09:00:05.000Z", usage(out=200), stop=None),
            assistant("msg_A", "req_A", "2026-05-04T09:00:07.902Z", usage(out=412)),
            # a later copy with smaller output but no stop_reason never wins
            assistant("msg_A", "req_A", "2026-05-04T23:59:59.000Z", usage(out=500), stop=None),
        ],
    )
    with _ingest(tmp_path, tmp_path) as ledger:
        rows = ledger.aggregate(AggregateQuery("day", timezone.utc))
        assert [r.key for r in rows] == ["2026-05-04"]
        t = rows[0].totals
        assert (t.requests, t.output_tokens, t.input_tokens, t.cache_read_tokens) == (
            1,
            412,
            4,
            1000,
        )
        assert t.incomplete == 0
        (rec,) = list(ledger.record_rows())
        assert rec.stop_reason == "end_turn"
        assert rec.line == 4


def test_subagent_without_final_record_keeps_largest_output_and_flags_it(tmp_path: Path) -> None:
    sub = tmp_path / "projects" / PROJ / SESSION / "subagents"
    write(
        sub / "agent-a81f00c2.jsonl",
        [
            assistant("msg_Z", "req_Z", "2026-05-04T09:02:00.500Z", usage(out=5), stop=None,
                      sidechain=True, agent="a81f00c2", model="claude-haiku-4-5"),
            assistant("msg_Z", "req_Z", "2026-05-04T09:02:04.100Z", usage(out=61), stop=None,
                      sidechain=True, agent="a81f00c2", model="claude-haiku-4-5"),
        ],
    )  # fmt: skip
    (sub / "agent-a81f00c2.meta.json").write_text(json.dumps({"agentType": "Explore"}))
    with _ingest(tmp_path, tmp_path) as ledger:
        t = _total(ledger)
        assert (t.requests, t.output_tokens, t.incomplete) == (1, 61, 1)
        (rec,) = list(ledger.record_rows())
        assert (rec.agent_id, rec.agent_type, rec.session_id) == ("a81f00c2", "Explore", SESSION)
        (pub,) = list(ledger.records())
        assert pub.agent is not None
        assert pub.agent.type == "Explore"
        assert pub.origin is not None
        assert pub.origin.line == 2


def test_sidechain_replay_is_dropped_in_either_order(tmp_path: Path) -> None:
    main = assistant("msg_M", "req_main", "2026-05-04T09:00:00.000Z", usage(out=50, cr=5000))
    replay = assistant("msg_M", "req_btw", "2026-05-04T09:05:00.000Z", usage(out=50, cr=5000),
                       sidechain=True, agent="b1")  # fmt: skip
    own = assistant("msg_S", "req_S", "2026-05-04T09:05:01.000Z", usage(out=7, cr=10),
                    sidechain=True, agent="b1")  # fmt: skip
    for order in ("main_first", "replay_first"):
        root = tmp_path / order
        mf = root / "projects" / PROJ / f"{SESSION}.jsonl"
        sf = root / "projects" / PROJ / SESSION / "subagents" / "agent-b1.jsonl"
        ledger = SQLiteLedger(root / "l.sqlite3")
        if order == "main_first":
            write(mf, [main])
            first = ingest_claude_code(ledger, [root / "projects"])
            write(sf, [replay, own])
        else:
            write(sf, [replay, own])
            first = ingest_claude_code(ledger, [root / "projects"])
            write(mf, [main])
        second = ingest_claude_code(ledger, [root / "projects"])
        t = _total(ledger)
        assert (t.requests, t.output_tokens, t.cache_read_tokens) == (2, 57, 5010), order
        # a replay stored first, then removed, is not counted as added
        assert first.added + second.added == ledger.count_records() == 2, order
        assert first.duplicates + second.duplicates == 1, order
        keys = sorted(r.key for r in ledger.record_rows())
        assert keys == ["msg_M|req_main", "msg_S|req_S"], order
        ledger.close()


def test_resumed_session_copy_is_credited_to_the_original(tmp_path: Path) -> None:
    orig, resumed = "11111111-aaaa", "22222222-bbbb"
    a = assistant("msg_1", "req_1", "2026-05-04T09:00:00.000Z", usage(out=10), session=orig)
    pa = tmp_path / "projects" / PROJ / f"{orig}.jsonl"
    pb = tmp_path / "projects" / PROJ / f"{resumed}.jsonl"
    write(pa, [a])
    copy = dict(a, sessionId=resumed)
    new = assistant("msg_2", "req_2", "2026-05-05T10:00:00.000Z", usage(out=20), session=resumed)
    write(pb, [copy, new])
    os.utime(pa, (1_700_000_000, 1_700_000_000))  # the original is older
    os.utime(pb, (1_700_000_100, 1_700_000_100))
    with _ingest(tmp_path, tmp_path) as ledger:
        rows = {r.key: r.totals for r in ledger.aggregate(AggregateQuery("session", timezone.utc))}
        assert rows[orig].requests == 1
        assert rows[orig].output_tokens == 10
        assert rows[resumed].requests == 1
        assert rows[resumed].output_tokens == 20
    # Same result when the copy in the resumed session is seen first.
    os.utime(pa, (1_700_000_200, 1_700_000_200))
    ledger2 = SQLiteLedger(tmp_path / "l2.sqlite3")
    write(pa, [a])
    copy_later = dict(copy, timestamp="2026-05-05T09:59:00.000Z")  # re-stamped copy
    write(pb, [copy_later, new])
    ingest_claude_code(ledger2, [tmp_path / "projects"])
    rows = {r.key: r.totals for r in ledger2.aggregate(AggregateQuery("session", timezone.utc))}
    assert rows[orig].requests == 1
    assert rows[resumed].requests == 1
    ledger2.close()


def test_missing_request_id_falls_back_to_message_id(tmp_path: Path) -> None:
    f = tmp_path / "projects" / PROJ / f"{SESSION}.jsonl"
    write(
        f,
        [
            assistant("msg_X", None, "2026-05-04T09:00:00.000Z", usage(out=3), stop=None),
            assistant("msg_X", None, "2026-05-04T09:00:01.000Z", usage(out=30)),
            assistant("msg_Y", "", "2026-05-04T09:00:02.000Z", usage(out=5)),  # empty = missing
        ],
    )
    with _ingest(tmp_path, tmp_path) as ledger:
        t = _total(ledger)
        assert (t.requests, t.output_tokens) == (2, 35)
        assert sorted(r.key for r in ledger.record_rows()) == ["msg_X", "msg_Y"]


def test_synthetic_lines_are_kept_apart_at_zero_cost(tmp_path: Path) -> None:
    f = tmp_path / "projects" / PROJ / f"{SESSION}.jsonl"
    zero = {"input_tokens": 0, "output_tokens": 0, "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0}  # fmt: skip
    write(
        f,
        [
            assistant("msg_local_1", None, "2026-05-04T13:40:00.000Z", zero, model="<synthetic>",
                      stop="stop_sequence"),
            assistant("msg_B", "req_B", "2026-05-04T13:41:00.000Z", usage(out=10)),
        ],
    )  # fmt: skip
    with _ingest(tmp_path, tmp_path) as ledger:
        (row,) = ledger.aggregate(AggregateQuery("day", timezone.utc))
        assert (row.totals.requests, row.totals.synthetic) == (1, 1)
        assert row.models["<synthetic>"].cost == 0
        assert row.totals.cost > 0


def test_all_layouts_are_found_and_attributed(tmp_path: Path) -> None:
    proj = tmp_path / "projects" / PROJ
    write(proj / f"{SESSION}.jsonl", [assistant("m1", "r1", "2026-05-04T09:00:00Z", usage())])
    sub = proj / SESSION / "subagents"
    line = assistant("m2", "r2", "2026-05-04T09:01:00Z", usage(), sidechain=True)
    del line["sessionId"]  # session comes from the directory
    write(sub / "agent-aaa.jsonl", [line])
    (sub / "agent-aaa.meta.json").write_text('{"agentType": "general-purpose", "spawnDepth": 1}')
    wf = sub / "workflows" / "run-1"
    write(wf / "agent-bbb.jsonl", [assistant("m3", "r3", "2026-05-04T09:02:00Z", usage(),
                                             sidechain=True, agent="bbb")])  # fmt: skip
    (wf / "agent-bbb.meta.json").write_text('{"agentType": "Explore"}')
    write(proj / "agent-ccc.jsonl", [assistant("m4", "r4", "2026-05-04T09:03:00Z", usage(),
                                               sidechain=True)])  # fmt: skip
    (proj / "agent-ccc.meta.json").write_text("not json")
    with _ingest(tmp_path, tmp_path) as ledger:
        recs = {r.message_id: r for r in ledger.record_rows()}
        assert set(recs) == {"m1", "m2", "m3", "m4"}
        assert (recs["m2"].session_id, recs["m2"].agent_id, recs["m2"].agent_type) == (
            SESSION, "aaa", "general-purpose")  # fmt: skip
        assert (recs["m3"].agent_id, recs["m3"].agent_type) == ("bbb", "Explore")
        assert (recs["m4"].agent_id, recs["m4"].agent_type) == ("ccc", None)
        assert recs["m1"].git_branch == "main"
        assert recs["m1"].client_version == "2.1.140"


def test_no_prompt_or_response_text_is_stored(tmp_path: Path) -> None:
    f = tmp_path / "projects" / PROJ / f"{SESSION}.jsonl"
    write(f, [user("2026-05-04T09:00:00Z"), assistant("m", "r", "2026-05-04T09:00:01Z", usage())])
    with _ingest(tmp_path, tmp_path):
        pass
    db = sqlite3.connect(tmp_path / "l.sqlite3")
    dump = "\n".join(db.iterdump())
    db.close()
    assert "secret" not in dump
    assert '"ephemeral_1h_input_tokens": 100' in dump  # the usage object is kept whole


def test_every_usage_field_is_kept(tmp_path: Path) -> None:
    u = usage(
        out=88,
        speed="fast",
        inference_geo="us",
        server_tool_use={"web_search_requests": 2, "web_fetch_requests": 1},
        iterations=[],
        future_field={"x": 1},
    )
    f = tmp_path / "projects" / PROJ / f"{SESSION}.jsonl"
    write(f, [assistant("m", "r", "2026-05-04T09:00:01Z", u)])
    with _ingest(tmp_path, tmp_path) as ledger:
        (rec,) = list(ledger.record_rows())
        assert json.loads(rec.usage_json) == u
        assert (rec.web_search_requests, rec.web_fetch_requests, rec.speed) == (2, 1, "fast")
        (pub,) = list(ledger.records())
        assert pub.usage.speed == "fast"
