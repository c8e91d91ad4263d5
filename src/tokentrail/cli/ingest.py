"""``tokentrail ingest``, ``problems``, ``daily``, ``session`` and ``reprice``.

Exit codes: 0 success; 1 ``ingest`` finished but skipped bad lines this run (listed by
``tokentrail problems``); 2 a user error (bad option, missing path, unusable ledger),
printed as one line on stderr. ``daily`` and ``session`` ingest the default Claude Code
sources first (``--no-ingest`` to skip) and exit 0 even when bad lines were skipped.

JSON output: snake_case keys named after the API's usage fields; money as decimal
strings (exact, never float); token counts as ints. Text output escapes terminal control
characters and rich markup found in paths, model names and messages (logs are untrusted).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timezone, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from tokentrail.cli import cli
from tokentrail.errors import UserInputError
from tokentrail.ingest.discover import roots_from_paths
from tokentrail.ingest.records import SYNTHETIC_MODEL
from tokentrail.ledger import (
    AggregateQuery,
    AggregateRow,
    IngestSummary,
    SQLiteLedger,
    Totals,
    ingest_claude_code,
    open_ledger,
)

__all__ = ["daily_cmd", "ingest_cmd", "problems_cmd", "reprice_cmd", "session_cmd"]

_ledger_option = click.option(
    "--ledger",
    "ledger_path",
    metavar="PATH",
    default=None,
    help="Ledger file (default: $TOKENTRAIL_LEDGER, else the platform data dir).",
)
_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
_CONTROL = dict.fromkeys([*range(0, 32), 127, *range(128, 160)])


def safe(text: object) -> str:
    """``text`` with control characters shown as ``\\xNN`` (never sent to the terminal)."""
    s = str(text)
    if not any(ord(c) in _CONTROL for c in s):
        return s
    return "".join(f"\\x{ord(c):02x}" if ord(c) in _CONTROL else c for c in s)


def usd_str(value: Decimal) -> str:
    """Exact decimal string without exponent or trailing zeros (``"1.5366613"``, ``"0"``)."""
    s = format(value.normalize(), "f")
    return "0" if s in ("-0", "0") else s


def _parse_tz(name: str | None) -> tzinfo | None:
    if name is None:
        return None
    if name.upper() in ("UTC", "Z", "ETC/UTC"):
        return timezone.utc
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UserInputError(
            f"unknown time zone {name!r} (use an IANA name like Europe/Paris)"
        ) from exc


def _parse_date(value: str | None, opt: str) -> date | None:
    if value is None:
        return None
    v = value.strip()
    try:
        if len(v) == 8 and v.isdigit():
            return date(int(v[:4]), int(v[4:6]), int(v[6:]))
        return date.fromisoformat(v)
    except ValueError as exc:
        raise UserInputError(f"{opt} {value!r} is not a date (YYYY-MM-DD or YYYYMMDD)") from exc


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("ingesting", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _run_ingest(ledger: SQLiteLedger, roots: Sequence[Path] | None) -> IngestSummary:
    with _progress(sys.stderr.isatty()) as cb:
        return ingest_claude_code(ledger, roots, progress=cb)


def _human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"  # pragma: no cover


@cli.command("ingest")
@click.argument("paths", nargs=-1, type=click.Path())
@_json_option
@_ledger_option
@click.pass_context
def ingest_cmd(
    ctx: click.Context, paths: tuple[str, ...], as_json: bool, ledger_path: str | None
) -> None:
    """Read Claude Code logs into the ledger (only new bytes of known files).

    PATHS: config dirs, projects/ dirs, folders or .jsonl files; default: CLAUDE_CONFIG_DIR,
    else ~/.config/claude and ~/.claude. Exit code 1 when bad lines were skipped.
    """
    roots: list[Path] | None = None
    if paths:
        missing = [p for p in paths if not Path(p).expanduser().exists()]
        if missing:
            raise UserInputError(f"no such file or directory: {safe(missing[0])}")
        roots = roots_from_paths(paths)
    with open_ledger(ledger_path) as ledger:
        s = _run_ingest(ledger, roots)
    if as_json:
        click.echo(json.dumps(s.to_dict(), indent=2))
    else:
        click.echo(
            f"{s.files} files ({s.files_read} read, {_human_bytes(s.bytes)}): "
            f"{s.added} records added, {s.duplicates} duplicates, {s.problems} problems"
            + (" (see `tokentrail problems`)" if s.problems else "")
            + f" in {s.seconds:.2f}s"
        )
    if s.problems:
        ctx.exit(1)


@cli.command("problems")
@_json_option
@_ledger_option
def problems_cmd(as_json: bool, ledger_path: str | None) -> None:
    """List the log lines that were skipped as malformed (file, line, field, kind)."""
    with open_ledger(ledger_path) as ledger:
        probs = ledger.problems()
    if as_json:
        out = [
            {"file": p.file, "line": p.line, "field": p.field, "kind": p.kind, "message": p.message}
            for p in probs
        ]
        click.echo(json.dumps({"problems": out}, indent=2))
        return
    if not probs:
        click.echo("No problems recorded.")
        return
    for p in probs:
        field = f" {safe(p.field)}" if p.field else ""
        click.echo(f"{safe(p.file)}:{p.line}: {p.kind}{field}: {safe(p.message)}")
    click.echo(f"{len(probs)} problems")


def _fields(t: Totals) -> dict[str, Any]:
    return {
        "input_tokens": t.input_tokens,
        "output_tokens": t.output_tokens,
        "cache_creation_input_tokens": t.cache_creation_tokens,
        "cache_read_input_tokens": t.cache_read_tokens,
        "ephemeral_5m_input_tokens": t.cache_5m_tokens,
        "ephemeral_1h_input_tokens": t.cache_1h_tokens,
        "total_tokens": t.total_tokens,
        "web_search_requests": t.web_search_requests,
        "web_fetch_requests": t.web_fetch_requests,
        "cost_usd": usd_str(t.cost),
        "requests": t.requests,
        "incomplete_requests": t.incomplete,
        "unpriced_requests": t.unpriced,
        "synthetic_messages": t.synthetic,
    }


def _models(row: AggregateRow) -> list[str]:
    return [m for m in row.models if m != SYNTHETIC_MODEL]


def _report(
    ledger_path: str | None, no_ingest: bool, query: AggregateQuery
) -> tuple[list[AggregateRow], Totals]:
    with open_ledger(ledger_path) as ledger:
        if not no_ingest:
            _run_ingest(ledger, None)
        rows = ledger.aggregate(query)
    total = Totals()
    for r in rows:
        total = total + r.totals
    return rows, total


def _table(
    title: str, first: str, rows: list[tuple[str, list[str], Totals]], total: Totals
) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title)
    for name in (first, "Models", "Input", "Output", "Cache write", "Cache read", "Total", "Cost"):
        table.add_column(name, justify="left" if name in (first, "Models") else "right")

    def cells(t: Totals) -> list[str]:
        cost = f"${t.cost.quantize(Decimal('0.01')):,}" + ("*" if t.unpriced else "")
        return [
            f"{t.input_tokens:,}",
            f"{t.output_tokens:,}",
            f"{t.cache_creation_tokens:,}",
            f"{t.cache_read_tokens:,}",
            f"{t.total_tokens:,}",
            cost,
        ]

    for key, models, t in rows:
        table.add_row(escape(safe(key)), escape(safe(", ".join(models))), *cells(t))
    table.add_row("Total", "", *cells(total), style="bold")
    console = Console()
    console.print(table)
    if total.unpriced:
        console.print(f"* {total.unpriced} requests could not be priced (unknown model).")


_tz_option = click.option(
    "--timezone", "tz_name", default=None, help="IANA zone for day boundaries (default: local)."
)
_since_option = click.option("--since", default=None, help="First day, YYYY-MM-DD (inclusive).")
_until_option = click.option("--until", default=None, help="Last day, YYYY-MM-DD (inclusive).")
_no_ingest_option = click.option(
    "--no-ingest", is_flag=True, help="Report from the ledger without reading logs first."
)


@cli.command("daily")
@_json_option
@_tz_option
@_since_option
@_until_option
@_no_ingest_option
@_ledger_option
def daily_cmd(
    as_json: bool,
    tz_name: str | None,
    since: str | None,
    until: str | None,
    no_ingest: bool,
    ledger_path: str | None,
) -> None:
    """Usage and cost per day (ingests the default Claude Code logs first)."""
    query = AggregateQuery(
        "day", _parse_tz(tz_name), _parse_date(since, "--since"), _parse_date(until, "--until")
    )
    rows, total = _report(ledger_path, no_ingest, query)
    if as_json:
        daily = [{"date": r.key, **_fields(r.totals), "models": _models(r)} for r in rows]
        click.echo(json.dumps({"daily": daily, "totals": _fields(total)}, indent=2))
        return
    _table("Daily usage", "Date", [(r.key, _models(r), r.totals) for r in rows], total)


@cli.command("session")
@_json_option
@_tz_option
@_since_option
@_until_option
@_no_ingest_option
@_ledger_option
def session_cmd(
    as_json: bool,
    tz_name: str | None,
    since: str | None,
    until: str | None,
    no_ingest: bool,
    ledger_path: str | None,
) -> None:
    """Usage and cost per Claude Code session (ingests the default logs first)."""
    query = AggregateQuery(
        "session", _parse_tz(tz_name), _parse_date(since, "--since"), _parse_date(until, "--until")
    )
    rows, total = _report(ledger_path, no_ingest, query)
    rows.sort(key=lambda r: (r.last_day or "", r.key))
    if as_json:
        sessions = [
            {
                "session_id": r.key,
                **_fields(r.totals),
                "models": _models(r),
                "project": r.project,
                "first_activity": r.first_day,
                "last_activity": r.last_day,
            }
            for r in rows
        ]
        click.echo(json.dumps({"sessions": sessions, "totals": _fields(total)}, indent=2))
        return
    _table(
        "Usage by session",
        "Session",
        [(f"{r.key[:8]} {r.project or ''}", _models(r), r.totals) for r in rows],
        total,
    )


@cli.command("reprice")
@_json_option
@_ledger_option
def reprice_cmd(as_json: bool, ledger_path: str | None) -> None:
    """Recompute every stored cost with the current price catalog (after a correction)."""
    with open_ledger(ledger_path) as ledger:
        res = ledger.reprice()
    if as_json:
        out = {"records": res.records, "changed": res.changed, "unpriced": res.unpriced}
        click.echo(json.dumps(out, indent=2))
        return
    click.echo(f"Repriced {res.records} records: {res.changed} changed, {res.unpriced} unpriced.")
