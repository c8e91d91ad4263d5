"""Benchmark: price 1M varied usage records on the fast path and (sampled) with ``price()``.

Run: ``python benchmarks/price_bench.py [N]`` (default N = 1,000,000). Records mix several
models and dates (including long-context and Haiku 5.5 tiers), 5m/1h cache writes, batch,
US inference, fast mode, web searches, and iterations (with an advisor model) on ~10%.
The goal is 1M records in < 2 s on the fast path. Totals of the sample are checked equal.
"""

from __future__ import annotations

import gc
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from tokentrail.pricing import Pricer, packaged_catalog, price
from tokentrail.pricing.fast import FastRecord

MODELS = [
    ("claude-sonnet-4-5-20250929", date(2025, 10, 1)),
    ("claude-sonnet-4-5", date(2026, 4, 1)),
    ("claude-opus-4-6", date(2026, 2, 8)),
    ("claude-opus-4-7", date(2026, 5, 1)),
    ("claude-haiku-4-5-20251001", date(2025, 11, 1)),
    ("claude-haiku-5-5", date(2026, 10, 8)),
    ("claude-sonnet-5-5", date(2026, 9, 28)),
    ("claude-opus-5", date(2026, 8, 1)),
    ("us.anthropic.claude-3-5-haiku-20241022-v1:0", date(2024, 11, 20)),
]


def make_records(n: int, seed: int = 7) -> list[FastRecord]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        model, start = rnd.choice(MODELS)
        day = start + timedelta(days=rnd.randrange(30))
        big = rnd.random() < 0.1
        counts = (
            rnd.randrange(300_000 if big else 5000),
            rnd.randrange(20_000),
            rnd.randrange(5000) if rnd.random() < 0.3 else 0,
            rnd.randrange(150_000),
            rnd.randrange(4000),
        )
        speed = "fast" if model == "claude-opus-4-6" and rnd.random() < 0.3 else None
        tier = "batch" if speed is None and rnd.random() < 0.2 else None
        geo = "us" if rnd.random() < 0.2 else None
        iters: tuple[tuple[str | None, tuple[int, int, int, int, int]], ...] = ()
        if rnd.random() < 0.1:
            iters = tuple(
                (
                    "claude-opus-5" if k == 2 else None,
                    (rnd.randrange(50_000), 0, 0, rnd.randrange(120_000), rnd.randrange(2000)),
                )
                for k in range(rnd.randrange(1, 4))
            )
        searches = rnd.randrange(4) if rnd.random() < 0.05 else 0
        out.append(FastRecord(model, day, counts, speed, tier, geo, searches, iters))
    return out


def as_usage(r: FastRecord) -> dict[str, Any]:
    def one(c: tuple[int, int, int, int, int]) -> dict[str, Any]:
        return {
            "input_tokens": c[0],
            "output_tokens": c[4],
            "cache_read_input_tokens": c[3],
            "cache_creation_input_tokens": c[1] + c[2],
            "cache_creation": {
                "ephemeral_5m_input_tokens": c[1],
                "ephemeral_1h_input_tokens": c[2],
            },
        }

    u = one(r.counts)
    for key in ("speed", "service_tier", "inference_geo"):
        if getattr(r, key) is not None:
            u[key] = getattr(r, key)
    if r.web_search_requests:
        u["server_tool_use"] = {
            "web_search_requests": r.web_search_requests,
            "web_fetch_requests": 0,
        }
    if r.iterations:
        u["iterations"] = [
            {**one(c), "type": "advisor_message" if m else "message", **({"model": m} if m else {})}
            for m, c in r.iterations
        ]
    return u


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    catalog = packaged_catalog()
    records = make_records(n)
    # The million input records are test data, not pricing work: move them out of the
    # collector's view so its full passes over them are not timed (the ledger prices in
    # batches of a few thousand).
    gc.collect()
    gc.freeze()

    pricer = Pricer(catalog)
    t0 = time.perf_counter()
    totals = pricer.totals(records)
    fast_s = time.perf_counter() - t0

    sample = records[: min(n, 5000)]
    usages = [as_usage(r) for r in sample]
    t0 = time.perf_counter()
    scalar = [
        price(u, model=r.model, at=r.day, catalog=catalog).total
        for u, r in zip(usages, sample, strict=True)
    ]
    scalar_s = time.perf_counter() - t0
    assert scalar == totals[: len(sample)], "fast path and price() disagree"

    grand = sum(totals, Decimal(0))
    rows = [
        ("fast path (Pricer.totals)", n, fast_s),
        ("scalar price() (sampled)", len(sample), scalar_s),
    ]
    print(f"{'path':<28} {'records':>10} {'seconds':>9} {'records/s':>12} {'time for 1M':>12}")
    for name, count, secs in rows:
        rate = count / secs
        print(f"{name:<28} {count:>10,} {secs:>9.3f} {rate:>12,.0f} {1_000_000 / rate:>11.2f}s")
    print(f"sum of {n:,} totals: ${grand} (exact); sample of {len(sample):,} checked equal")
    print(
        "goal: 1M records < 2 s on the fast path:",
        "met" if fast_s * 1_000_000 / n < 2 else "NOT met",
    )


if __name__ == "__main__":
    main()
