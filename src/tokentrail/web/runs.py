"""The runs page: tracked runs (``tokentrail.run`` / ``track``) with their cost and budget,
as ``tokentrail report run`` lists them."""

from __future__ import annotations

from datetime import datetime, timezone

from tokentrail.ledger.runs import RunSummary
from tokentrail.reports.text import usd_cents
from tokentrail.web.charts import hbars
from tokentrail.web.html import esc, num, table

__all__ = ["runs_body"]


def _started(ms: int) -> str:
    secs = ms / 1000  # float ok: an instant
    return datetime.fromtimestamp(secs, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def runs_body(runs: list[RunSummary]) -> str:
    """Every run (children indented under their parent), and spent vs budget."""
    if not runs:
        return (
            '<p class="empty">No tracked runs. Runs come from <code>tokentrail.run(...)</code> '
            "in your code (see the README).</p>"
        )
    parents = {s.run.id: s.run.parent_id for s in runs}
    rows = []
    budgets: list[tuple[str, float, str]] = []  # float ok: bar lengths
    for s in runs:
        depth, p = 0, s.run.parent_id
        while p is not None and depth < 20:
            depth, p = depth + 1, parents.get(p)
        cost = usd_cents(s.cost) + (f" (+{s.unpriced} unpriced)" if s.unpriced else "")
        budget = "-" if s.run.budget is None else usd_cents(s.run.budget)
        share = "-"
        if s.run.budget:
            ratio = s.cost / s.run.budget
            share = f"{ratio * 100:.0f}%"
            budgets.append((s.run.name, float(ratio), f"{share} of {budget}"))  # float ok: bar
        tags = ", ".join(f"{k}={v}" for k, v in s.run.tags.items())
        rows.append(
            [
                '<span class="indent">' + "· " * depth + "</span>" + esc(s.run.name, 80),
                esc(_started(s.run.started_ms)),
                esc(s.run.status),
                num(s.requests),
                esc(cost),
                esc(budget),
                esc(share),
                esc(tags, 120),
            ]
        )
    chart = ""
    if budgets:
        chart = "<section><h2>Spent of budget</h2>" + hbars(budgets[-30:]) + "</section>"
    heads = ("Run", "~Started (UTC)", "~Status", "Requests", "Cost", "Budget", "Spent", "~Tags")
    return chart + table(heads, rows)
