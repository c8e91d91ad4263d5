"""Benchmark: latency added by ``tokentrail.track`` to one API call, against a local server.

Run: ``python benchmarks/track_overhead.py [N]`` (default N = 400 calls per mode). The real
``anthropic`` client talks HTTP to the replay server of the tests on 127.0.0.1; untracked and
tracked calls are interleaved (so drift hits both alike) and the **median** per-call latency
of each is compared, for a JSON response, a raw ``stream=True`` response consumed to the end,
the ``messages.stream()`` helper, and a JSON response inside a budgeted run (which prices
each record inline). A second table times the in-process recording path alone (no HTTP).
The goal is < 1 ms added per tracked call. Records go to a temporary ledger file.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anthropic

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "track"))
from _track_server import (
    MODEL,
    USAGE_CACHE_SPLIT,
    ReplayServer,
    json_reply,
    sse_reply,
)

from tokentrail.track import flush, get_writer, run, track

MSGS: list[Any] = [{"role": "user", "content": "hi"}]


def _json(client: anthropic.Anthropic) -> None:
    client.messages.create(model=MODEL, max_tokens=10, messages=MSGS)


def _raw_stream(client: anthropic.Anthropic) -> None:
    for _ in client.messages.create(model=MODEL, max_tokens=10, messages=MSGS, stream=True):
        pass


def _helper(client: anthropic.Anthropic) -> None:
    with client.messages.stream(model=MODEL, max_tokens=10, messages=MSGS) as s:
        s.until_done()


def _timed(fn: Callable[[], None]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0  # float ok: seconds


def main(n: int = 400) -> None:
    server = ReplayServer().start()
    counter = iter(range(10**9))
    streaming = {"on": False}

    def default(_: dict[str, Any]) -> Any:
        i = next(counter)
        if streaming["on"]:
            return sse_reply(f"msg_{i}", USAGE_CACHE_SPLIT)
        return json_reply(f"msg_{i}", USAGE_CACHE_SPLIT)

    server.default = default
    tmp = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    plain = anthropic.Anthropic(api_key="k", base_url=server.url, max_retries=0)
    tracked = track(
        anthropic.Anthropic(api_key="k", base_url=server.url, max_retries=0), ledger=tmp
    )
    modes: list[tuple[str, Callable[[anthropic.Anthropic], None], bool, bool]] = [
        ("create (JSON)", _json, False, False),
        ("create(stream=True)", _raw_stream, True, False),
        ("messages.stream()", _helper, True, False),
        ("create (JSON) in a run", _json, False, True),
    ]
    rows = []
    for name, call, sse, in_run in modes:
        streaming["on"] = sse
        for _ in range(20):  # warm up both paths (connections, catalog, imports)
            call(plain)
            call(tracked)
        base: list[float] = []
        with_track: list[float] = []
        bench_run = run("bench", budget="1000000")
        with bench_run:
            for _ in range(n):
                base.append(_timed(lambda c=call: c(plain)))  # type: ignore[misc]
                if in_run:
                    with_track.append(_timed(lambda c=call: c(tracked)))  # type: ignore[misc]
                else:
                    tok = bench_run._token
                    from tokentrail.track.runs import _CURRENT

                    outside = _CURRENT.set(None)
                    with_track.append(_timed(lambda c=call: c(tracked)))  # type: ignore[misc]
                    _CURRENT.reset(outside)
                    assert tok is bench_run._token
        b = statistics.median(base) * 1000
        t = statistics.median(with_track) * 1000
        rows.append((name, b, t, t - b))
    flush(30)
    stats = get_writer(tmp).stats
    server.stop()

    print(f"tokentrail.track overhead, {n} interleaved calls per mode, median latency (ms)")
    print(f"{'mode':<26}{'untracked':>11}{'tracked':>11}{'added':>10}")
    for name, b, t, d in rows:
        print(f"{name:<26}{b:>11.3f}{t:>11.3f}{d:>10.3f}")
    print(
        f"ledger writer: {stats.written} records written in {stats.batches} commits, "
        f"{stats.failed} failed"
    )
    _in_process(n)


def _in_process(n: int) -> None:
    """The recording path alone: parse nothing, send nothing, just what tracking adds."""
    from anthropic.types import Message

    from tokentrail.track.recorder import Tracker
    from tokentrail.track.writer import LedgerWriter

    msg = Message.model_validate(
        {
            "id": "msg_x",
            "type": "message",
            "role": "assistant",
            "model": MODEL,
            "content": [],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": USAGE_CACHE_SPLIT,
        }
    )

    class _Null:
        def commit_batch(self, *a: object, **k: object) -> None:
            return None

    tracker = Tracker(LedgerWriter(_Null()))
    samples: list[float] = []
    for _ in range(n * 5):
        t0 = time.perf_counter()
        tracker.record_message(msg, "req_1")
        samples.append(time.perf_counter() - t0)
    in_run: list[float] = []
    with run("micro"):
        for _ in range(n * 5):
            t0 = time.perf_counter()
            tracker.record_message(msg, "req_1")
            in_run.append(time.perf_counter() - t0)
    print()
    print("in-process recording cost per response (no HTTP), median µs")
    print(f"{'record_message':<26}{statistics.median(samples) * 1e6:>11.1f}")
    print(f"{'record_message in a run':<26}{statistics.median(in_run) * 1e6:>11.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400)
