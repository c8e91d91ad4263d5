"""Copies logged with and without ``requestId`` are one request, and which copy of a
request wins never depends on the order files, batches or runs deliver them."""

from __future__ import annotations

import itertools
import os
import tempfile
from datetime import timezone
from pathlib import Path

import pytest
from _cc_tree import SESSION, assistant, usage, write
from hypothesis import given, settings
from hypothesis import strategies as st

from tokentrail.ingest.records import CCRecord, is_better
from tokentrail.ledger import AggregateQuery, SQLiteLedger, Totals, ingest_claude_code
from tokentrail.ledger.costing import Coster

PROJ = "-p"
T = "2026-05-04T09:00:{:02d}.000Z"


def _total(ledger: SQLiteLedger) -> Totals:
    t = Totals()
    for r in ledger.aggregate(AggregateQuery("day", timezone.utc)):
        t = t + r.totals
    return t


def _check_rollups(ledger: SQLiteLedger) -> None:
    rows = list(ledger.record_rows())
    t = _total(ledger)
    assert t.requests == len(rows)
    assert t.output_tokens == sum(r.output_tokens for r in rows)
    assert t.input_tokens == sum(r.input_tokens for r in rows)


EARLY = assistant("M4", None, T.format(8), usage(inp=4, out=3), stop=None)  # no requestId yet
FINAL = assistant("M4", "R4", T.format(9), usage(inp=4, out=90))
OTHER = assistant("M5", "R5", T.format(10), usage(inp=5, out=7))


@pytest.mark.parametrize("split", ["one_run", "two_runs"])
@pytest.mark.parametrize("order", ["requestless_first", "requestless_last"])
def test_requestless_copy_merges_with_the_request(tmp_path: Path, split: str, order: str) -> None:
    f = tmp_path / "projects" / PROJ / f"{SESSION}.jsonl"
    lines = [EARLY, FINAL] if order == "requestless_first" else [FINAL, EARLY]
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        if split == "one_run":
            write(f, [*lines, OTHER])
            s = ingest_claude_code(ledger, [tmp_path / "projects"])
            added = s.added
        else:
            write(f, [lines[0]])
            added = ingest_claude_code(ledger, [tmp_path / "projects"]).added
            write(f, [*lines, OTHER])  # appended
            added += ingest_claude_code(ledger, [tmp_path / "projects"]).added
        assert added == 2
        assert sorted(r.key for r in ledger.record_rows()) == ["M4|R4", "M5|R5"]
        t = _total(ledger)
        assert (t.requests, t.input_tokens, t.output_tokens, t.incomplete) == (2, 4 + 5, 90 + 7, 0)
        _check_rollups(ledger)


def test_requestless_copy_can_win_and_keeps_the_request_id(tmp_path: Path) -> None:
    early = assistant("M1", "R1", T.format(1), usage(out=3), stop=None)
    final_without = assistant("M1", None, T.format(2), usage(out=40))  # the final one lacks it
    f = tmp_path / "projects" / PROJ / f"{SESSION}.jsonl"
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        write(f, [final_without])
        ingest_claude_code(ledger, [tmp_path / "projects"])
        write(f, [final_without, early])
        ingest_claude_code(ledger, [tmp_path / "projects"])
        (r,) = list(ledger.record_rows())
        assert (r.key, r.request_id, r.output_tokens, r.stop_reason) == ("M1|R1", "R1", 40,
                                                                         "end_turn")  # fmt: skip
        _check_rollups(ledger)


def test_only_requestless_copies_stay_one_record(tmp_path: Path) -> None:
    f = tmp_path / "projects" / PROJ / f"{SESSION}.jsonl"
    write(f, [assistant("MX", None, T.format(1), usage(out=3), stop=None),
              assistant("MX", None, T.format(2), usage(out=30))])  # fmt: skip
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        ingest_claude_code(ledger, [tmp_path / "projects"])
        assert [(r.key, r.output_tokens) for r in ledger.record_rows()] == [("MX", 30)]


