"""The team ledger at scale: push throughput and report latency, chDB vs SQLite.

Usage (from the repository root, venv active, ``pip install -e '.[clickhouse]'``)::

    python benchmarks/team_scale.py                 # 1M records
    python benchmarks/team_scale.py --records 200k  # quicker
    python benchmarks/team_scale.py --ten-million   # 1M and 10M

Records are simulated machines' usage: the records of a generated 2 MB log tree
(``python -m tokentrail.sample``) copied with new identities (dedup key, message id,
session, timestamp spread over 90 days, 8 machines, 20 users). Work dir
``benchmarks/_work/team-*`` (removed first). Timed:

* push: rows sent to a ``chdb://`` ledger in batches (the row building of
  ``tokentrail push`` included), and the same records committed to a SQLite ledger
  (``commit_batch``, rollups included) for comparison; records/s and peak RSS growth;
* ``daily``, ``session``, ``model`` reports built in process on each ledger (best of 3).

Prints one Markdown table per size.
"""

from __future__ import annotations

import argparse
import gc
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
DAY_MS = 86_400_000


def _size(text: str) -> int:
    t = text.lower().replace("_", "")
    mult = {"k": 1_000, "m": 1_000_000}.get(t[-1], 1)
    return int(t.rstrip("km")) * mult


def _rss_mb() -> float:  # float ok: megabytes, for display
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def template() -> list[tuple[Any, ...]]:
    """The record rows (``batch_write.COLS`` order) of a generated 2 MB tree."""
    from tokentrail.ledger import SQLiteLedger, ingest_claude_code
    from tokentrail.ledger.batch_write import COLS

    tree, db = WORK / "team-tree", WORK / "team-template.sqlite3"
    shutil.rmtree(tree, ignore_errors=True)
    db.unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, "-m", "tokentrail.sample", str(tree), "--size", "2MB", "--seed", "1",
         "--quiet"],
        check=True,
    )  # fmt: skip
    with SQLiteLedger(db) as led:
        ingest_claude_code(led, [tree])
        rows = [tuple(r) for r in led._db.execute(f"SELECT {COLS} FROM records")]
    return rows


def simulated(rows: list[tuple[Any, ...]], n: int, batch: int) -> Iterator[list[tuple[Any, ...]]]:
    """``n`` rows with fresh identities, in batches (never all in memory)."""
    out: list[tuple[Any, ...]] = []
    t0 = min(r[4] for r in rows)
    for i in range(n):
        r = list(rows[i % len(rows)])
        copy = i // len(rows)
        r[1] = f"{r[1]}#{copy}"  # dedup key
        r[2] = f"{r[2]}#{copy}" if r[2] else r[2]  # message id
        r[4] = t0 + (copy * 7_919_000) % (90 * DAY_MS) + (r[4] - t0) % DAY_MS
        r[6] = f"{r[6]}-{copy % 5000}"  # session
        out.append(tuple(r))
        if len(out) == batch:
            yield out
            out = []
    if out:
        yield out


def bench(n: int, rows: list[tuple[Any, ...]]) -> list[tuple[str, str, str]]:
    from tokentrail.ingest.records import CCRecord
    from tokentrail.ledger import SQLiteLedger
    from tokentrail.ledger.batch_write import COLS, record_from_row
    from tokentrail.ledger.clickhouse.store import ClickHouseLedger
    from tokentrail.reports.build import build_report, options_for

    names = [c.strip() for c in COLS.split(",")]
    out: list[tuple[str, str, str]] = []
    ch_dir, sq_path = WORK / f"team-chdb-{n}", WORK / f"team-{n}.sqlite3"
    shutil.rmtree(ch_dir, ignore_errors=True)
    sq_path.unlink(missing_ok=True)
    team = ClickHouseLedger(f"chdb://{WORK / 'team-chdb'}?database=t{n}", machine="m0", user="u0")
    team.command("DROP DATABASE IF EXISTS {db}")
    team.migrate()
    gc.collect()
    rss0, t = _rss_mb(), time.perf_counter()
    from tokentrail.ledger.push import BATCH

    for i, batch in enumerate(simulated(rows, n, BATCH)):
        team.insert_sqlite_rows(batch, machine=f"m{(i // 10) % 8}", user=f"u{(i // 10) % 20}")
    dt = time.perf_counter() - t
    out.append(("push → chDB", f"{n / dt:,.0f} rec/s", f"+{_rss_mb() - rss0:,.0f} MB peak RSS"))

    def ccrecords(batch: list[tuple[Any, ...]]) -> list[CCRecord]:
        recs = []
        for r in batch:
            d = dict(zip(names, r, strict=True))
            rec = record_from_row(d)  # type: ignore[arg-type]
            rec.priced = (d["cost_pico"], d["price_flags"])
            recs.append(rec)
        return recs

    sq = SQLiteLedger(sq_path)
    rss0, t = _rss_mb(), time.perf_counter()
    for batch in simulated(rows, n, 50_000):
        sq.commit_batch(ccrecords(batch), (), ())
    dt = time.perf_counter() - t
    out.append(("commit → SQLite", f"{n / dt:,.0f} rec/s", f"+{_rss_mb() - rss0:,.0f} MB peak RSS"))
    for kind in ("daily", "session", "model"):
        for name, led in (("chDB", team), ("SQLite", sq)):
            best = float("inf")  # float ok: seconds
            for _ in range(3):
                t = time.perf_counter()
                opts = options_for(
                    led, tz=timezone.utc, since=None, until=None, project=None, models=(),
                    order="asc",
                )  # fmt: skip
                rep = build_report(led, kind, opts)
                best = min(best, time.perf_counter() - t)
            out.append((f"{kind} report, {name}", f"{best:.3f} s", f"{len(rep.rows)} rows"))
    sq.close()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--records", default="1M", help="records per run (e.g. 200k, 1M)")
    p.add_argument("--ten-million", action="store_true", help="also run 10M records")
    a = p.parse_args(argv)
    WORK.mkdir(exist_ok=True)
    shutil.rmtree(WORK / "team-chdb", ignore_errors=True)
    rows = template()
    sizes = [_size(a.records)] + ([10_000_000] if a.ten_million else [])
    for n in sizes:
        print(f"\n### {n:,} records\n\n| step | result | note |\n|---|---|---|")
        for step, result, note in bench(n, rows):
            print(f"| {step} | {result} | {note} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
