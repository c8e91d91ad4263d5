"""The overview page: headline numbers, spend per day by model, tokens by type, a weekday ×
hour heatmap, and the top projects, sessions and models, all from the CLI's reports."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal

from tokentrail.ledger.readonly import ReportReads
from tokentrail.ledger.totals import AggregateQuery, Totals
from tokentrail.reports.build import ReportOptions, build_report, sum_rows
from tokentrail.reports.model import Report, ReportRow, cache_hit_ratio
from tokentrail.reports.text import usd_cents
from tokentrail.web.charts import hbars, heatmap, legend, stacked_bars
from tokentrail.web.html import (
    TOTALS_HEADS,
    amount_text,
    cost_text,
    esc,
    num,
    pct,
    short_model,
    table,
    totals_cells,
)
from tokentrail.web.state import View
from tokentrail.web.team import TeamSource

__all__ = ["overview_body", "range_ms", "session_table"]

_PICO = Decimal(10) ** 12


def range_ms(view: View) -> tuple[int | None, int | None]:
    """UTC ms bounds ``[since, until)`` of the view's local dates."""
    return _ms(view.start, view.zone), _ms(
        view.end + timedelta(days=1) if view.end else None, view.zone
    )


def _ms(d: date | None, tz: tzinfo | None) -> int | None:
    if d is None:
        return None
    if tz is None:
        return int(time.mktime(d.timetuple()) * 1000)
    return int(datetime(d.year, d.month, d.day, tzinfo=tz).timestamp() * 1000)


def _card(label: str, value: str, cls: str = "") -> str:
    return (
        f'<div class="card {cls}"><div class="label">{esc(label)}</div>'
        f'<div class="value">{value}</div></div>'
    )


def cards(t: Totals) -> str:
    """The headline numbers of ``t``."""
    return (
        '<div class="cards">'
        + "".join(
            [
                _card("Cost", f'<span id="total-cost">{esc(amount_text(t))}</span>'),
                _card("Tokens", num(t.total_tokens)),
                _card("Requests", num(t.requests)),
                _card("Cache hit ratio", pct(cache_hit_ratio(t))),
                _card("Flagged", num(t.flagged), "warn" if t.flagged else ""),
                _card("Unpriced", num(t.unpriced), "warn" if t.unpriced else ""),
            ]
        )
        + "</div>"
        + marks(t)
    )


def marks(t: Totals) -> str:
    """What the table marks mean, when they appear (as the CLI tables' footers)."""
    notes = []
    if t.unpriced:
        n = t.unpriced
        notes.append(f"* {n:,} request{'s' if n != 1 else ''} without a price, not in the cost.")
    if t.flagged:
        n, codes = t.flagged, ", ".join(t.flags)
        notes.append(
            f"† {n:,} request{'s' if n != 1 else ''} priced on an assumption: {codes} "
            "(each request's page explains it)."
        )
    return "".join(f'<p class="meta">{esc(n)}</p>' for n in notes)


def daily_chart(daily: Report) -> str:
    """Cost per day stacked by model, with the cumulative line, and its legend."""
    by_day = {r.key: r for r in daily.rows}
    labels = _days(list(by_day)) if daily.kind == "daily" else list(by_day)
    series: dict[str, list[Decimal]] = {}
    for m in daily.models:
        costs = [
            by_day[d].models[m].cost if d in by_day and m in by_day[d].models else Decimal(0)
            for d in labels
        ]
        name = short_model(m)
        old = series.get(name)  # two dated ids of one model share a colour
        series[name] = costs if old is None else [a + b for a, b in zip(old, costs, strict=True)]
    return stacked_bars(labels, series, fmt=usd_cents) + legend(list(series))


def _days(keys: list[str]) -> list[str]:
    """Every ISO day from the first of ``keys`` to the last (days without usage as gaps)."""
    if not keys:
        return []
    first, last = date.fromisoformat(min(keys)), date.fromisoformat(max(keys))
    if (last - first).days > 3660:
        return sorted(keys)
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def token_chart(t: Totals) -> str:
    """Tokens by type as bars."""
    items = [
        ("Input (uncached)", t.input_tokens),
        ("Cache writes", t.cache_creation_tokens),
        ("Cache reads", t.cache_read_tokens),
        ("Output", t.output_tokens),
    ]
    return hbars([(k, float(v), num(v)) for k, v in items])  # float ok: bar length


