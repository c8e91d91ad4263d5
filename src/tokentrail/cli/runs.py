"""``tokentrail report run``: tracked runs with their requests, cost and budget;
``tokentrail report batches``: the outcome of each Message Batches results file ingested.

A run's figures include its nested runs. ``--name`` keeps runs of one name; ``--json``
prints money as decimal strings and times as ISO-8601 UTC. A read command: a ledger file
that does not exist is a user error (exit 2, naming the path), never created. The
``report`` group is shared:
this module adds ``run`` to an existing ``report`` group or creates the group.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import click

from tokentrail.cli import cli
from tokentrail.cli.ingest import safe
from tokentrail.errors import UserInputError
from tokentrail.ledger import open_ledger, resolve_ledger_path
from tokentrail.ledger.runs import RunSummary
from tokentrail.ledger.sources import BatchOutcome, batch_outcomes

__all__ = ["batches_report_cmd", "report_group", "run_report_cmd"]


def _report_group() -> click.Group:
    existing = cli.commands.get("report")
    if isinstance(existing, click.Group):
        return existing

    @cli.group("report", invoke_without_command=True)
    @click.option(
        "--html",
        "html_path",
        metavar="FILE",
        type=click.Path(dir_okay=False),
        default=None,
        help="Write the overview and the session list as one self-contained HTML file.",
    )
    @click.option(
        "--ledger",
        "ledger_path",
        metavar="PATH",
        default=None,
        help="Ledger file (default: $TOKENTRAIL_LEDGER, else the platform data dir).",
    )
    @click.option("--since", default=None, metavar="YYYY-MM-DD", help="First local day.")
    @click.option("--until", default=None, metavar="YYYY-MM-DD", help="Last local day.")
    @click.option(
        "--timezone", "-z", "tz", default=None, metavar="TZ", help="IANA zone (default: local)."
    )
    @click.pass_context
    def report(
        ctx: click.Context,
        html_path: str | None,
        ledger_path: str | None,
        since: str | None,
        until: str | None,
        tz: str | None,
    ) -> None:
        """Reports over the ledger.

        --html FILE writes the overview and the session list as one self-contained HTML
        file; or run a subcommand."""
        if ctx.invoked_subcommand is not None:
            return
        if html_path is None:
            click.echo(ctx.get_help())
            return
        from tokentrail.cli.html_report import write_html

        write_html(html_path, ledger_path, since=since, until=until, tz=tz)

    return report


report_group = _report_group()


def _existing(ledger_path: str | None) -> Path:
    """The ledger path, which must exist: a read command never creates one (a team
    ledger URL is refused in one line by :func:`~tokentrail.ledger.open_ledger`)."""
    from tokentrail.ledger.clickhouse.url import ledger_url

    if ledger_url(ledger_path) is not None:
        open_ledger(ledger_path).close()  # raises
    path = resolve_ledger_path(ledger_path)
    if not path.exists():
        raise UserInputError(
            f"no ledger at {path} (nothing was ingested or tracked into it yet; "
            "check --ledger / $TOKENTRAIL_LEDGER)"
        )
    return path


def _iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(timespec="seconds")


def _usd(value: Decimal | None) -> str | None:
    if value is None:
        return None
    s = format(value.normalize(), "f")
    return "0" if s in ("-0", "0") else s


def _to_dict(s: RunSummary) -> dict[str, object]:
    r = s.run
    return {
        "id": r.id,
        "name": r.name,
        "parent_id": r.parent_id,
        "started": _iso(r.started_ms),
        "ended": _iso(r.ended_ms),
        "status": r.status,
        "requests": s.requests,
        "unpriced": s.unpriced,
        "flagged_requests": s.flagged,
        "flags": list(s.flags),
        "cost_usd": _usd(s.cost),
        "budget_usd": _usd(r.budget),
        "input_tokens": s.input_tokens,
        "output_tokens": s.output_tokens,
        "cache_read_input_tokens": s.cache_read_tokens,
        "cache_creation_input_tokens": s.cache_creation_tokens,
        "tags": dict(r.tags),
    }


@report_group.command("run")
@click.option("--name", default=None, help="Only runs with this name.")
@click.option("--json", "-j", "as_json", is_flag=True, help="Print JSON on stdout.")
@click.option(
    "--ledger",
    "ledger_path",
    metavar="PATH",
    default=None,
    help="Ledger file (default: $TOKENTRAIL_LEDGER, else the platform data dir).",
)
def run_report_cmd(name: str | None, as_json: bool, ledger_path: str | None) -> None:
    """List tracked runs: name, start, requests, cost, budget and tags."""
    from tokentrail.ledger.clickhouse.url import ledger_url

    url = ledger_url(ledger_path)
    if url is not None:
        from tokentrail.ledger.clickhouse.store import ClickHouseLedger

        with ClickHouseLedger(url) as team:
            rows = team.run_summaries(name)
    else:
        with open_ledger(_existing(ledger_path)) as ledger:
            rows = ledger.run_summaries(name)
    if as_json:
        click.echo(json.dumps({"runs": [_to_dict(s) for s in rows]}, indent=2))
        return
    if not rows:
        click.echo("No tracked runs.")
        return
    from rich.markup import escape
    from rich.table import Table

    from tokentrail.reports.fit import first_fit, output_console, wrap_words

    parents = {x.run.id: x.run.parent_id for x in rows}
    lines: list[tuple[str, ...]] = []
    for s in rows:
        d = _to_dict(s)
        depth = 0
        p = s.run.parent_id
        while p is not None and depth < 20:
            depth += 1
            p = parents.get(p)
        tags = ", ".join(f"{k}={v}" for k, v in s.run.tags.items())
        cost = str(d["cost_usd"]) + (f" (+{s.unpriced} unpriced)" if s.unpriced else "")
        cost += "†" if s.flagged else ""  # priced on an assumption (see the footer)
        lines.append(
            (
                escape(safe("  " * depth + s.run.name)),
                str(d["started"] or "").replace("+00:00", "").replace("T", " "),
                s.run.status,
                str(s.requests),
                cost,
                str(d["budget_usd"] or "-"),
                escape(safe(tags)),
            )
        )
    heads = (
        ("Run", "left"), ("Started (UTC)", "left"), ("Status", "left"), ("Req", "right"),
        ("Cost (USD)", "right"), ("Budget (USD)", "right"), ("Tags", "left"),
    )  # fmt: skip

    def build(drop: frozenset[str]) -> Table:
        table = Table(title="Tracked runs")
        keep = [k for k, (h, _) in enumerate(heads) if h not in drop]
        for k in keep:
            col, justify = heads[k]
            # run names whole; instants, costs and tags may wrap at their spaces
            no_wrap = col == "Run"
            table.add_column(col, justify=justify, no_wrap=no_wrap)  # type: ignore[arg-type]
        for line in lines:
            table.add_row(*(line[k] for k in keep))
        return table

    # budget, status, then tags go first; the run, its start, requests and cost stay
    layouts: tuple[frozenset[str], ...] = (
        frozenset(),
        frozenset({"Budget (USD)"}),
        frozenset({"Budget (USD)", "Status"}),
        frozenset({"Budget (USD)", "Status", "Tags"}),
    )

    flagged = sum(s.flagged for s in rows if s.run.parent_id is None)
    footer = ""
    if flagged:
        codes = sorted({c for s in rows for c in s.flags})
        footer = (
            f"† {flagged} request{'s' if flagged != 1 else ''} priced on an assumption: "
            f"{', '.join(codes)} (`tokentrail explain ID` says why)."
        )
    console = output_console(160)
    table = first_fit(layouts, build, console)
    if table is not None:
        console.print(table)
        if footer:
            for text in wrap_words(footer, console.width, "  "):
                console.print(text, markup=False, soft_wrap=True)
        return
    # too narrow for any table: one block per run, the name whole on its own line
    for line in lines:
        name, started, status, requests, cost, budget, tags = line
        console.print(name, soft_wrap=True)
        facts = f"started {started} · {status} · {requests} requests · cost {cost} USD"
        facts += f" · budget {budget}" + (f" · {tags}" if tags else "")
        for text in wrap_words("    " + facts, console.width, "    "):
            console.print(text, soft_wrap=True)
    if footer:
        for text in wrap_words(footer, console.width, "  "):
            console.print(text, markup=False, soft_wrap=True)


def _batch_dict(b: BatchOutcome) -> dict[str, object]:
    return {
        "file": b.file,
        "content_sha256": b.content_hash,
        "dated": _iso(b.ts_ms),
        "ingested": _iso(b.ingested_ms),
        **{k: int(v) for k, v in b.results.items()},
        "problems": b.problems,
    }


@report_group.command("batches")
@click.option("--json", "-j", "as_json", is_flag=True, help="Print JSON on stdout.")
@click.option(
    "--ledger",
    "ledger_path",
    metavar="PATH",
    default=None,
    help="Ledger file (default: $TOKENTRAIL_LEDGER, else the platform data dir).",
)
def batches_report_cmd(as_json: bool, ledger_path: str | None) -> None:
    """List ingested Message Batches results files: result lines per type (succeeded,
    errored, expired, canceled) and bad lines. One row per file content (re-ingesting the
    same file keeps one row); errored / expired / canceled requests are billed nothing."""
    path = _existing(ledger_path)
    with open_ledger(path) as ledger:
        rows = batch_outcomes(ledger)
    if as_json:
        click.echo(json.dumps({"batches": [_batch_dict(b) for b in rows]}, indent=2))
        return
    if not rows:
        click.echo("No batch results ingested.")
        return
    from rich.markup import escape
    from rich.table import Table

    from tokentrail.reports.fit import fitting_columns, output_console

    kinds = list(rows[0].results)

    def build(whole_paths: bool) -> Table:
        table = Table(title="Message Batches results files")
        table.add_column("File" if whole_paths else "File (name)", no_wrap=True)
        table.add_column("Dated", no_wrap=True)
        for col in [*kinds, "problems"]:
            table.add_column(col.capitalize(), justify="right", no_wrap=True)
        totals = [0] * (len(kinds) + 1)
        for b in rows:
            vals = [b.results.get(k, 0) for k in kinds] + [b.problems]
            totals = [t + v for t, v in zip(totals, vals, strict=True)]
            dated = str(_iso(b.ts_ms) or "")[:10]  # the UTC day (JSON: the whole instant)
            name = b.file if whole_paths else b.file.rstrip("/").rsplit("/", 1)[-1]
            table.add_row(escape(safe(name)), dated, *(str(v) for v in vals))
        if len(rows) > 1:
            table.add_row("Total", "", *(str(v) for v in totals))
        return table

    # a path too long for the terminal is shown by its file name (the JSON has it whole)
    console = output_console(160)
    console.print(fitting_columns((True, False), build, console))
