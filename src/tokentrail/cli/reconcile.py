"""``tokentrail reconcile``: the ledger beside Anthropic's usage and cost reports (pulled
with ``tokentrail billing pull``), per bucket of ``--by`` and token type, every difference
explained (:mod:`tokentrail.billing.reconcile`)."""

from __future__ import annotations

import click

from tokentrail.cli import cli

__all__ = ["reconcile_cmd"]


def _ids(value: str | None) -> frozenset[str]:
    if not value:
        return frozenset()
    return frozenset(v.strip() for v in value.split(",") if v.strip())


@cli.command("reconcile")
@click.option("--since", metavar="DATE", help="First UTC day (default: the first pulled).")
@click.option("--until", metavar="DATE", help="Last UTC day, included (default: the last pulled).")
@click.option(
    "--by",
    type=click.Choice(["day", "model", "api-key", "workspace"]),
    default="day",
    show_default=True,
    help="One row per day, model, API key or workspace.",
)
@click.option(
    "--keys",
    metavar="ID,…",
    help="The API keys the ledger covers (others are untracked usage, not ledger errors; "
    "`none`: usage without a key, e.g. Workbench).",
)
@click.option(
    "--workspaces",
    metavar="ID,…",
    help="The workspaces the ledger covers (`default`: the default workspace).",
)
@click.option(
    "--catalog-check",
    is_flag=True,
    help="No local logs: only the usage report priced with the catalog vs the cost report.",
)
@click.option("--json", "-j", "as_json", is_flag=True, help="JSON (schema_version 1).")
@click.option("--csv", "as_csv", is_flag=True, help="CSV, one line per bucket.")
@click.option("--ledger", "ledger_path", metavar="PATH", help="Ledger file or team ledger URL.")
def reconcile_cmd(
    since: str | None,
    until: str | None,
    by: str,
    keys: str | None,
    workspaces: str | None,
    catalog_check: bool,
    as_json: bool,
    as_csv: bool,
    ledger_path: str | None,
) -> None:
    """Ledger vs Anthropic's usage and cost reports: differences, each explained.

    Per bucket and token type (uncached input, 5m / 1h cache writes, cache reads, output,
    web searches) and in dollars: what the ledger holds, what the usage report says, what
    the cost report billed. Findings: untracked_usage, missing_from_bill, price_rule,
    catalog_rate, unexplained. Days are UTC (the reports' buckets). Run `tokentrail billing
    pull` first.
    """
    from tokentrail.billing.api import reconcile_ledger
    from tokentrail.cli.billing import billing_ledger
    from tokentrail.errors import UserInputError
    from tokentrail.reports.dates import parse_date
    from tokentrail.reports.render_reconcile import (
        print_reconcile,
        reconcile_csv,
        reconcile_json,
    )

    if as_json and as_csv:
        raise UserInputError("--json and --csv exclude each other")
    missing = "run `tokentrail billing pull` (and ingest your logs) first"
    with billing_ledger(ledger_path, missing=missing) as ledger:
        rec = reconcile_ledger(
            ledger,
            since=parse_date(since, "--since"),
            until=parse_date(until, "--until"),
            by=by,
            keys=_ids(keys),
            workspaces=_ids(workspaces),
            catalog_check=catalog_check,
        )
    if as_json:
        click.echo(reconcile_json(rec))
    elif as_csv:
        click.echo(reconcile_csv(rec), nl=False)
    else:
        print_reconcile(rec)