def test_resumed_copy_with_the_same_timestamp_goes_to_one_session_in_any_order(
    tmp_path: Path,
) -> None:
    # The original A is still written after the fork B, so A's file is the newer one.
    a, b = "aaaaaaaa-0001", "bbbbbbbb-0002"
    shared = dict(assistant("M1", "R1", T.format(0), usage(inp=100, out=1)))
    results = []
    for i, (ma, mb) in enumerate([(2000, 1000), (1000, 2000)]):
        root = tmp_path / str(i)
        pa = write(
            root / "projects" / PROJ / f"{a}.jsonl",
            [
                dict(shared, sessionId=a),
                assistant("M9", "R9", T.format(30), usage(inp=1, out=1), session=a),
            ],
        )
        pb = write(
            root / "projects" / PROJ / f"{b}.jsonl",
            [
                dict(shared, sessionId=b),
                assistant("M5", "R5", T.format(20), usage(inp=2, out=1), session=b),
            ],
        )
        os.utime(pa, (1_700_000_000 + ma,) * 2)
        os.utime(pb, (1_700_000_000 + mb,) * 2)
        with SQLiteLedger(root / "l.sqlite3") as ledger:
            ingest_claude_code(ledger, [root / "projects"])
            rows = ledger.aggregate(AggregateQuery("session", timezone.utc))
            results.append({r.key: r.totals.input_tokens for r in rows})
    assert results[0] == results[1] == {a: 101, b: 2}


def _rec(session: str, ts: int, file: str, line: int, out: int, final: bool) -> CCRecord:
    return CCRecord(
        key="K", message_id="M", request_id="R", ts_ms=ts, model="claude-sonnet-4-5",
        session_id=session or None, project="/p", agent_id=None, agent_type=None,
        git_branch=None, client_version=None, is_sidechain=False,
        stop_reason="end_turn" if final else None, input_tokens=1, cache_creation_tokens=0,
        cache_5m_tokens=0, cache_1h_tokens=0, ttl_known=True, cache_read_tokens=0,
        output_tokens=out, web_search_requests=0, web_fetch_requests=0, speed=None,
        service_tier=None, inference_geo=None, has_iterations=False,
        usage_json=b'{"input_tokens": 1, "output_tokens": %d}' % out, file=file, line=line,
    )  # fmt: skip


_copies = st.lists(
    st.builds(
        _rec,
        st.sampled_from(["", "s1", "s2"]),
        st.sampled_from([1000, 2000]),
        st.sampled_from(["/a.jsonl", "/b.jsonl"]),
        st.integers(1, 3),
        st.sampled_from([5, 9]),
        st.booleans(),
    ),
    min_size=1,
    max_size=5,
    unique_by=lambda r: (r.session_id, r.ts_ms, r.file, r.line),
)
_COSTER = Coster()


def _fold(rs: list[CCRecord]) -> CCRecord:
    best = rs[0]
    for r in rs[1:]:
        if is_better(r, best):
            best = r
    return best


def _fields(r: CCRecord) -> tuple[object, ...]:
    return (r.session_id or "", r.ts_ms, r.file, r.line, r.output_tokens, r.stop_reason)


@settings(max_examples=40, deadline=None)
@given(_copies)
def test_the_winner_does_not_depend_on_arrival_order(rs: list[CCRecord]) -> None:
    winners = {_fields(_fold(list(p))) for p in itertools.permutations(rs)}
    assert len(winners) == 1
    (winner,) = winners
    # the ledger's SQL rule agrees, one copy per batch, in two different orders
    with tempfile.TemporaryDirectory() as d:
        for name, order in (("fwd", rs), ("rev", rs[::-1])):
            with SQLiteLedger(Path(d) / f"{name}.sqlite3", coster=_COSTER) as ledger:
                for r in order:
                    ledger.add([r])
                (stored,) = list(ledger.record_rows())
                assert _fields(stored) == winner, name
