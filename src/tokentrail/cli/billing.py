"""``tokentrail billing pull``: Anthropic's usage and cost reports (and the Analytics API
when the key may read it) into the ledger, replacing the pulled days.

The Admin key comes from ``$ANTHROPIC_ADMIN_KEY`` or ``--admin-key-file``; it is never
stored, logged or echoed. Progress goes to stderr, one summary line to stdout (``--json``:
an object). A refused key (401 / 403) is one line and exit code 2.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING

import click

from tokentrail.cli import cli

if TYPE_CHECKING:
    from tokentrail.ledger.clickhouse.store import ClickHouseLedger
    from tokentrail.ledger.sqlite import SQLiteLedger

__all__ = ["billing_group", "billing_ledger", "pull_cmd"]

#: Days pulled when --since is not given (ending with --until, default today UTC).
DEFAULT_DAYS = 30


@cli.group("billing")
def billing_group() -> None:
    """The billed side: Anthropic's usage and cost reports, pulled into the ledger."""


@contextmanager
def billing_ledger(
    ledger_path: str | None, *, missing: str | None = None
) -> Iterator[SQLiteLedger | ClickHouseLedger]:
    """The ledger of a billing command: the team ledger for a ``clickhouse://`` /
    ``clickhouses://`` / ``chdb://`` URL (or ``$TOKENTRAIL_LEDGER``), else the SQLite file;
    ``missing``: the hint of the error when that file does not exist (None: create it)."""
    from tokentrail.errors import UserInputError
    from tokentrail.ledger import SQLiteLedger, resolve_ledger_path
    from tokentrail.ledger.clickhouse.url import ledger_url

    url = ledger_url(ledger_path)
    if url is not None:
        from tokentrail.ledger.clickhouse.store import ClickHouseLedger

        with ClickHouseLedger(url) as team:
            yield team
        return
    path = resolve_ledger_path(ledger_path)
    if missing is not None and not path.exists():
        raise UserInputError(f"no ledger at {path}: {missing}")
    with SQLiteLedger(path) as ledger:
        yield ledger


def _today() -> date:
    return datetime.now(timezone.utc).date()


