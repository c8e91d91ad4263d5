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
    empty,
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


_HEADS = (
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
_TTL = frozenset({"All 5m†", "All 1h†"})
# Layouts tried widest first: (columns left out, keys shortened). The TTL counterfactuals
# go first (Cheaper sums them up), then session ids / project paths are shortened to a
# unique prefix / their last component, then the detail columns; Hit ratio, Paid and
# Saved stay.
_LAYOUTS: tuple[tuple[frozenset[str], bool], ...] = (
    (frozenset(), False),
    (_TTL, False),
    (_TTL, True),
    (_TTL | {"Unread wr‡"}, True),
    (_TTL | {"Unread wr‡", "No cache†"}, True),
    (_TTL | {"Unread wr‡", "No cache†", "Req"}, True),
    (_TTL | {"Unread wr‡", "No cache†", "Req", "Cheaper"}, True),
    (_TTL | {"Unread wr‡", "No cache†", "Req", "Cheaper", "Unread $‡"}, True),
)


def short_keys(keys: list[str], by: str | None) -> dict[str, str]:
    """Deliberately shortened group keys: a session id to the shortest prefix (8 at
    least) that tells the groups apart, a project path to its last component when that
    is unique; days and anything else unchanged."""
    from tokentrail.reports.render_table import _id_prefix

    if by == "session":
        n = _id_prefix(keys)
        return {k: k[:n] for k in keys}
    if by == "project":
        last = {k: k.rstrip("/").rsplit("/", 1)[-1] or k for k in keys}
        if len(set(last.values())) == len(last):
            return last
    return {k: k for k in keys}


def _render(rep: CacheReport) -> None:
    from rich.table import Table

    from tokentrail.reports.fit import fitting_columns

    console = make_console()
    rows = [*rep.groups, rep.total]
    short = short_keys([f.key for f in rep.groups if f.key is not None], rep.by)

    def build(layout: tuple[frozenset[str], bool]) -> Table:
        drop, shorten = layout
        table = Table(title=f"Prompt cache economics by {rep.by}", title_justify="left")
        by = rep.by or "group"
        table.add_column(by.capitalize(), justify="left", no_wrap=True)
        keep = [k for k, h in enumerate(_HEADS) if h not in drop]
        for k in keep:
            table.add_column(_HEADS[k], justify="right", no_wrap=True)
        for f in rows:
            if f is rep.total:
                key = "Total"
            elif f.key is None:
                key = "(none)"
            else:
                key = plain(short[f.key] if shorten else f.key)
            cells = (
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
            )
            table.add_row(key, *(cells[k] for k in keep), style="bold" if f is rep.total else None)
        return table

    table = fitting_columns(_LAYOUTS, build, console)
    console.print(table)
    t = rep.total
    console.print(
        "Paid and every counterfactual are token costs only: web-search fees (the same with "
        "or without a cache) are not included."
    )
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
    if empty(rows, ledger_path, since is not None or until is not None, as_json):
        return
    now = datetime.now(timezone.utc)
    as_of = now if end is None or end > now else end
    group: GroupBy = "day" if by == "day" else "project" if by == "project" else "session"
    day_tz = tz or datetime.now().astimezone().tzinfo
    rep = cache_report(rows, by=group, as_of=as_of, tz=day_tz)
    if as_json:
        click.echo(json.dumps(rep.to_dict(), indent=2))
        return
    _render(rep)