def hour_grid(
    source: ReportReads | TeamSource, view: View, models: tuple[str, ...], project: str | None
) -> list[list[Decimal]]:
    """Cost per weekday × local hour of the view's usage (from the quarter-hour rollups)."""
    since, until = range_ms(view)
    grid = [[Decimal(0)] * 24 for _ in range(7)]
    for q, pico in source.quarter_costs(since, until, models=models, project=project):
        secs = q * 900
        dt = (
            datetime.fromtimestamp(secs, view.zone)
            if view.zone is not None
            else datetime.fromtimestamp(secs).astimezone()
        )
        grid[dt.weekday()][dt.hour] += Decimal(pico) / _PICO
    return grid


def _session_totals(source: ReportReads | TeamSource, opts: ReportOptions) -> Report:
    """Each session's totals (the session report's rows without its first / last instants,
    which the top ten do not show and which cost a second query)."""
    agg = source.aggregate(
        AggregateQuery("session", opts.tz, opts.since, opts.until, opts.models, opts.project)
    )
    rows = [ReportRow(r.key, r.totals, r.models) for r in agg]
    total, models = sum_rows(rows)
    return Report("session", rows, total, models, "")


def _top(report: Report, link: str | None, view: View, n: int = 10) -> str:
    rows = sorted(report.rows, key=lambda r: r.totals.cost, reverse=True)[:n]
    out = []
    for r in rows:
        label = esc(r.key, 60)
        if link is not None:
            label = f'<a href="{esc(link + view.query(id=r.key))}">{label}</a>'
        out.append(
            [label, num(r.totals.requests), num(r.totals.total_tokens), esc(cost_text(r.totals))]
        )
    if not out:
        return '<p class="empty">Nothing in this range.</p>'
    return table(("~" + report.key_name, "Requests", "Tokens", "Cost"), out)


def session_table(report: Report, view: View | None, *, limit: int | None = None) -> str:
    """The sessions of ``report`` as a table (links to session pages when ``view``)."""
    rows = []
    for r in report.rows[:limit] if limit else report.rows:
        sid = esc(r.key)
        if view is not None:
            sid = f'<a href="{esc("/session" + view.query(id=r.key))}">{esc(r.key, 40)}</a>'
        rows.append(
            [
                sid,
                esc(r.extra.get("project") or "", 60),
                esc(r.extra.get("last_activity") or ""),
                *totals_cells(r.totals),
            ]
        )
    return table(
        ("Session", "~Project", "~Last activity", *TOTALS_HEADS),
        rows,
        foot=["Total", "", "", *totals_cells(report.totals)],
    )


def overview_body(source: ReportReads | TeamSource, view: View, *, links: bool = True) -> str:
    """The overview's HTML (inside ``<main>``)."""
    opts = view.options(source)
    daily = build_report(source, "daily", opts)
    t = daily.totals
    parts = [cards(t)]
    parts.append("<section><h2>Cost per day, by model</h2>" + daily_chart(daily) + "</section>")
    parts.append(
        '<div class="cols"><section><h2>Tokens by type</h2>' + token_chart(t) + "</section>"
        "<section><h2>Cost by weekday and hour</h2>"
        + heatmap(hour_grid(source, view, opts.models, opts.project), fmt=usd_cents)
        + "</section></div>"
    )
    grid = []
    for title, kind in (
        ("Top projects", "project"),
        ("Top sessions", "session"),
        ("Top models", "model"),
        ("Top agents", "agent"),
    ):
        rep = (
            _session_totals(source, opts) if kind == "session" else build_report(source, kind, opts)
        )
        if not links:
            body = _top(rep, None, view)
        elif kind == "project":
            body = _top_projects(rep, view)
        else:
            body = _top(rep, "/session" if kind == "session" else None, view)
        grid.append(f"<section><h2>{esc(title)}</h2>{body}</section>")
    parts.append('<div class="cols">' + "".join(grid) + "</div>")
    return "".join(parts)


def _top_projects(report: Report, view: View, n: int = 10) -> str:
    rows = sorted(report.rows, key=lambda r: r.totals.cost, reverse=True)[:n]
    out = [
        [
            f'<a href="{esc("/" + view.query(project=r.key))}">{esc(r.key, 60)}</a>',
            num(r.totals.requests),
            num(r.totals.total_tokens),
            esc(cost_text(r.totals)),
        ]
        for r in rows
    ]
    if not out:
        return '<p class="empty">Nothing in this range.</p>'
    return table(("~project", "Requests", "Tokens", "Cost"), out)
