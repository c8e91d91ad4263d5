"""``tokentrail report --html FILE``: the overview and the session list as one
self-contained HTML file (the stylesheet inline, charts as inline SVG, no script, no
links back to a server), to attach to a message or a ticket."""

from __future__ import annotations

from tokentrail.ledger.readonly import ReportReads
from tokentrail.reports.build import build_report
from tokentrail.web.html import esc, page
from tokentrail.web.overview import overview_body, session_table
from tokentrail.web.server import packaged_css
from tokentrail.web.state import PERIODS, View
from tokentrail.web.team import TeamSource

__all__ = ["report_html"]


def report_html(source: ReportReads | TeamSource, view: View, *, generated: str = "") -> str:
    """The whole document for ``view`` over ``source``."""
    sessions = build_report(source, "session", view.options(source))
    rows = list(reversed(sessions.rows))  # latest activity first
    shown = type(sessions)(sessions.kind, rows, sessions.totals, sessions.models,
                           sessions.timezone)  # fmt: skip
    what = PERIODS[view.period]
    if view.period == "custom":
        what = f"{view.start or '…'} to {view.end or '…'}"
    meta = f"{what} · time zone {sessions.timezone}"
    if view.project:
        meta += f" · project {view.project}"
    if view.model:
        meta += f" · model {view.model}"
    if generated:
        meta += f" · generated {generated}"
    body = (
        f'<p class="meta">{esc(meta)}</p>'
        + overview_body(source, view, links=False)
        + f"<section><h2>Sessions ({len(rows):,})</h2>{session_table(shown, None)}</section>"
    )
    return page("Claude usage report", body, inline_css=packaged_css(), live=False)
