"""Charts as inline SVG, drawn in Python (no chart library, no script, no CDN).

Each function returns one ``<svg>`` element sized by its ``viewBox`` (the CSS makes it
fill the width). Labels and tooltips (``<title>``) that come from logs are escaped with
:func:`~tokentrail.web.html.esc`. Pixel positions are inexact numbers for drawing only;
the amounts shown as text are formatted from the exact :class:`~decimal.Decimal` values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from tokentrail.web.html import esc

__all__ = ["PALETTE", "color", "hbars", "heatmap", "line_chart", "stacked_bars", "timeline"]

PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)


def color(i: int) -> str:
    """The ``i``-th series colour."""
    return PALETTE[i % len(PALETTE)]


def _f(x: float) -> str:  # float ok: a pixel coordinate
    return f"{x:.1f}"


def stacked_bars(
    labels: Sequence[str],
    series: Mapping[str, Sequence[Decimal]],
    *,
    fmt: object = str,
    cumulative: bool = True,
    width: int = 900,
    height: int = 260,
) -> str:
    """Bars per label stacked by series (e.g. cost per day by model) and, when
    ``cumulative``, a line of the running total on its own scale (right)."""
    assert callable(fmt)
    n = len(labels)
    if n == 0:
        return '<p class="empty">No data in this range.</p>'
    left, right, top, bottom = 56, 64, 12, 28
    pw, ph = width - left - right, height - top - bottom
    totals = [sum((s[i] for s in series.values()), Decimal(0)) for i in range(n)]
    peak = float(max(totals)) or 1.0  # float ok: drawing scale
    running: list[Decimal] = []
    acc = Decimal(0)
    for t in totals:
        acc += t
        running.append(acc)
    cum_peak = float(acc) or 1.0  # float ok: drawing scale
    bw = pw / n  # float ok: pixels
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{esc("stacked by series")}</title>'
    ]
    for frac in (0.0, 0.5, 1.0):
        y = top + ph * (1 - frac)
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{_f(y)}" y2="{_f(y)}" class="grid"/>')
        out.append(
            f'<text x="{left - 4}" y="{_f(y + 4)}" text-anchor="end" class="axis">'
            f"{esc(fmt(Decimal(str(round(peak * frac, 2)))))}</text>"
        )
    for i, label in enumerate(labels):
        x = left + i * bw
        y0 = float(top + ph)  # float ok: pixels
        for si, (name, values) in enumerate(series.items()):
            v = values[i]
            if not v:
                continue
            h = ph * float(v) / peak  # float ok: pixels
            y0 -= h
            out.append(
                f'<rect x="{_f(x + bw * 0.1)}" y="{_f(y0)}" width="{_f(max(bw * 0.8, 1))}" '
                f'height="{_f(h)}" fill="{color(si)}"><title>{esc(label)} {esc(name)}: '
                f"{esc(fmt(v))}</title></rect>"
            )
    longest = max(len(x) for x in labels) * 7 + 16  # pixels a label needs, roughly
    step = max(1, -(-n * longest // pw))
    for i in range(0, n, step):
        out.append(
            f'<text x="{_f(left + i * bw + bw / 2)}" y="{height - 8}" text-anchor="middle" '
            f'class="axis">{esc(labels[i])}</text>'
        )
    if cumulative:
        pts = " ".join(
            f"{_f(left + i * bw + bw / 2)},{_f(top + ph * (1 - float(c) / cum_peak))}"  # float ok
            for i, c in enumerate(running)
        )
        out.append(f'<polyline points="{pts}" class="cumline" fill="none" stroke="#333"/>')
        out.append(
            f'<text x="{width - 4}" y="{top + 10}" text-anchor="end" class="axis">'
            f"{esc('cumulative ' + str(fmt(acc)))}</text>"
        )
    out.append("</svg>")
    return "".join(out)


def legend(names: Sequence[str]) -> str:
    """A colour key for the series ``names`` (as :func:`stacked_bars` colours them)."""
    items = "".join(
        f'<li><svg class="swatch" viewBox="0 0 10 10" width="10" height="10">'
        f'<rect width="10" height="10" fill="{color(i)}"/></svg>{esc(n)}</li>'
        for i, n in enumerate(names)
    )
    return f'<ul class="legend">{items}</ul>'


def hbars(items: Sequence[tuple[str, float, str]], *, width: int = 600) -> str:  # float ok
    """Horizontal bars: (label, size, text shown) each, longest first as given."""
    if not items:
        return '<p class="empty">No data.</p>'
    row, label_w = 22, 220
    height = row * len(items) + 4
    peak = max(v for _, v, _ in items) or 1.0
    out = [
        f'<svg class="chart hbars" viewBox="0 0 {width} {height}" role="img" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (label, v, text) in enumerate(items):
        y = i * row + 2
        w = (width - label_w - 110) * v / peak
        out.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" class="label">'
            f"{esc(label, 32)}<title>{esc(label)}</title></text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{_f(max(w, 1))}" height="{row - 6}" '
            f'fill="{color(i)}"/>'
            f'<text x="{_f(label_w + max(w, 1) + 6)}" y="{y + 15}" class="label">{esc(text)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def heatmap(grid: Sequence[Sequence[Decimal]], *, fmt: object = str) -> str:
    """A weekday × hour grid (7 rows of 24 values), darker for more."""
    assert callable(fmt)
    cell, left, top = 26, 40, 18
    width, height = left + 24 * cell + 4, top + 7 * cell + 4
    peak = max((float(v) for r in grid for v in r), default=0.0) or 1.0  # float ok: scale
    out = [
        f'<svg class="chart heat" viewBox="0 0 {width} {height}" role="img" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    for h in range(0, 24, 3):
        out.append(f'<text x="{left + h * cell + 2}" y="12" class="axis">{h:02d}h</text>')
    for d, r in enumerate(grid):
        y = top + d * cell
        out.append(
            f'<text x="{left - 6}" y="{y + 17}" text-anchor="end" class="axis">{_DAYS[d]}</text>'
        )
        for h, v in enumerate(r):
            level = float(v) / peak  # float ok: shade
            out.append(
                f'<rect x="{left + h * cell}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                f'fill="#4e79a7" fill-opacity="{0.06 + 0.94 * level:.2f}">'
                f"<title>{_DAYS[d]} {h:02d}:00 {esc(fmt(v))}</title></rect>"
            )
    out.append("</svg>")
    return "".join(out)


def line_chart(
    values: Sequence[int],
    *,
    marks: Sequence[tuple[int, str]] = (),
    tips: Sequence[str] = (),
    events: Sequence[tuple[int, str]] = (),
    width: int = 900,
    height: int = 240,
) -> str:
    """Points per index (e.g. context tokens per request), with horizontal ``marks``
    (value, label) such as the 200K window, drawn when within twice the data's peak."""
    if not values:
        return '<p class="empty">No requests.</p>'
    left, right, top, bottom = 64, 12, 12, 20
    pw, ph = width - left - right, height - top - bottom
    peak = max(values)
    shown = [(v, lab) for v, lab in marks if v <= peak * 2]
    scale = float(max([peak, *(v for v, _ in shown)]) or 1)  # float ok: drawing scale
    n = len(values)
    dx = pw / max(n - 1, 1)  # float ok: pixels

    def y(v: int) -> float:  # float ok: pixels
        return top + ph * (1 - v / scale)

    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    for v, lab in shown:
        out.append(
            f'<line x1="{left}" x2="{left + pw}" y1="{_f(y(v))}" y2="{_f(y(v))}" class="mark"/>'
            f'<text x="{left + pw}" y="{_f(y(v) - 3)}" text-anchor="end" class="axis">'
            f"{esc(lab)}</text>"
        )
    for pos, lab in events:
        x = left + pos * dx
        out.append(
            f'<line x1="{_f(x)}" x2="{_f(x)}" y1="{top}" y2="{top + ph}" class="event">'
            f"<title>{esc(lab)}</title></line>"
        )
    out.append(f'<text x="{left - 4}" y="{top + 8}" text-anchor="end" class="axis">{peak:,}</text>')
    pts = " ".join(f"{_f(left + i * dx)},{_f(y(v))}" for i, v in enumerate(values))
    out.append(f'<polyline points="{pts}" fill="none" stroke="#4e79a7" class="ctxline"/>')
    if n <= 400:
        for i, v in enumerate(values):
            tip = tips[i] if i < len(tips) else f"{v:,}"
            out.append(
                f'<circle cx="{_f(left + i * dx)}" cy="{_f(y(v))}" r="2.5" fill="#4e79a7">'
                f"<title>{esc(tip)}</title></circle>"
            )
    out.append("</svg>")
    return "".join(out)


