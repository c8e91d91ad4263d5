"""``tokentrail cache``: does prompt caching pay? Economics per day, project or session.

Per group: hit ratio, what was paid, the no-cache counterfactual and the savings, cache
writes inferred never read (and their premium over plain input), the all-5m / all-1h TTL
counterfactuals, and the break-even reads per write of every rate row that wrote. Records
are read "as of now": a cache write still live now is *pending*, not unread. With
``--since`` the replay starts that day, so reads of prefixes cached earlier are
unattributed. ``--json`` prints money as exact decimal strings. Definitions and rules:
:mod:`tokentrail.analysis.cache`.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import click

from tokentrail.analysis.cache import CacheFigures, CacheReport, GroupBy, cache_report
from tokentrail.cli import cli
from tokentrail.cli._analysis_common import (
    common_options,
    dollars,
    load_rows,
    parse_tz,
    plain,
    time_filter,
)
from tokentrail.cli._analysis_common import (
    console as make_console,
)
from tokentrail.ledger import RecordFilter

__all__ = ["cache_cmd"]


def _ratio(f: CacheFigures) -> str:
    h = f.hit_ratio
    return "—" if h is None else f"{h:.1%}"


def _render(rep: CacheReport) -> None:
    from rich.table import Table

    console = make_console()
    table = Table(title=f"Prompt cache economics by {rep.by}", title_justify="left")
    heads = (
        rep.by or "group",
        "Req",
        "Hit ratio",
        "Paid",
        "No cache†",
        "Saved†",
        "Unread wr‡",
        "Unread $‡",
        "All 5m†",
        "All 1h†",
        "Cheaper",
    )
    for h in heads:
        table.add_column(h.capitalize() if h == rep.by else h, justify="right")
    rows = [*rep.groups, rep.total]
    for f in rows:
        key = "Total" if f is rep.total else plain(f.key if f.key is not None else "(none)")
        table.add_row(
            key,
            f"{f.requests:,}",
            _ratio(f),
            dollars(f.actual_usd),
            dollars(f.no_cache_usd),
            dollars(f.savings_usd),
            f"{f.unread_5m_tokens + f.unread_1h_tokens:,}",
            dollars(f.unread_usd),
            dollars(f.all_5m_usd),
            dollars(f.all_1h_usd),
            f.cheaper_ttl,
            style="bold" if f is rep.total else None,
        )
    console.print(table)
    t = rep.total
    console.print(
        "† counterfactual: no cache = every cached token at the input rate; all 5m / all 1h "
        "= every write at one TTL, hits re-judged from the gaps between requests."
    )
    console.print(
        "‡ inferred: cache writes no later request of the same thread read while they were "
        f"live (premium over plain input: {dollars(t.unread_premium_usd)}); "
        f"{t.pending_tokens:,} tokens still live (pending); "
        f"{t.unattributed_read_tokens:,} read tokens came from a cache written elsewhere."
    )
    for b in rep.break_even:
        console.print(
            f"break-even {plain(b.model)} {b.row} {b.ttl}: a write pays back after "
            f"{float(b.reads):.2f} reads per token ({b.reads_needed} whole read"  # float ok
            + ("s" if b.reads_needed > 1 else "")
            + ")"
        )
    if t.unpriced_requests:
        console.print(f"{t.unpriced_requests} requests of unknown models were left out.")


@cli.command("cache")
@click.option("--since", default=None, help="First day, YYYY-MM-DD (inclusive).")
@click.option("--until", default=None, help="Last day, YYYY-MM-DD (inclusive).")
@click.option(
    "--by",
    type=click.Choice(["day", "project", "session"]),
    default="day",
    show_default=True,
    help="Group by local day, project or session.",
)
@click.option("--timezone", "tz_name", default=None, help="IANA zone for days (default: local).")
@common_options
def cache_cmd(
    since: str | None,
    until: str | None,
    by: str,
    tz_name: str | None,
    as_json: bool,
    ledger_path: str | None,
    no_ingest: bool,
) -> None:
    """Prompt cache economics: hit ratio, savings, unread writes, TTL what-if."""
    tz = parse_tz(tz_name)
    start, end = time_filter(since, until, tz)
    rows, _ = load_rows(ledger_path, no_ingest, RecordFilter(since=start, until=end))
    now = datetime.now(timezone.utc)
    as_of = now if end is None or end > now else end
    group: GroupBy = "day" if by == "day" else "project" if by == "project" else "session"
    day_tz = tz or datetime.now().astimezone().tzinfo
    rep = cache_report(rows, by=group, as_of=as_of, tz=day_tz)
    if as_json:
        click.echo(json.dumps(rep.to_dict(), indent=2))
        return
    _render(rep)
