"""``tokentrail context [SESSION|--last]``: how the context grew, request by request.

One row per request, and one per sampling iteration when the usage has ``iterations``
(compaction, advisor and fallback steps included); threshold crossings and compactions are
marked; a sparkline draws the conversation's context curve. SESSION may be a unique prefix
of a session id; with neither SESSION nor ``--last`` the most recent session is shown.
Subagent runs are separate threads: ``--agent ID`` shows one, the default is the main
conversation (the others are listed). ``--json`` prints every thread with money as decimal
strings. Definitions: :mod:`tokentrail.analysis.context`.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import click

from tokentrail.analysis.context import SessionContext, session_context
from tokentrail.analysis.rates import RateBook
from tokentrail.analysis.rows import split_threads
from tokentrail.cli import cli
from tokentrail.cli._analysis_common import (
    common_options,
    dollars,
    empty,
    load_rows,
    plain,
    short_model,
)
from tokentrail.cli._analysis_common import console as make_console
from tokentrail.errors import UserInputError
from tokentrail.ledger.analysis_rows import last_session_id, resolve_session_id
from tokentrail.ledger.protocol import AnalysisReads
from tokentrail.reports.render_table import short_model as model_label

__all__ = ["context_cmd", "sparkline"]

_BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[int], width: int = 60) -> str:
    """A one-line chart of non-negative ``values`` (the max of each bucket when there are
    more values than ``width`` columns); empty for no values."""
    if not values:
        return ""
    if len(values) > width:
        n = len(values)
        values = [
            max(values[i * n // width : max((i + 1) * n // width, i * n // width + 1)])
            for i in range(width)
        ]
    top = max(values)
    if top <= 0:
        return _BARS[0] * len(values)
    return "".join(_BARS[min(len(_BARS) - 1, v * len(_BARS) // (top + 1))] for v in values)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _tokens(n: int | None, signed: bool = False) -> str:
    if n is None:
        return ""
    return f"{n:+,}" if signed else f"{n:,}"


_COLUMNS = (
    "#",
    "Time (UTC)",
    "Step",
    "Model",
    "Input",
    "Cache wr",
    "Cache rd",
    "Context",
    "Growth",
    "Headroom",
    "Marks",
)
_CACHE = frozenset({"Cache wr", "Cache rd"})
# Layouts tried widest first: (columns left out, model ids without their date suffix).
# The cache and input columns go first (Context holds them), then the model's date, then
# growth and headroom; the time, model and context are always kept, ids never cut.
_LAYOUTS: tuple[tuple[frozenset[str], bool], ...] = (
    (frozenset(), False),
    (_CACHE, False),
    (_CACHE, True),
    (_CACHE | {"Input"}, True),
    (_CACHE | {"Input", "Growth"}, True),
    (_CACHE | {"Input", "Growth", "Headroom"}, True),
    (_CACHE | {"Input", "Growth", "Headroom", "Step"}, True),
)


def _rows(sc: SessionContext) -> list[list[str]]:
    out: list[list[str]] = []
    for i, rc in enumerate(sc.requests):
        when = rc.at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        crossed = {(c.index, c.threshold) for c in rc.crossings}
        for j, s in enumerate(rc.steps):
            marks = [f"▲{t}" for (idx, t) in sorted(crossed, key=str) if idx == s.index]
            if s.kind == "compaction":
                ev = next(
                    (e for e in sc.compactions if (e.request_index, e.index) == (i, s.index)),
                    None,
                )
                removed = None if ev is None else ev.removed
                marks.append("✂ compaction" + (f" −{removed:,}" if removed else ""))
            elif not s.conversation:
                marks.append("(off track)")
            if s.after_compaction:
                marks.append("after compaction")
            step = "—" if s.index is None else f"└ {s.index} {s.kind}"
            out.append(
                [
                    str(i) if j == 0 else "",
                    when if j == 0 else "",
                    plain(step),
                    s.model,
                    _tokens(s.input_tokens),
                    _tokens(s.cache_write_tokens),
                    _tokens(s.cache_read_tokens),
                    _tokens(s.context_tokens),
                    _tokens(s.growth, signed=True),
                    _tokens(s.headroom),
                    " ".join(marks),
                ]
            )
    return out


def _render(sc: SessionContext, others: list[str | None]) -> None:
    from rich.table import Table

    from tokentrail.reports.fit import fitting_columns

    console = make_console()
    who = f"session {plain(sc.session_id)}"
    if sc.agent_id:
        who += f" · subagent {plain(sc.agent_id)}"
    rows = _rows(sc)

    def build(layout: tuple[frozenset[str], bool]) -> Table:
        drop, dateless = layout
        table = Table(title=f"Context growth — {who}", title_justify="left")
        keep = [k for k, name in enumerate(_COLUMNS) if name not in drop]
        for k in keep:
            name = _COLUMNS[k]
            left = name in ("Time (UTC)", "Step", "Model", "Marks")
            table.add_column(
                name,
                justify="left" if left else "right",
                no_wrap=name not in ("Step", "Marks"),
            )
        model = _COLUMNS.index("Model")
        for row in rows:
            cells = list(row)
            name = cells[model]
            cells[model] = plain(model_label(name) if dateless else short_model(name))
            table.add_row(*(cells[k] for k in keep))
        return table

    table = fitting_columns(_LAYOUTS, build, console)
    console.print(table)
    curve = [p.context_tokens for p in sc.curve]
    peak = sc.peak
    if peak is not None:
        tail = f"  peak {peak.context_tokens:,} tokens"
        room = max(10, min(60, console.width - len("context  ") - len(tail)))
        console.print(f"context  {sparkline(curve, room)}{tail}")
        console.print(
            f"peak at request {peak.request_index}"
            + ("" if peak.index is None else f" iteration {peak.index}")
            + f"; {len(sc.requests)} requests over {sc.span_seconds / 60:.1f} min"
        )
    for ev in sc.compactions:
        before = "unknown" if ev.context_before is None else f"{ev.context_before:,}"
        after = "unknown" if ev.context_after is None else f"{ev.context_after:,}"
        cost = "unpriced" if ev.cost_usd is None else dollars(ev.cost_usd)
        console.print(
            f"compaction in request {ev.request_index}: {before} → {after} tokens"
            + ("" if ev.removed is None else f" (removed {ev.removed:,})")
            + f", cost {cost} ({ev.call_tokens:,} in / {ev.output_tokens:,} out)"
        )
    for t in sc.time_above:
        if t.requests:
            line = "" if t.tokens is None else f" ({t.tokens:,})"
            plural = "s" if t.requests != 1 else ""
            console.print(
                f"above {t.name}{line}: {t.requests} request{plural}, "
                f"{t.seconds / 60:.1f} min until the next request"
            )
    if others:
        names = ", ".join(plain(a or "main") for a in others)
        console.print(f"other threads in this session: {names}")
        make_console(stderr=True).print("show one with: tokentrail context SESSION --agent ID")


@cli.command("context")
@click.argument("session", required=False)
@click.option("--last", is_flag=True, help="The most recent session (the default).")
@click.option("--agent", "agent_id", default=None, help="A subagent thread of the session.")
@common_options
def context_cmd(
    session: str | None,
    last: bool,
    agent_id: str | None,
    as_json: bool,
    ledger_path: str | None,
    no_ingest: bool,
) -> None:
    """Context growth of one session, per request and per iteration."""
    if session is not None and last:
        raise UserInputError("give a SESSION or --last, not both")

    def choose(ledger: AnalysisReads) -> str | None:
        if session is not None:
            return resolve_session_id(ledger, session)
        return last_session_id(ledger)

    rows, sid = load_rows(ledger_path, no_ingest, session=choose)
    if sid is None:  # nothing recorded (a SESSION that matches nothing is an error)
        if as_json:
            out: dict[str, object] = {"session_id": None, "generated_at": _now(), "threads": []}
            click.echo(json.dumps(out, indent=2))
        empty([], ledger_path, False, as_json)
        return
    threads = split_threads(rows)
    book = RateBook()
    keys = sorted(threads, key=lambda k: (k[1] is not None, k[1] or ""))
    if agent_id is not None and (sid, agent_id) not in threads:
        raise UserInputError(f"session {sid!r} has no subagent thread {agent_id!r}")
    if as_json:
        if agent_id is not None:
            keys = [(sid, agent_id)]
        out = {
            "session_id": sid,
            "generated_at": _now(),
            "threads": [session_context(threads[k], book=book).to_dict() for k in keys],
        }
        click.echo(json.dumps(out, indent=2))
        return
    key: tuple[str | None, str | None] = (sid, agent_id)
    if key not in threads:
        if not keys:
            raise UserInputError(f"session {sid!r} has no billable requests")
        key = keys[0]
    _render(session_context(threads[key], book=book), [k[1] for k in keys if k != key])
