"""Context growth across a thread: curve, crossings, compactions across requests, time above."""

from __future__ import annotations

from _analysis_records import it, rec, usage

from tokentrail.analysis import split_threads
from tokentrail.analysis.context import session_context


def _thread() -> list[object]:
    return [
        # given out of order on purpose: the analysis sorts by time
        rec(usage(5000, 10, read=215000), at=300),  # r2: 220,000 -> crosses 200k
        rec(usage(1000, 10, w5=99000), at=0),  # r0: 100,000
        rec(
            usage(
                0,
                0,
                iterations=[
                    it("message", 2000, 10, read=100000),  # 102,000
                    it("message", 3000, 10, read=102000),  # 105,000
                ],
            ),
            at=100,
        ),  # r1
        rec(usage(0, 0, iterations=[it("compaction", 230000, 2000)]), at=900),  # r3
        rec(usage(8000, 10, w5=2000), at=1000),  # r4: 10,000 after the compaction
        rec(usage(999, 1), at=50, agent="sub1"),  # another thread (a subagent)
    ]


def test_session_curve_and_events() -> None:
    threads = split_threads(_thread())  # type: ignore[arg-type]
    assert set(threads) == {("s1", None), ("s1", "sub1")}
    sc = session_context(threads[("s1", None)])
    assert [(p.request_index, p.index, p.context_tokens) for p in sc.curve] == [
        (0, None, 100000),
        (1, 0, 102000),
        (1, 1, 105000),
        (2, None, 220000),
        (4, None, 10000),
    ]
    assert [p.growth for p in sc.curve] == [None, 2000, 3000, 115000, -210000]
    assert sc.request_growth == (None, 5000, 115000, None, -210000)
    assert sc.requests[1].loop_growth == 3000
    assert [(c.threshold, c.request_index, c.from_tokens) for c in sc.crossings] == [
        ("200k", 2, 105000)
    ]
    # the compaction of r3 (its own call: 230,000 in) opens its request: "before" is r2's
    # last conversation call (220,000), "after" is r4's first call (10,000)
    (comp,) = sc.compactions
    assert (comp.request_index, comp.context_before, comp.context_after) == (3, 220000, 10000)
    assert comp.call_tokens == 230000
    assert comp.removed == 220000 - 10000
    # the "after compaction" mark carries over to the next request
    assert sc.requests[4].steps[0].after_compaction
    assert not sc.requests[2].steps[0].after_compaction
    peak = sc.peak
    assert peak is not None
    assert (peak.request_index, peak.context_tokens) == (2, 220000)
    # time above 200k: r2 ended above it and the next request came 600 s later
    above = {t.name: t for t in sc.time_above}
    assert above["200k"].seconds == 600.0
    assert above["200k"].requests == 1
    assert above["context_window"].seconds == 0.0
    assert sc.span_seconds == 1000.0
    d = sc.to_dict()
    assert d["peak"]["context_tokens"] == 220000
    assert len(d["requests"]) == 5


def test_empty_session() -> None:
    sc = session_context([])
    assert sc.curve == ()
    assert sc.peak is None
    assert sc.span_seconds == 0.0