def timeline(
    spans: Sequence[tuple[int, int, Decimal, str, bool]],
    *,
    fmt: object = str,
    width: int = 900,
    height: int = 200,
) -> str:
    """Spans (start ms, end ms, amount, label, highlighted) on a time axis, each as tall
    as its amount (e.g. 5-hour blocks by cost, the active one highlighted)."""
    assert callable(fmt)
    if not spans:
        return '<p class="empty">No blocks in this range.</p>'
    left, right, top, bottom = 12, 12, 12, 24
    pw, ph = width - left - right, height - top - bottom
    t0 = min(s[0] for s in spans)
    t1 = max(s[1] for s in spans)
    extent = max(t1 - t0, 1)
    peak = max(float(s[2]) for s in spans) or 1.0  # float ok: drawing scale
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        'xmlns="http://www.w3.org/2000/svg">'
        f'<line x1="{left}" x2="{left + pw}" y1="{top + ph}" y2="{top + ph}" class="grid"/>'
    ]
    for start, end, amount, label, hot in spans:
        x = left + pw * (start - t0) / extent
        w = max(pw * (end - start) / extent, 1.5)
        h = max(ph * float(amount) / peak, 1.0)  # float ok: pixels
        fill = "#e15759" if hot else "#4e79a7"
        out.append(
            f'<rect x="{_f(x)}" y="{_f(top + ph - h)}" width="{_f(w)}" height="{_f(h)}" '
            f'fill="{fill}"><title>{esc(label)}: {esc(fmt(amount))}</title></rect>'
        )
    for ms, anchor, x in ((t0, "start", left), (t1, "end", left + pw)):
        when = _day(ms)
        out.append(
            f'<text x="{x}" y="{height - 6}" text-anchor="{anchor}" class="axis">{esc(when)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _day(ms: int) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(ms // 1000, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
