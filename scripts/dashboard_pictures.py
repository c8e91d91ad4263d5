"""Render every dashboard page to PNG with headless Chromium, from a generated demo ledger.

    python scripts/dashboard_pictures.py              # into docs/images/
    python scripts/dashboard_pictures.py --out DIR --all

The log tree comes from the package's generator (``python -m tokentrail.sample``, a fixed
seed, so the pictures only change when the pages do), ingested into a temporary ledger and
served in this process on 127.0.0.1. Needs Playwright and ``/usr/bin/chromium``. Without
``--all`` only the overview (the README's picture) is written.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAGES = {
    "overview": "/?tz=UTC",
    "sessions": "/sessions?tz=UTC&sort=cost",
    "session": None,  # the most expensive session, found on the sessions page
    "projects": "/report/project?tz=UTC",
    "models": "/report/model?tz=UTC",
    "blocks": "/blocks?period=all&tz=UTC",
    "prices": "/prices",
}


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "images")
    ap.add_argument("--all", action="store_true", help="every page, not only the overview")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from tokentrail.ledger import SQLiteLedger
    from tokentrail.ledger.sync import ingest_claude_code
    from tokentrail.sample import main as sample_main
    from tokentrail.web.server import Dashboard, DashboardServer

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tokentrail-pictures-") as tmp:
        tree, db = Path(tmp) / "tree", Path(tmp) / "ledger.sqlite3"
        assert sample_main([str(tree), "--size", "5MB", "--seed", "7", "--quiet"]) == 0
        with SQLiteLedger(db) as ledger:
            ingest_claude_code(ledger, [tree / "projects"], workers=1)
        srv = DashboardServer(("127.0.0.1", 0), Dashboard(db, "pictures"))
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{srv.server_address[1]}"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
            )
            pg = browser.new_page(viewport={"width": 1280, "height": 900})
            pg.goto(f"{base}/?token=pictures")
            names = list(PAGES) if args.all else ["overview"]
            for name in names:
                path = PAGES[name]
                if path is None:
                    pg.goto(f"{base}/sessions?tz=UTC&sort=cost")
                    pg.locator("table.data tbody a").first.click()
                else:
                    pg.goto(base + path)
                pg.wait_for_load_state("load")
                target = args.out / f"dashboard-{name}.png"
                pg.screenshot(path=str(target), full_page=name != "session")
                print(target.relative_to(REPO) if target.is_relative_to(REPO) else target)
            browser.close()
        srv.shutdown()
        srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
