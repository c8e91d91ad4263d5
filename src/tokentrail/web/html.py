"""HTML pieces shared by every page: escaping, number formats, tables, the page shell.

Every string from a log (model id, project path, branch, session id, agent type, tag)
goes through :func:`esc` (``html.escape`` with quotes, so it is safe in text and in quoted
attributes alike) and :func:`~tokentrail.reports.text.escape_controls` (control and
invisible characters shown as ``\\xNN``). No page uses an inline script or a ``style``
attribute: the Content-Security-Policy forbids both; presentation comes from classes in
``static/app.css``.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Iterable, Sequence
from decimal import Decimal

from tokentrail.ledger.totals import Totals
from tokentrail.reports.model import cache_hit_ratio, cost_or_none
from tokentrail.reports.text import clip, escape_controls, short_model, usd_cents

__all__ = [
    "NAV",
    "amount_text",
    "cost_text",
    "esc",
    "num",
    "page",
    "pct",
    "short_model",
    "table",
    "totals_cells",
]

#: path -> label of the navigation bar.
NAV: tuple[tuple[str, str], ...] = (
    ("/", "Overview"),
    ("/sessions", "Sessions"),
    ("/report/project", "Projects"),
    ("/report/model", "Models"),
    ("/report/agent", "Agents"),
    ("/report/branch", "Branches"),
    ("/report/daily", "Daily"),
    ("/blocks", "Blocks"),
    ("/runs", "Runs"),
    ("/problems", "Problems"),
    ("/prices", "Prices"),
)


def esc(value: object, limit: int | None = None) -> str:
    """``value`` as HTML text safe in an element and in a quoted attribute (log text:
    controls shown escaped, cut to ``limit`` characters when given)."""
    s = escape_controls(value)
    if limit is not None:
        s = clip(s, limit)
    return html.escape(s, quote=True)


def num(n: int) -> str:
    """``1,234,567``."""
    return f"{n:,}"


def pct(ratio: float | None) -> str:  # float ok: a ratio
    """``42.1%`` or ``-``."""
    return "-" if ratio is None else f"{ratio * 100:.1f}%"


def cost_text(t: Totals) -> str:
    """The cost as the CLI tables show it: ``$1,234.56``, ``*`` when some requests were
    unpriced, ``†`` when some were priced on an assumption, ``unpriced`` when all were
    (never a fake $0)."""
    c = cost_or_none(t)
    if c is None:
        return "unpriced"
    return usd_cents(c) + ("*" if t.unpriced else "") + ("†" if t.flagged else "")


def amount_text(t: Totals) -> str:
    """The cost alone (``$1,234.56``, or ``unpriced`` when no request had a price): the
    headline figure, without the table marks."""
    c = cost_or_none(t)
    return "unpriced" if c is None else usd_cents(c)


def money(value: Decimal | None) -> str:
    """A bare amount as the tables show it (``-`` for None)."""
    return "-" if value is None else usd_cents(value)


def totals_cells(t: Totals) -> list[str]:
    """The numeric cells of a report row (already HTML)."""
    return [
        num(t.requests),
        num(t.input_tokens),
        num(t.output_tokens),
        num(t.cache_creation_tokens),
        num(t.cache_read_tokens),
        num(t.total_tokens),
        pct(cache_hit_ratio(t)),
        esc(cost_text(t)),
    ]


TOTALS_HEADS = (
    "Requests",
    "Input",
    "Output",
    "Cache write",
    "Cache read",
    "Total tokens",
    "Cache hit",
    "Cost",
)


def table(
    heads: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    foot: Sequence[str] | None = None,
    cls: str = "data",
    head_links: Sequence[str | None] | None = None,
) -> str:
    """A ``<table>``; cells are HTML already (escape log text first); columns after the
    first are numeric (right aligned) unless their head starts with ``~``."""

    numeric = [i > 0 and not h.startswith("~") for i, h in enumerate(heads)]

    def cell(tag: str, i: int, text: str) -> str:
        if i < len(numeric) and numeric[i]:
            return f'<{tag} class="num">{text}</{tag}>'
        return f"<{tag}>{text}</{tag}>"

    hs = []
    for i, h in enumerate(heads):
        label = esc(h.removeprefix("~"))
        link = head_links[i] if head_links else None
        if link is not None:
            label = f'<a href="{esc(link)}">{label}</a>'
        hs.append(cell("th", i, label))
    out = [f'<table class="{cls}"><thead><tr>{"".join(hs)}</tr></thead><tbody>']
    for r in rows:
        out.append("<tr>" + "".join(cell("td", i, c) for i, c in enumerate(r)) + "</tr>")
    out.append("</tbody>")
    if foot is not None:
        out.append("<tfoot><tr>" + "".join(cell("td", i, c) for i, c in enumerate(foot)))
        out.append("</tr></tfoot>")
    out.append("</table>")
    return "".join(out)


def page(
    title: str,
    body: str,
    *,
    active: str = "",
    picker: str = "",
    query: str = "",
    inline_css: str | None = None,
    live: bool = True,
    nav: tuple[tuple[str, str], ...] = NAV,
) -> str:
    """A whole HTML document. ``inline_css`` (a self-contained file): the stylesheet in a
    ``<style>`` element and no script; otherwise the packaged CSS and JS by URL."""
    if inline_css is None:
        head = (
            '<link rel="stylesheet" href="/static/app.css">'
            '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
        )
        if live:
            head += '<script src="/static/app.js" defer></script>'
        on = ' class="on"'
        links = "".join(
            f'<a href="{esc(path + query)}"{on if path == active else ""}>{esc(label)}</a>'
            for path, label in nav
        )
        bar = f'<nav class="nav"><span class="brand">tokentrail</span>{links}</nav>'
    else:
        # The file carries its own policy: no script at all, only this exact stylesheet.
        digest = base64.b64encode(hashlib.sha256(inline_css.encode()).digest()).decode()
        policy = f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:; base-uri 'none'"
        head = (
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
            f"<style>{inline_css}</style>"
        )
        bar = '<nav class="nav"><span class="brand">tokentrail</span></nav>'
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} · tokentrail</title>{head}</head>"
        f'<body>{bar}<main id="main"><h1>{esc(title)}</h1>{picker}{body}</main></body></html>'
    )
