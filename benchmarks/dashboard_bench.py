"""How fast the dashboard answers on a big ledger: every page's HTTP answer and the
overview's paint in headless Chromium.

Usage (from the repository root, venv active)::

    python benchmarks/dashboard_bench.py                 # a 1GB generated tree
    python benchmarks/dashboard_bench.py --size 100MB --runs 3

Work dir ``benchmarks/_work/`` (gitignored): the tree is generated there with
``python -m tokentrail.sample`` and reused, then ingested into
``_work/dashboard-<size>-s<seed>.sqlite3`` (reused when already complete). A dashboard
(:class:`tokentrail.web.server.DashboardServer`) serves it on 127.0.0.1 in this process.
Timed, best of ``--runs``: the full HTTP answer of each page (server rendering included);
then, when ``/usr/bin/chromium`` and Playwright are there, the overview's first contentful
paint and load event. Targets (issue 18): every data request under 300 ms, the overview
painted under 1 s on 1 GB of logs (~80k requests).
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
GEN = [sys.executable, "-m", "tokentrail.sample"]
TOKEN = "bench-token"
PAGES = [
    "/", "/?period=30d", "/sessions", "/report/project", "/report/model", "/report/agent",
    "/report/branch", "/report/daily", "/blocks", "/blocks?period=all", "/problems", "/prices",
    "/sessions?all=1", "/api/version",
]  # fmt: skip


def tree_for(size: str, seed: int) -> Path:
    """The generated tree for (size, seed), generating it when missing."""
    out = WORK / "trees" / f"{size}-s{seed}"
    if not (out / ".expected.json").exists():
        shutil.rmtree(out, ignore_errors=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([*GEN, str(out), "--size", size, "--seed", str(seed), "--quiet"],
                       check=True)  # fmt: skip
    return out


def fetch(port: int, path: str) -> tuple[int, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    cookie = f"tokentrail_token_{port}={TOKEN}"
    conn.request("GET", path, headers={"Cookie": cookie})
    r = conn.getresponse()
    n = len(r.read())
    conn.close()
    return r.status, n


def best(fn: object, runs: int) -> float:  # float ok: seconds
    assert callable(fn)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--size", default="1GB", help="tree size for the generator (default 1GB)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3, help="runs per step; the best is shown")
    args = ap.parse_args()

    from tokentrail.ledger import ingest_claude_code, open_ledger
    from tokentrail.web.server import Dashboard, DashboardServer

    tree = tree_for(args.size, args.seed)
    tree_bytes = sum(p.stat().st_size for p in tree.rglob("*.jsonl"))
    db = WORK / f"dashboard-{args.size}-s{args.seed}.sqlite3"
    with open_ledger(db) as ledger:
        ingest_claude_code(ledger, [tree / "projects"])
        requests = ledger._db.execute("SELECT count(*) FROM records").fetchone()[0]
    srv = DashboardServer(("127.0.0.1", 0), Dashboard(db, TOKEN))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]
    rows: list[tuple[str, float, int]] = []  # float ok: seconds
    for path in PAGES:
        status, size = fetch(port, path)
        assert status == 200, (path, status)
        rows.append((f"GET {path}", best(lambda p=path: fetch(port, p), args.runs), size))
    sid = None
    with open_ledger(db) as ledger:
        got = ledger._db.execute(
            "SELECT session_id FROM records GROUP BY session_id ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
        sid = got[0] if got else None
    if sid:
        path = f"/session?id={sid}"
        _, size = fetch(port, path)
        rows.append(("GET /session (largest)", best(lambda: fetch(port, path), args.runs), size))
    paint = _paint(port, args.runs)
    print(f"tree {args.size} seed {args.seed}: {tree_bytes / 1e9:.2f} GB JSONL, "
          f"{requests:,} records in the ledger; {os.cpu_count()} cores")  # fmt: skip
    w = max(len(r[0]) for r in rows + [(k, 0, 0) for k in paint])
    print(f"| {'step':<{w}} | {'ms':>8} | {'bytes':>10} |")
    print(f"|{'-' * (w + 2)}|{'-' * 10}|{'-' * 12}|")
    for name, secs, size in rows:
        print(f"| {name:<{w}} | {secs * 1000:>8.0f} | {size:>10,} |")
    for name, ms in paint.items():
        shown = f"{ms:>8.0f}" if ms >= 0 else f"{'n/a':>8}"
        print(f"| {name:<{w}} | {shown} | {'':>10} |")
    srv.shutdown()


def _paint(port: int, runs: int) -> dict[str, float]:  # float ok: ms
    if not os.path.exists("/usr/bin/chromium"):
        return {}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {}
    out: dict[str, float] = {}  # float ok: ms
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path="/usr/bin/chromium",
                               args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
        pg = b.new_page()
        pg.goto(f"http://127.0.0.1:{port}/?token={TOKEN}")
        fcp, load = [], []
        for _ in range(runs):
            pg.goto(f"http://127.0.0.1:{port}/")
            fcp.append(
                pg.evaluate(
                    "performance.getEntriesByType('paint')"
                    ".find(e => e.name === 'first-contentful-paint')?.startTime ?? -1"
                )
            )
            load.append(pg.evaluate(
                "performance.getEntriesByType('navigation')[0].loadEventEnd"))  # fmt: skip
        b.close()
    out["overview first contentful paint"] = min(fcp)
    out["overview load event"] = min(load)
    return out


if __name__ == "__main__":
    main()
