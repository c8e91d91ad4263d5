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

    @cli.group("report")
    def report() -> None:
        """Reports over the ledger."""

    return report


report_group = _report_group()


def _existing(ledger_path: str | None) -> Path:
    """The ledger path, which must exist: a read command never creates one."""
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
    path = _existing(ledger_path)
    with open_ledger(path) as ledger:
        rows = ledger.run_summaries(name)
    if as_json:
        click.echo(json.dumps({"runs": [_to_dict(s) for s in rows]}, indent=2))
        return
    if not rows:
        click.echo("No tracked runs.")
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="Tracked runs")
    for col, justify in (
        ("Run", "left"), ("Started (UTC)", "left"), ("Status", "left"), ("Requests", "right"),
        ("Cost (USD)", "right"), ("Budget (USD)", "right"), ("Tags", "left"),
    ):  # fmt: skip
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for s in rows:
        d = _to_dict(s)
        depth = 0
        parents = {x.run.id: x.run.parent_id for x in rows}
        p = s.run.parent_id
        while p is not None and depth < 20:
            depth += 1
            p = parents.get(p)
        tags = ", ".join(f"{k}={v}" for k, v in s.run.tags.items())
        cost = str(d["cost_usd"]) + (f" (+{s.unpriced} unpriced)" if s.unpriced else "")
        table.add_row(
            escape(safe("  " * depth + s.run.name)),
            str(d["started"] or "").replace("+00:00", ""),
            s.run.status,
            str(s.requests),
            cost,
            str(d["budget_usd"] or "-"),
            escape(safe(tags)),
        )
    Console(soft_wrap=True).print(table)


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
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="Message Batches results files")
    table.add_column("File", overflow="fold")
    table.add_column("Dated", no_wrap=True)
    kinds = list(rows[0].results)
    for col in [*kinds, "problems"]:
        table.add_column(col.capitalize(), justify="right", no_wrap=True)
    totals = [0] * (len(kinds) + 1)
    for b in rows:
        vals = [b.results.get(k, 0) for k in kinds] + [b.problems]
        totals = [t + v for t, v in zip(totals, vals, strict=True)]
        dated = str(_iso(b.ts_ms) or "")[:10]  # the UTC day (JSON: the whole instant)
        table.add_row(escape(safe(b.file)), dated, *(str(v) for v in vals))
    if len(rows) > 1:
        table.add_row("Total", "", *(str(v) for v in totals))
    Console(soft_wrap=True).print(table)
