"""``tokentrail push``: send the local ledger's records to a ClickHouse team ledger.

``--to URL`` (``clickhouse://user@host:8123/db``, ``clickhouses://...``, ``chdb:///dir``;
the password from the URL or ``$TOKENTRAIL_CLICKHOUSE_PASSWORD``, never printed) is
usually set once in the config file (``[push] to = "..."``), with ``machine`` / ``user``
when the host name and OS user are not what the team should see. Incremental and
idempotent (:mod:`tokentrail.ledger.push`). ``--dry-run`` says what would be sent.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone

import click

from tokentrail.cli import cli
from tokentrail.cli.ingest import safe
from tokentrail.cli.options import progress_bar
from tokentrail.errors import UserInputError

__all__ = ["push_cmd", "push_to"]


def push_to(
    to: str,
    ledger_path: str | None,
    *,
    machine: str | None = None,
    user: str | None = None,
    since: str | None = None,
    dry_run: bool = False,
    quiet: bool = False,
    batch: int = 10_000,
) -> dict[str, object]:
    """Push the ledger at ``ledger_path`` (default: the local one) to ``to``; the summary."""
    from tokentrail.ledger import open_ledger
    from tokentrail.ledger.clickhouse.identity import default_machine, default_user
    from tokentrail.ledger.clickhouse.store import ClickHouseLedger
    from tokentrail.ledger.clickhouse.url import is_ledger_url, ledger_url
    from tokentrail.ledger.push import push
    from tokentrail.reports.dates import parse_date

    if not is_ledger_url(to):
        raise UserInputError(
            "--to must be a team ledger URL: clickhouse://user@host:8123/db, "
            "clickhouses://..., or chdb:///path"
        )
    if ledger_url(ledger_path) is not None:
        raise UserInputError("push reads the local SQLite ledger: --ledger must be a file")
    day = parse_date(since, "--since")
    since_ms = None
    if day is not None:
        since_ms = int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp())
        since_ms *= 1000
    who_m = machine or default_machine()
    who_u = user or default_user()
    show = not quiet and not dry_run and sys.stderr.isatty()
    with (
        open_ledger(ledger_path) as local,
        ClickHouseLedger(to, machine=who_m, user=who_u) as team,
        progress_bar(show) as cb,
    ):
        summary = push(
            local, team, machine=who_m, user=who_u, since_ms=since_ms, dry_run=dry_run,
            batch=batch, progress=cb,
        )  # fmt: skip
    return summary.to_dict()


@cli.command("push")
@click.option("--to", "to", metavar="URL", default=None, help="Team ledger URL.")
@click.option("--since", metavar="DATE", default=None, help="Only records from DATE (UTC) on.")
@click.option("--machine", metavar="NAME", default=None, help="Machine name (default: host).")
@click.option("--user", metavar="NAME", default=None, help="User name (default: OS user).")
@click.option("--dry-run", is_flag=True, help="Say what would be sent; send nothing.")
@click.option("--json", "-j", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option(
    "--ledger", "ledger_path", metavar="PATH", default=None, help="Local ledger file to push."
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="Records per insert.",
)
def push_cmd(
    to: str | None,
    since: str | None,
    machine: str | None,
    user: str | None,
    dry_run: bool,
    as_json: bool,
    ledger_path: str | None,
    quiet: bool,
    batch_size: int = 10_000,
) -> None:
    """Send the local ledger's records to a team ledger (ClickHouse)."""
    if not to:
        raise UserInputError('no team ledger: give --to URL or set [push] to = "URL" in the config')
    s = push_to(
        to, ledger_path, machine=machine, user=user, since=since, dry_run=dry_run, quiet=quiet,
        batch=batch_size,
    )  # fmt: skip
    if as_json:
        click.echo(json.dumps(s, indent=2))
        return
    verb = "would send" if dry_run else "sent"
    click.echo(
        f"{verb} {s['records']} records, {s['changed']} changed, {s['deleted']} deleted, "
        f"{s['problems']} problems, {s['runs']} runs to {safe(str(s['target']))} "
        f"as {safe(str(s['machine']))}/{safe(str(s['user']))}"
    )
