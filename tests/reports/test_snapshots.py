"""Table output at two terminal widths, compared with checked-in snapshots.

Data: the demo generator (seeded, fixed end date) ingested into a fresh ledger. To
refresh after a deliberate change: TOKENTRAIL_UPDATE_SNAPSHOTS=1 pytest tests/reports.
"""

from __future__ import annotations

import io
import os
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from rich.console import Console

from tokentrail.ledger import SQLiteLedger, ingest_claude_code
from tokentrail.reports import ReportOptions, build_report
from tokentrail.reports.render_table import render_table
from tokentrail.sample.demo import write_demo_tree

SNAP = Path(__file__).parent / "snapshots"
END = date(2026, 3, 14)
NOW_MS = int(datetime(2026, 3, 14, 22, 30, tzinfo=timezone.utc).timestamp() * 1000)


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> SQLiteLedger:
    tmp = tmp_path_factory.mktemp("snap")
    write_demo_tree(tmp / "claude", seed=5, days=10, end=END)
    store = SQLiteLedger(tmp / "l.sqlite3")
    ingest_claude_code(store, [tmp / "claude" / "projects"])
    return store


def _render(store: SQLiteLedger, kind: str, width: int, breakdown: bool) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=width, color_system=None, force_terminal=False)
    opts = ReportOptions(tz=timezone.utc, now_ms=NOW_MS)
    render_table(build_report(store, kind, opts), console, breakdown=breakdown)
    return buf.getvalue()


@pytest.mark.parametrize("width", [80, 150])
@pytest.mark.parametrize(
    ("kind", "breakdown"),
    [
        ("daily", False),
        ("session", False),
        ("model", False),
        ("project", True),
        ("blocks", False),
        ("agent", False),
    ],
)
def test_table_snapshot(ledger: SQLiteLedger, kind: str, breakdown: bool, width: int) -> None:
    text = _render(ledger, kind, width, breakdown)
    path = SNAP / f"{kind}_{width}.txt"
    if os.environ.get("TOKENTRAIL_UPDATE_SNAPSHOTS") or not path.exists():
        SNAP.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not os.environ.get("TOKENTRAIL_UPDATE_SNAPSHOTS"):
            pytest.fail(f"snapshot {path.name} was missing: written, check it in")
    assert text == path.read_text(encoding="utf-8")
    assert max(len(line) for line in text.splitlines()) <= width
