"""The pages besides the overview: sessions (list and one session), one page per report
kind, blocks, problems and prices. Each returns the HTML inside ``<main>``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from tokentrail.errors import UserInputError
from tokentrail.ledger.readonly import ReadOnlyLedger
from tokentrail.reports.build import ReportSource, build_report
from tokentrail.reports.model import KINDS, Report, ReportRow
from tokentrail.reports.text import usd_cents
from tokentrail.web.charts import hbars, stacked_bars, timeline
from tokentrail.web.context import context_section
from tokentrail.web.html import TOTALS_HEADS, cost_text, esc, num, short_model, table, totals_cells
from tokentrail.web.overview import cards, daily_chart, session_table
from tokentrail.web.state import PERIODS, View
from tokentrail.web.team import TeamSource

__all__ = [
    "GENERIC_KINDS",
    "blocks_body",
    "kind_body",
    "picker",
    "prices_body",
    "problems_body",
    "session_body",
    "sessions_body",
]

#: report kinds with a generic page at ``/report/<kind>``.
GENERIC_KINDS = ("project", "model", "agent", "branch", "daily", "weekly", "monthly")
#: and the team dimensions (on a team ledger only).
TEAM_KINDS = ("user", "machine")
#: The ledgers a page reads (the session page's context curve and request links).
_PAGE_SOURCES = (ReadOnlyLedger, TeamSource)

_PICO = Decimal(10) ** 12

#: Sessions listed before a "show all" link (the totals always count every one).
SESSION_ROWS = 500

#: sort key name -> (label, key of a row)
_SORTS = {
    "last": lambda r: (str(r.extra.get("last_activity") or ""), r.key),
    "cost": lambda r: (r.totals.cost, r.key),
    "tokens": lambda r: (r.totals.total_tokens, r.key),
    "requests": lambda r: (r.totals.requests, r.key),
    "session": lambda r: (r.key,),
    "project": lambda r: (str(r.extra.get("project") or ""), r.key),
}


def picker(
    view: View, path: str, extra: Mapping[str, str] | None = None, *, team: bool = False
) -> str:
    """The period / zone / filter form (GET, so the URL keeps the view); ``team``: with the
    user and machine filters of a team ledger."""
    opts = "".join(
        f'<option value="{k}"{" selected" if k == view.period else ""}>{esc(v)}</option>'
        for k, v in PERIODS.items()
    )
    hidden = "".join(
        f'<input type="hidden" name="{esc(k)}" value="{esc(v)}">' for k, v in (extra or {}).items()
    )
    return (
        f'<form class="picker" method="get" action="{esc(path)}">{hidden}'
        f'<label>Period <select name="period">{opts}</select></label>'
        f'<label>Since <input type="date" name="since" value="{esc(view.since)}"></label>'
        f'<label>Until <input type="date" name="until" value="{esc(view.until)}"></label>'
        f'<label>Time zone <input name="tz" size="12" placeholder="local" value="{esc(view.tz)}">'
        "</label>"
        f'<label>Project <input name="project" value="{esc(view.project)}"></label>'
        f'<label>Model <input name="model" size="12" value="{esc(view.model)}"></label>'
        + (
            f'<label>User <input name="user" size="10" value="{esc(view.user)}"></label>'
            f'<label>Machine <input name="machine" size="10" value="{esc(view.machine)}">'
            "</label>"
            if team
            else ""
        )
        + '<button type="submit">Apply</button></form>'
    )


def sessions_body(source: ReportSource, view: View, params: Mapping[str, str]) -> str:
    """The session list: sortable (``?sort=cost&dir=desc``) and searchable (``?q=``)."""
    report = build_report(source, "session", view.options(source))
    q = params.get("q", "").strip().lower()
    sort = params.get("sort", "last")
    desc = params.get("dir", "desc") != "asc"
    rows = [
        r
        for r in report.rows
        if not q or q in r.key.lower() or q in str(r.extra.get("project") or "").lower()
    ]
    rows.sort(key=_SORTS.get(sort, _SORTS["last"]), reverse=desc)
    everything = params.get("all") == "1"
    order = "desc" if desc else "asc"
    link_all = "/sessions" + view.query(sort=sort, dir=order, q=params.get("q", ""), all="1")
    shown = Report(
        report.kind,
        rows if everything else rows[:SESSION_ROWS],
        report.totals,
        report.models,
        report.timezone,
    )

    def link(name: str) -> str:
        d = "asc" if sort == name and desc else "desc"
        return "/sessions" + view.query(sort=name, dir=d, q=params.get("q", ""))

    search = (
        '<form class="search" method="get" action="/sessions">'
        + "".join(
            f'<input type="hidden" name="{esc(k)}" value="{esc(v)}">'
            for k, v in view.params(sort=sort, dir="desc" if desc else "asc").items()
        )
        + f'<input name="q" placeholder="session id or project" value="{esc(params.get("q", ""))}">'
        "<button>Search</button></form>"
    )
    sort_links = " · ".join(
        f'<a href="{esc(link(k))}">{esc(k)}</a>'
        for k in ("last", "cost", "tokens", "requests", "session", "project")
    )
    return (
        cards(report.totals)
        + search
        + f'<p class="sorts">Sort by: {sort_links} ({len(rows):,} sessions)</p>'
        + session_table(shown, view)
        + (
            f'<p class="more">Showing {SESSION_ROWS:,} of {len(rows):,}: '
            f'<a href="{esc(link_all)}">show all</a></p>'
            if len(rows) > SESSION_ROWS and not everything
            else ""
        )
    )


def session_body(source: ReportSource, view: View, session_id: str) -> str:
    """One session: its totals, context size per request (200K / 1M lines), cost per
    request, and the table of its requests."""
    if not session_id:
        raise UserInputError("no session id (?id=...)")
    opts = view.options(source, session_id=session_id)
    report = build_report(source, "session", opts)
    row: ReportRow | None = next((r for r in report.rows if r.key == session_id), None)
    if row is None:
        return f'<p class="empty">No usage for session {esc(session_id)} in this range.</p>'
    from tokentrail.web.overview import range_ms

    since, until = range_ms(view)
    span = source.session_spans(since, until, models=opts.models, project=opts.project).get(
        session_id
    )
    if span is not None:  # read only the session's own stretch of time
        since, until = span[0], span[1] + 1
    points = [
        p
        for p in source.usage_points(since, until, models=opts.models, project=opts.project)
        if p.session_id == session_id and not p.synthetic
    ]
    context = context_section(source, session_id) if isinstance(source, _PAGE_SOURCES) else ""
    costs = [
        Decimal(p.cost_pico) / _PICO if p.cost_pico is not None else Decimal(0) for p in points
    ]
    cost_chart = stacked_bars(
        [_when(p.ts_ms, view) for p in points], {"cost": costs}, fmt=usd_cents
    )
    ids: dict[tuple[int, str], str | None] = {}
    if points and isinstance(source, _PAGE_SOURCES):
        ids = source.message_ids(session_id, points[0].ts_ms, points[-1].ts_ms + 1)
    rows = []
    for p, c in zip(points[-2000:], costs[-2000:], strict=True):
        when = esc(_when(p.ts_ms, view))
        mid = ids.get((p.ts_ms, p.model))
        if mid:
            when = f'<a href="{esc("/request" + view.query(id=mid))}">{when}</a>'
        rows.append(
            [
                when,
                esc(short_model(p.model)),
                "subagent" if p.is_sidechain else "main",
                num(p.input_tokens),
                num(p.cache_creation_tokens),
                num(p.cache_read_tokens),
                num(p.output_tokens),
                num(p.input_tokens + p.cache_creation_tokens + p.cache_read_tokens),
                esc("unpriced" if p.cost_pico is None else usd_cents(c)),
                esc(p.price_flags or ""),
            ]
        )
    note = (
        f"<p>Showing the last 2,000 of {len(points):,} requests.</p>" if len(points) > 2000 else ""
    )
    return (
        f'<p class="meta">Session <code>{esc(session_id)}</code> · project '
        f"<code>{esc(row.extra.get('project') or '')}</code> · "
        f"{esc(row.extra.get('first_activity') or '')} → "
        f"{esc(row.extra.get('last_activity') or '')}</p>"
        + cards(row.totals)
        + context
        + "<section><h2>Cost per request</h2>"
        + cost_chart
        + "</section><section><h2>Requests</h2>"
        + note
        + table(
            (
                "~Time",
                "~Model",
                "~Thread",
                "Input",
                "Cache write",
                "Cache read",
                "Output",
                "Context",
                "Cost",
                "~Flags",
            ),
            rows,
            cls="data requests",
        )
        + "</section>"
    )


def _when(ms: int, view: View) -> str:
    secs = ms / 1000  # float ok: a timestamp
    dt = datetime.fromtimestamp(secs, view.zone) if view.zone else datetime.fromtimestamp(secs)
    return dt.strftime("%Y-%m-%d %H:%M:%S")


def kind_body(source: ReportSource, view: View, kind: str) -> str:
    """A report kind as a chart of cost per key and the table the CLI prints."""
    if kind not in GENERIC_KINDS + TEAM_KINDS:
        raise UserInputError(f"unknown report {kind!r}")
    report = build_report(source, kind, view.options(source))
    chart: str
    if kind in ("daily", "weekly", "monthly"):
        chart = daily_chart(report)
    else:
        top = sorted(report.rows, key=lambda r: r.totals.cost, reverse=True)[:20]
        chart = hbars(
            [(r.key, float(r.totals.cost), cost_text(r.totals)) for r in top]  # float ok: bar
        )
    rows = [[_key_cell(report, r, view), *totals_cells(r.totals)] for r in report.rows]
    return (
        cards(report.totals)
        + f"<section><h2>{esc(KINDS[kind][2])}</h2>{chart}</section>"
        + table(
            ("~" + report.key_name, *TOTALS_HEADS),
            rows,
            foot=["Total", *totals_cells(report.totals)],
        )
    )


def _key_cell(report: Report, r: ReportRow, view: View) -> str:
    if report.kind == "project":
        return f'<a href="{esc("/" + view.query(project=r.key))}">{esc(r.key, 80)}</a>'
    if report.kind == "model":
        return f'<a href="{esc("/" + view.query(model=r.key))}">{esc(r.key, 80)}</a>'
    if report.kind in TEAM_KINDS:
        return f'<a href="{esc("/" + view.query(**{report.kind: r.key}))}">{esc(r.key, 80)}</a>'
    return esc(r.key, 80)


def blocks_body(source: ReportSource, view: View) -> str:
    """5-hour blocks: cost per block, and the active one's burn rate and projection."""
    report = build_report(source, "blocks", view.options(source))
    rows = []
    active = ""
    for r in report.rows:
        x = r.extra
        rows.append(
            [
                esc(r.key),
                esc(x.get("block_end") or ""),
                "active" if x.get("is_active") else "",
                *totals_cells(r.totals),
            ]
        )
        if x.get("is_active"):
            rate = x.get("cost_per_hour_usd")
            proj = x.get("projected_cost_usd")
            active = (
                '<p class="active">Active block: '
                f"{esc(x.get('remaining_minutes'))} min left · burn "
                f"{esc(usd_cents(rate) if isinstance(rate, Decimal) else '-')}/h · projected "
                f"{esc(usd_cents(proj) if isinstance(proj, Decimal) else '-')}</p>"
            )
    spans = []
    for r in report.rows:
        start = datetime.fromisoformat(r.key)
        end = datetime.fromisoformat(str(r.extra.get("block_end") or r.key))
        label = f"{r.key[:16].replace('T', ' ')} ({r.totals.requests:,} requests)"
        spans.append(
            (
                int(start.timestamp() * 1000),
                int(end.timestamp() * 1000),
                r.totals.cost,
                label,
                bool(r.extra.get("is_active")),
            )
        )
    chart = timeline(spans, fmt=usd_cents)
    return (
        cards(report.totals)
        + active
        + f"<section><h2>Blocks on a timeline, as tall as their cost</h2>{chart}</section>"
        + table(("~Start", "~End", "~State", *TOTALS_HEADS), rows)
    )


