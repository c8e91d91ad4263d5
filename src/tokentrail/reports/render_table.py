"""Rich table rendering of a report, responsive to the terminal's width.

* ``full`` (>= 140 columns): models, uncached input, output, 5-minute and 1-hour cache
  writes, cache reads, total, cache hit ratio and cost;
* ``normal`` (>= 100): one cache-write column, no hit ratio;
* ``compact`` (>= 80): no models column, token counts abbreviated (``1.2M``);
* ``narrow`` (under 80): as compact without the cache write / read columns (their tokens
  stay in Total), so the key column keeps room for a readable label.

Session rows are labelled with the shortest prefix of the session id (8 characters at
least) that tells the report's sessions apart, the whole id in ``full``.

Cost is shown to the cent (rounded half-up, as everywhere); ``*`` marks a cost that leaves
unpriced requests out and ``unpriced`` a row with no priced request (never $0); ``†``
marks a cost that includes requests priced on an assumption (price flags), and a footer
names their flag codes. Text
from logs (paths, branches, model ids) is escaped: no control characters, no rich markup.
Colour follows rich's rules (none when stdout is not a terminal or ``NO_COLOR`` is set).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tokentrail.ledger import Totals
from tokentrail.reports.fit import fit_table
from tokentrail.reports.model import Report, ReportRow, cache_hit_ratio, cost_or_none
from tokentrail.reports.text import clip, escape_controls, short_model, usd_cents

__all__ = [
    "FLAG_MARK",
    "Mode",
    "flags_footer",
    "mode_for_width",
    "print_table",
    "render_table",
    "safe",
    "short_model",
]

Mode = Literal["full", "normal", "compact", "narrow"]

#: The mark of a cost that includes requests priced on an assumption.
FLAG_MARK = "†"


def safe(text: object) -> str:
    """``text`` for a table cell: control and invisible characters escaped (see
    :mod:`tokentrail.reports.text`), cut at :data:`~tokentrail.reports.text.MAX_TEXT`
    characters, rich markup escaped (consoles are made with ``emoji=False``, so no
    ``:name:`` becomes an emoji either)."""
    return escape(clip(escape_controls(text)))


def mode_for_width(width: int) -> Mode:
    """The layout for a terminal ``width`` columns wide."""
    if width >= 140:
        return "full"
    if width >= 100:
        return "normal"
    if width >= 80:
        return "compact"
    return "narrow"


_UNITS = ((10**3, "K"), (10**6, "M"), (10**9, "B"), (10**12, "T"))


def _abbrev(n: int) -> str:
    """``n`` to one decimal of the largest unit it reaches (``1.2M``), rounded half-up in
    integers; a value that rounds up to 1000 of a unit is shown in the next (``999,950`` →
    ``1.0M``, never ``1000.0K``). Under 1000: the plain number."""
    a, sign = abs(n), "-" if n < 0 else ""
    if a < 1000:
        return str(n)
    i = max(k for k, (size, _) in enumerate(_UNITS) if a >= size)
    while True:
        size, suffix = _UNITS[i]
        tenths = (a * 10 + size // 2) // size
        if tenths < 10_000 or i == len(_UNITS) - 1:
            return f"{sign}{tenths // 10}.{tenths % 10}{suffix}"
        i += 1


def _cost(t: Totals) -> str:
    c = cost_or_none(t)
    if c is None:
        return "unpriced"
    s = usd_cents(c)
    return s + ("*" if t.unpriced else "") + (FLAG_MARK if t.flagged else "")


def flags_footer(t: Totals) -> str:
    """The footer line naming the flagged requests of ``t`` and their flag codes."""
    n = t.flagged
    return (
        f"{FLAG_MARK} {n} request{'s' if n != 1 else ''} priced on an assumption: "
        f"{', '.join(safe(c) for c in t.flags)} (`tokentrail explain ID` says why)."
    )


def _id_prefix(keys: list[str], least: int = 8) -> int:
    """The shortest prefix length (``least`` at the fewest) that keeps ``keys`` distinct."""
    distinct = set(keys)
    longest = max((len(k) for k in distinct), default=0)
    n = least
    while n < longest and len({k[:n] for k in distinct}) < len(distinct):
        n += 1
    return n


def _key_label(report: Report, r: ReportRow, mode: Mode, id_len: int = 8) -> str:
    if report.kind == "session":
        project = str(r.extra.get("project") or "")
        name = project.rstrip("/").rsplit("/", 1)[-1]
        sid = r.key if mode == "full" else r.key[:id_len]
        return f"{sid} {name}".strip()
    if report.kind == "project":
        return r.key if mode == "full" else r.key.rstrip("/").rsplit("/", 1)[-1] or r.key
    if report.kind == "blocks":
        label = r.key[:16].replace("T", " ")
        return label + (" (active)" if r.extra.get("is_active") else "")
    if report.kind == "model":
        return r.key if mode in ("full", "normal") else short_model(r.key)
    if report.kind == "branch":
        return r.key or "(none)"
    return r.key


def _synthetic_only(model: str, t: Totals) -> bool:
    """A ``<synthetic>`` row with nothing in it (Claude Code's local notices: no tokens, no
    cost): tables leave it out; the totals (and JSON) keep its ``synthetic`` count."""
    return model == "<synthetic>" and not (t.requests or t.total_tokens or t.cost)


def _cells(t: Totals, mode: Mode) -> list[str]:
    fmt = _abbrev if mode in ("compact", "narrow") else (lambda n: f"{n:,}")
    if mode == "full":
        ratio = cache_hit_ratio(t)
        return [
            fmt(t.input_tokens),
            fmt(t.output_tokens),
            fmt(t.cache_5m_tokens),
            fmt(t.cache_1h_tokens),
            fmt(t.cache_read_tokens),
            fmt(t.total_tokens),
            "-" if ratio is None else f"{ratio:.0%}",
            _cost(t),
        ]
    if mode == "narrow":
        return [fmt(t.input_tokens), fmt(t.output_tokens), fmt(t.total_tokens), _cost(t)]
    return [
        fmt(t.input_tokens),
        fmt(t.output_tokens),
        fmt(t.cache_creation_tokens),
        fmt(t.cache_read_tokens),
        fmt(t.total_tokens),
        _cost(t),
    ]


def _headers(mode: Mode) -> list[str]:
    if mode == "full":
        return ["Input", "Output", "Write 5m", "Write 1h", "Cache read", "Total", "Hit", "Cost"]
    if mode == "normal":
        return ["Input", "Output", "Cache write", "Cache read", "Total", "Cost"]
    if mode == "narrow":
        return ["Input", "Output", "Total", "Cost"]
    return ["Input", "Output", "Write", "Read", "Total", "Cost"]


def _first_header(report: Report) -> str:
    return {
        "daily": "Date",
        "weekly": "Week of",
        "monthly": "Month",
        "session": "Session",
        "project": "Project",
        "model": "Model",
        "blocks": "Block start",
        "agent": "Agent",
        "branch": "Branch",
        "user": "User",
        "machine": "Machine",
    }[report.kind]


_MODES: tuple[Mode, ...] = ("full", "normal", "compact", "narrow")


def print_table(report: Report, *, breakdown: bool = False, quiet: bool = False) -> None:
    """Print ``report`` as a table on standard output, as every report command does (a
    console of its own, sized to the terminal or ``COLUMNS``; no syntax highlighting);
    layout hints go to standard error (none with ``quiet``)."""
    render_table(
        report,
        Console(highlight=False, emoji=False),
        breakdown=breakdown,
        hints=None if quiet else Console(stderr=True, highlight=False, emoji=False),
    )


def _build(report: Report, mode: Mode, breakdown: bool) -> Table:
    kind_is_model = report.kind == "model"
    breakdown = breakdown and not kind_is_model  # one model per row already
    show_models = mode in ("full", "normal") and not kind_is_model
    id_len = _id_prefix([r.key for r in report.rows]) if report.kind == "session" else 8
    table = Table(title=f"{report.title} ({report.timezone})", title_justify="left")
    no_wrap = report.kind in ("daily", "weekly", "monthly", "blocks")
    table.add_column(_first_header(report), justify="left", overflow="fold", no_wrap=no_wrap)
    if show_models:
        table.add_column("Models", justify="left", overflow="fold")
    for h in _headers(mode):
        table.add_column(h, justify="right", no_wrap=True)
    rows = [r for r in report.rows if not (kind_is_model and _synthetic_only(r.key, r.totals))]
    for r in rows:
        models = "\n".join(safe(short_model(m)) for m in sorted(r.models) if m != "<synthetic>")
        first = [safe(_key_label(report, r, mode, id_len))] + ([models] if show_models else [])
        table.add_row(*first, *_cells(r.totals, mode))
        if breakdown:
            for m, t in sorted(r.models.items()):
                if _synthetic_only(m, t):
                    continue
                sub = [f"  └ {safe(short_model(m))}"] + ([""] if show_models else [])
                table.add_row(*sub, *_cells(t, mode), style="dim")
    lead = ["Total"] + ([""] if show_models else [])
    table.add_row(*lead, *_cells(report.totals, mode), style="bold", end_section=True)
    return table


def render_table(
    report: Report,
    console: Console,
    *,
    breakdown: bool = False,
    hints: Console | None = None,
) -> None:
    """Print ``report`` on ``console`` in the widest layout its width holds without
    cutting a label mid-word (see :mod:`tokentrail.reports.fit`); layout hints (a
    narrower view than the terminal's width class) go to ``hints`` when given."""
    if not report.rows:
        filtered = any(report.filters.get(k) for k in ("since", "until", "project", "models"))
        console.print(
            "No usage recorded for these filters."
            if filtered
            else f"No usage recorded for this {report.kind} report."
        )
        return
    modes = _MODES[_MODES.index(mode_for_width(console.width)) :]
    mode, table = modes[-1], _build(report, modes[-1], breakdown)
    for m in modes:
        candidate = _build(report, m, breakdown)
        if fit_table(candidate, console):
            mode, table = m, candidate
            break
    console.print(table)
    for r in report.rows:
        if report.kind == "blocks" and r.extra.get("is_active"):
            rate = r.extra.get("tokens_per_minute")
            cph = r.extra.get("cost_per_hour_usd")
            proj = r.extra.get("projected_cost_usd")
            left = r.extra.get("remaining_minutes")
            parts = [f"active block: {left} min left"]
            if rate is not None and isinstance(cph, Decimal) and isinstance(proj, Decimal):
                tpm = float(str(rate))  # float ok: tokens per minute, shown rounded
                parts.append(f"burn {tpm:,.0f} tok/min, {usd_cents(cph)}/h")
                parts.append(
                    f"projected {r.extra.get('projected_total_tokens'):,} tok, "
                    f"{usd_cents(proj)} by block end"
                )
            console.print(", ".join(parts))
    if report.totals.unpriced:
        console.print(
            f"* {report.totals.unpriced} requests could not be priced (a model the catalog "
            "does not know, or usage the engine rejects; `tokentrail doctor` lists them); "
            "costs marked * leave them out."
        )
    if report.totals.flagged:
        console.print(flags_footer(report.totals))
    if hints is None:
        return
    if mode == "compact":
        hints.print("[dim]compact view: widen the terminal (100+ columns) for models.[/dim]")
    elif mode == "narrow":
        hints.print(
            "[dim]narrow view: cache writes and reads are in Total; widen the terminal "
            "to see them.[/dim]"
        )