@billing_group.command("pull")
@click.option("--since", metavar="DATE", help="First UTC day (default: 30 days before --until).")
@click.option("--until", metavar="DATE", help="Last UTC day, included (default: today, UTC).")
@click.option("--hourly", is_flag=True, help="Also pull hourly usage buckets.")
@click.option(
    "--base-url",
    metavar="URL",
    default="https://api.anthropic.com",
    show_default=True,
    help="Admin API base URL.",
)
@click.option(
    "--admin-key-file",
    metavar="FILE",
    help="Read the Admin key from FILE (default: $ANTHROPIC_ADMIN_KEY).",
)
@click.option("--no-analytics", is_flag=True, help="Skip the Analytics API (beta).")
@click.option("--ledger", "ledger_path", metavar="PATH", help="Ledger file or team ledger URL.")
@click.option("--json", "-j", "as_json", is_flag=True, help="The summary as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
def pull_cmd(
    since: str | None,
    until: str | None,
    hourly: bool,
    base_url: str,
    admin_key_file: str | None,
    no_analytics: bool,
    ledger_path: str | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Pull the usage report (by model, key, workspace, tier, context window, geo and
    speed), the cost report (by workspace and description) and the Analytics API for UTC
    days --since..--until into the ledger. A re-pull replaces those days: nothing doubles.
    """
    from tokentrail.billing.client import AdminClient
    from tokentrail.billing.key import load_admin_key
    from tokentrail.billing.pull import pull
    from tokentrail.errors import UserInputError
    from tokentrail.ledger.billing_store import billing_store_for
    from tokentrail.reports.dates import parse_date

    hi = parse_date(until, "--until") or _today()
    lo = parse_date(since, "--since") or hi - timedelta(days=DEFAULT_DAYS - 1)
    if lo > hi:
        raise UserInputError(f"--since {lo} is after --until {hi}")
    if not base_url.startswith(("http://", "https://")):
        raise UserInputError(f"--base-url {base_url!r}: an http:// or https:// URL expected")
    key = load_admin_key(admin_key_file)

    def say(msg: str) -> None:
        if not quiet:
            click.echo(f"billing pull: {msg}", err=True)

    def retrying(path: str, status: int | None, wait: float) -> None:  # float ok: seconds
        say(f"{path}: {'HTTP ' + str(status) if status else 'no response'}, retry in {wait:g}s")

    with (
        billing_ledger(ledger_path) as ledger,
        AdminClient(key, base_url, on_retry=retrying) as client,
    ):
        res = pull(
            client,
            billing_store_for(ledger),
            lo,
            hi,
            hourly=hourly,
            analytics=not no_analytics,
            progress=say,
            key=key,
        )
    for note in res.notes:
        say(f"note: {note}")
    if as_json:
        out = {
            "since": lo.isoformat(),
            "until": hi.isoformat(),
            "usage_rows": res.usage_rows,
            "hourly_rows": res.hourly_rows,
            "cost_rows": res.cost_rows,
            "analytics_rows": res.analytics_rows,
            "pages": res.pages,
            "notes": res.notes,
        }
        click.echo(json.dumps(out, indent=2))
        return
    extra = "".join(f", analytics {k} {n}" for k, n in res.analytics_rows.items())
    hourly_part = f", {res.hourly_rows} hourly rows" if hourly else ""
    click.echo(
        f"pulled {lo}..{hi}: {res.usage_rows} usage rows{hourly_part}, {res.cost_rows} cost "
        f"rows{extra} ({res.pages} pages)"
    )


def _billed(kind: str) -> None:
    @billing_group.command(kind)
    @click.option("--since", metavar="DATE", help="First UTC day.")
    @click.option("--until", metavar="DATE", help="Last UTC day, included.")
    @click.option("--json", "-j", "as_json", is_flag=True, help="JSON (schema_version 1).")
    @click.option("--csv", "as_csv", is_flag=True, help="CSV.")
    @click.option("--parquet", metavar="FILE", help="Also write a Parquet file (pyarrow).")
    @click.option("--ledger", "ledger_path", metavar="PATH", help="Ledger file or team ledger URL.")
    def cmd(
        since: str | None,
        until: str | None,
        as_json: bool,
        as_csv: bool,
        parquet: str | None,
        ledger_path: str | None,
    ) -> None:
        from tokentrail.billing.billed import billed_report
        from tokentrail.errors import UserInputError
        from tokentrail.ledger.billing_store import billing_store_for
        from tokentrail.pricing import default_catalog
        from tokentrail.reports.dates import parse_date
        from tokentrail.reports.render_billed import (
            billed_csv,
            billed_json,
            print_billed,
            write_billed_parquet,
        )

        if as_json and as_csv:
            raise UserInputError("--json and --csv exclude each other")
        lo, hi = parse_date(since, "--since"), parse_date(until, "--until")
        if lo is not None and hi is not None and lo > hi:
            raise UserInputError(f"--since {lo} is after --until {hi}")
        from tokentrail.billing.pull import day_ms

        lo_ms = day_ms(lo) if lo else 0
        hi_ms = day_ms(hi + timedelta(days=1)) if hi else 2**62
        with billing_ledger(ledger_path, missing="run `tokentrail billing pull` first") as ledger:
            store = billing_store_for(ledger)
            rep = billed_report(
                default_catalog(), store.usage(lo_ms, hi_ms), store.cost(lo_ms, hi_ms), kind,
                lo, hi,
            )  # fmt: skip
        if parquet:
            write_billed_parquet(rep, parquet)
        if as_json:
            click.echo(billed_json(rep))
        elif as_csv:
            click.echo(billed_csv(rep), nl=False)
        else:
            print_billed(rep)

    per = {"daily": "UTC day", "model": "model", "api-key": "API key", "workspace": "workspace"}
    cmd.help = (
        f"The pulled bill per {per[kind]}: tokens by type, catalog estimate, billed USD "
        "(no local logs needed)."
    )


for _kind in ("daily", "model", "api-key", "workspace"):
    _billed(_kind)