def problems_body(problems: list[tuple[str, int, str, str, str]]) -> str:
    """The skipped log lines, grouped by file."""
    if not problems:
        return '<p class="empty">No problems: every line read was usable.</p>'
    by_file: dict[str, list[tuple[str, int, str, str, str]]] = {}
    for p in problems:
        by_file.setdefault(p[0], []).append(p)
    out = [f"<p>{len(problems):,} skipped lines in {len(by_file):,} files.</p>"]
    for f, ps in by_file.items():
        rows = [
            [num(line), esc(field), esc(kind), esc(msg, 200)] for _, line, field, kind, msg in ps
        ]
        out.append(f"<section><h2><code>{esc(f)}</code></h2>")
        out.append(table(("Line", "~Field", "~Kind", "~Message"), rows))
        out.append("</section>")
    return "".join(out)


def prices_body() -> str:
    """The packaged price catalog (with the user's override file), as ``tokentrail prices``."""
    from tokentrail.pricing import load_catalog
    from tokentrail.pricing.breakdown import rate_str
    from tokentrail.pricing.schema import COMPONENTS

    catalog = load_catalog(None)
    rows = []
    for mid in catalog.models:
        for r in catalog.rows[mid]:
            rates = ["-" if (v := r.rate(c)) is None else esc(rate_str(v)) for c in COMPONENTS]
            prompt = f">{r.above_prompt_tokens:,}" if r.above_prompt_tokens else ""
            rows.append(
                [
                    esc(mid),
                    esc(r.kind),
                    esc(f"{r.effective_from}..{r.effective_to or ''}"),
                    esc(prompt),
                    *rates,
                    esc(r.confidence),
                    _source_link(r.source),
                ]
            )
    return "<p>USD per million tokens (MTok).</p>" + table(
        (
            "Model",
            "~Kind",
            "~Window (UTC days)",
            "Prompt",
            "Input",
            "5m write",
            "1h write",
            "Read",
            "Output",
            "~Confidence",
            "~Source",
        ),
        rows,
    )


def _source_link(source: str) -> str:
    """A link to a price row's source when it is a web address, else its text."""
    if source.startswith(("https://", "http://")):
        return f'<a href="{esc(source)}" rel="noreferrer">source</a>'
    return esc(source, 60)
