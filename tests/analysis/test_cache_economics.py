"""Cache economics on hand-built sessions with 5m and 1h writes and known gaps.

Oracle: claude-sonnet-4-6 list rates (input $3, 5m write $3.75, 1h write $6, read $0.30,
output $15 per MTok), every figure written as a hand formula.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from _analysis_records import MTOK, S_IN, S_OUT, S_RD, S_W1, S_W5, T0, rec, usage

from tokentrail.analysis.cache import cache_report


def _usd(tokens: int, rate: Decimal) -> Decimal:
    return Decimal(tokens) * rate / MTOK


def _five_minute_session() -> list[object]:
    return [
        rec(usage(100, 50, w5=1000), at=0),  # lot A = [0, 1000) 5m
        rec(usage(50, 40, read=1000, w5=200), at=120),  # reads A; lot B = [1000, 1200) 5m
        # 600 s later: A and B have expired (B never read); rewrite of the whole prefix
        rec(usage(30, 20, w5=1200), at=720),  # lot C = [0, 1200), never read (records end)
    ]


def test_five_minute_session() -> None:
    t = cache_report(_five_minute_session()).total  # type: ignore[arg-type]
    assert t.requests == 3
    assert (t.input_tokens, t.cache_write_5m_tokens, t.cache_read_tokens) == (180, 2400, 1000)
    assert t.hit_ratio == pytest.approx(1000 / (1000 + 2400 + 180))
    actual = _usd(180, S_IN) + _usd(2400, S_W5) + _usd(1000, S_RD) + _usd(110, S_OUT)
    assert t.actual_usd == actual
    no_cache = _usd(180 + 2400 + 1000, S_IN) + _usd(110, S_OUT)
    assert t.no_cache_usd == no_cache
    assert t.savings_usd == no_cache - actual
    assert t.cache_write_usd == _usd(2400, S_W5)
    assert t.cache_read_usd == _usd(1000, S_RD)
    # unread: B (200) expired unread; C (1200) never read
    assert (t.unread_5m_tokens, t.unread_1h_tokens) == (1400, 0)
    assert t.unread_usd == _usd(1400, S_W5)
    assert t.unread_premium_usd == _usd(1400, S_W5 - S_IN)
    assert t.pending_tokens == 0
    assert t.unattributed_read_tokens == 0
    # all-5m: nothing changes; all-1h: writes at 1h, and the 600-s gap no longer expires A
    # and B, so the 1,200-token rewrite of r2 becomes a read
    assert t.all_5m_usd == actual
    assert t.all_1h_usd == (
        _usd(180, S_IN) + _usd(2400 - 1200, S_W1) + _usd(1000 + 1200, S_RD) + _usd(110, S_OUT)
    )
    # $0.011490 at 5m against $0.010050 at 1h
    assert t.cheaper_ttl == "1h"


def _one_hour_session() -> list[object]:
    return [
        rec(usage(10, 5, w1=2000), at=0, session="h"),  # lot [0, 2000) 1h
        rec(usage(10, 5, read=2000), at=1200, session="h"),  # read after 20 min (5m: expired)
        rec(usage(10, 5, w1=2000), at=1200 + 4000, session="h"),  # 66 min gap: expired, rewrite
    ]


def test_one_hour_session() -> None:
    t = cache_report(_one_hour_session()).total  # type: ignore[arg-type]
    actual = _usd(30, S_IN) + _usd(4000, S_W1) + _usd(2000, S_RD) + _usd(15, S_OUT)
    assert t.actual_usd == actual
    assert t.all_1h_usd == actual
    # all-5m: both writes at 5m, and the read after 20 minutes would have missed: a 5m write
    assert t.all_5m_usd == _usd(30, S_IN) + _usd(2000 + 2000 + 2000, S_W5) + _usd(15, S_OUT)
    assert t.cheaper_ttl == "5m"
    assert (t.unread_5m_tokens, t.unread_1h_tokens) == (0, 2000)
    assert t.unread_premium_usd == _usd(2000, S_W1 - S_IN)


def test_pending_as_of_and_grouping() -> None:
    recs = _five_minute_session() + _one_hour_session()
    # read 100 s after the last 1h write (at 5,200 s): that lot is still live, so pending;
    # the 5m session's last lot (written at 720 s) has long expired: unread
    as_of = T0 + timedelta(seconds=5300)
    rep = cache_report(recs, by="session", as_of=as_of)  # type: ignore[arg-type]
    by = {g.key: g for g in rep.groups}
    assert set(by) == {"s1", "h"}
    assert (by["s1"].pending_tokens, by["s1"].unread_5m_tokens) == (0, 1400)
    assert (by["h"].pending_tokens, by["h"].unread_1h_tokens) == (2000, 0)
    assert rep.total.pending_tokens == 2000
    assert rep.total.requests == 6
    assert rep.total.actual_usd == by["s1"].actual_usd + by["h"].actual_usd
    d = rep.to_dict()
    assert d["totals"]["savings_usd"] == str(
        (by["s1"].savings_usd + by["h"].savings_usd).normalize()
    )
    assert "counterfactual_no_cache_usd" in d["labels"]["counterfactual"]


def test_break_even() -> None:
    rep = cache_report(_five_minute_session() + _one_hour_session())  # type: ignore[arg-type]
    be = {b.ttl: b for b in rep.break_even}
    # (write/input - 1) / (1 - read/input) with the published multipliers 1.25, 2 and 0.1
    assert be["5m"].reads == (Fraction(5, 4) - 1) / (1 - Fraction(1, 10))
    assert be["1h"].reads == (Fraction(2) - 1) / (1 - Fraction(1, 10))
    assert (be["5m"].reads_needed, be["1h"].reads_needed) == (1, 2)


def test_threads_are_separate_and_unknown_models_counted() -> None:
    recs = [
        rec(usage(0, 1, w5=1000), at=0),
        # a subagent of the same session reading 1000: not the main thread's cache
        rec(usage(0, 1, read=1000), at=10, agent="a1"),
        rec(usage(5, 5), at=20, model="claude-nonexistent-9"),
    ]
    t = cache_report(recs).total  # type: ignore[arg-type]
    assert t.unattributed_read_tokens == 1000
    assert t.unread_5m_tokens == 1000
    assert t.unpriced_requests == 1
    assert t.requests == 2


def test_by_day_and_project_keys() -> None:
    recs = [
        rec(usage(10, 1), at=0, project="/a"),
        rec(usage(10, 1), at=86400, project="/b"),
    ]
    days = cache_report(recs, by="day").groups  # type: ignore[arg-type]
    assert [g.key for g in days] == ["2026-11-02", "2026-11-03"]
    projects = cache_report(recs, by="project").groups  # type: ignore[arg-type]
    assert [g.key for g in projects] == ["/a", "/b"]
    assert projects[0].hit_ratio == 0.0


def test_reads_refresh_a_5m_write() -> None:
    recs = [
        rec(usage(0, 1, w5=1000), at=0),
        rec(usage(0, 1, read=1000), at=250),
        rec(usage(0, 1, read=1000), at=500),  # 500 s after the write, 250 s after the last read
    ]
    t = cache_report(recs).total  # type: ignore[arg-type]
    assert (t.unread_5m_tokens, t.unattributed_read_tokens) == (0, 0)
    assert t.all_5m_usd == t.actual_usd


def test_a_shorter_rewrite_cuts_the_written_prefix() -> None:
    recs = [
        rec(usage(0, 1, w5=1000), at=0),  # [0, 1000)
        # the conversation was edited: only the first 600 tokens are read, 400 rewritten
        rec(usage(0, 1, read=600, w5=400), at=10),
    ]
    t = cache_report(recs).total  # type: ignore[arg-type]
    # [600, 1000) of the first write was replaced unread; the rewrite is never read either
    assert t.unread_5m_tokens == 400 + 400
    assert t.unread_usd == _usd(800, S_W5)


def test_caches_are_per_model() -> None:
    recs = [
        rec(usage(0, 1, w5=1000), at=0),
        rec(usage(0, 1, read=1000), at=10, model="claude-opus-4-8"),
    ]
    t = cache_report(recs).total  # type: ignore[arg-type]
    assert t.unattributed_read_tokens == 1000
    assert t.unread_5m_tokens == 1000


def _prefix_under_one_hour() -> list[object]:
    return [
        rec(usage(1000, 500, w5=20000), at=0),  # [0, 20000) written at 5m
        # reads it and extends it with a 1h write: the API caches the prefix [0, 25000) for
        # an hour, the 5m-written part included
        rec(usage(2000, 700, read=20000, w1=5000), at=100),
        rec(usage(300, 100, read=25000), at=3000),  # 48 min idle: still a hit on all 25,000
    ]


def test_a_one_hour_write_keeps_the_whole_prefix_for_an_hour() -> None:
    t = cache_report(_prefix_under_one_hour()).total  # type: ignore[arg-type]
    assert (t.unattributed_read_tokens, t.unread_5m_tokens, t.unread_1h_tokens) == (0, 0, 0)
    actual = (
        _usd(1000 + 2000 + 300, S_IN)
        + _usd(20000, S_W5)
        + _usd(5000, S_W1)
        + _usd(20000 + 25000, S_RD)
        + _usd(500 + 700 + 100, S_OUT)
    )
    assert t.actual_usd == actual
    # all 5m: the 5,000 written at 5m; the read 2,900 s after the last touch would have
    # missed, so all 25,000 are rewritten at 5m instead of read
    assert t.all_5m_usd == (
        actual + _usd(5000, S_W5) - _usd(5000, S_W1) + _usd(25000, S_W5) - _usd(25000, S_RD)
    )
    # all 1h: the 20,000 first written at 5m become 1h writes; nothing expired
    assert t.all_1h_usd == actual + _usd(20000, S_W1) - _usd(20000, S_W5)


def test_a_five_minute_extension_does_not_lengthen_the_prefix() -> None:
    recs = [
        rec(usage(0, 1, w1=1000), at=0),  # [0, 1000) kept an hour
        rec(usage(0, 1, read=1000, w5=500), at=100),  # [1000, 1500) only 5 minutes
        rec(usage(0, 1, read=1500), at=1000),  # 900 s idle: the 5m tail expired
    ]
    t = cache_report(recs).total  # type: ignore[arg-type]
    assert t.unattributed_read_tokens == 1500 - 1000
    assert t.unread_5m_tokens == 500


def test_an_advisor_on_the_same_model_has_its_own_cache() -> None:
    from _analysis_records import it

    recs = [
        rec(usage(10, 10, w5=50000), at=0),
        rec(
            usage(
                10,
                100,
                read=51000,
                w5=500,
                iterations=[
                    it("message", 10, 100, read=50000, w5=1000),  # conversation [0, 51000)
                    it("advisor_message", 10, 300, w5=8000, model="claude-sonnet-4-6"),
                    it("message", 10, 100, read=51000, w5=500),  # re-reads the conversation
                ],
            ),
            at=60,
        ),
    ]
    t = cache_report(recs).total  # type: ignore[arg-type]
    assert t.unattributed_read_tokens == 0
    # never read: the advisor's 8,000 and the last 500
    assert t.unread_5m_tokens == 8000 + 500


def test_paid_leaves_web_search_fees_out_and_says_so() -> None:
    """Decision: "Paid" (and every counterfactual) is token cost only; web-search fees are
    the same with or without a cache, so they are left out, and every output says so."""
    u = usage(100, 50, w5=1000)
    u["server_tool_use"] = {"web_search_requests": 3}
    with_fees = cache_report([rec(u, at=0)]).total  # type: ignore[list-item]
    without = cache_report([rec(usage(100, 50, w5=1000), at=0)]).total  # type: ignore[list-item]
    assert with_fees.actual_usd == without.actual_usd
    assert with_fees.actual_usd == _usd(100, S_IN) + _usd(1000, S_W5) + _usd(50, S_OUT)
    doc = cache_report([rec(u, at=0)]).to_dict()  # type: ignore[list-item]
    assert "web-search fees excluded" in json.dumps(doc)
