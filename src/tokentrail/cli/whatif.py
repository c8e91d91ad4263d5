"""``tokentrail whatif --model M | --batch | --ttl 5m|1h``: the same usage, priced differently.

Prices the selected records as recorded and under the scenario and prints the delta per
component. Always an **estimate**: token counts are kept as recorded, though tokenizers
differ between model generations. Options combine (``--model claude-haiku-5-5 --batch``).
``--no-batch`` removes the batch discount from batch records. ``--session`` takes an id or a
unique prefix (an unknown or ambiguous one is an error). ``--json`` prints money as
exact decimal strings. Rules: :mod:`tokentrail.analysis.whatif`.
"""

from __future__ import annotations

import json

import click

from tokentrail.analysis.rates import RateBook
from tokentrail.analysis.whatif import WhatIf, reprice
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
from tokentrail.errors import UserInputError
from tokentrail.ledger import RecordFilter
from tokentrail.ledger.analysis_rows import resolve_session_id
from tokentrail.ledger.protocol import AnalysisReads
from tokentrail.pricing.resolve import find_model

__all__ = ["whatif_cmd"]

_LABEL = {
    "input": "Input",
    "cache_write_5m": "Cache write 5m",
    "cache_write_1h": "Cache write 1h",
    "cache_read": "Cache read",
    "output": "Output",
}


def _scenario(w: WhatIf) -> str:
    parts = []
    if w.model is not None:
        parts.append(f"on {w.model}")
    if w.batch is not None:
        parts.append("as batch" if w.batch else "without batch")
    if w.ttl is not None:
        parts.append(f"with {w.ttl} cache writes")
    return ", ".join(parts)


def _render(w: WhatIf) -> None:
    from rich.table import Table

    from tokentrail.reports.fit import fitting_columns

    console = make_console()
    heads = ("Tokens", "What-if tokens", "Actual", "What-if", "Delta")
    rows: list[tuple[str, tuple[str, ...], str | None]] = [
        (
            _LABEL.get(c.component, c.component),
            (
                f"{c.actual_tokens:,}",
                f"{c.whatif_tokens:,}",
                dollars(c.actual_usd),
                dollars(c.whatif_usd),
                dollars(c.delta_usd),
            ),
            None,
        )
        for c in w.components
    ]
    money = (dollars(w.actual_usd), dollars(w.whatif_usd), dollars(w.delta_usd))
    rows.append(("Total", ("", "", *money), "bold"))

    def build(drop: frozenset[str]) -> Table:
        table = Table(title=f"What if: {plain(_scenario(w))} (ESTIMATE)", title_justify="left")
        table.add_column("Component", justify="left", no_wrap=True)
        keep = [k for k, h in enumerate(heads) if h not in drop]
        for k in keep:
            table.add_column(heads[k], justify="right", no_wrap=True)
        for label, cells, style in rows:
            table.add_row(label, *(cells[k] for k in keep), style=style)
        return table

    # the token counts go first (the money columns are the answer)
    layouts: tuple[frozenset[str], ...] = (
        frozenset(),
        frozenset({"What-if tokens"}),
        frozenset({"What-if tokens", "Tokens"}),
    )
    table = fitting_columns(layouts, build, console)
    console.print(table)
    pct = "" if not w.actual_usd else f" ({w.delta_usd / w.actual_usd:+.1%})"
    console.print(f"{w.requests:,} requests; delta {dollars(w.delta_usd)}{pct}")
    for n in w.notes:
        console.print(f"note: {plain(n)}")
    if w.unpriced_tokens:
        console.print(
            f"warning: {w.unpriced_tokens:,} tokens have no price on one side and are "
            "counted as $0 (a lower bound)"
        )
    if w.unpriced_requests:
        console.print(f"{w.unpriced_requests} requests of unknown models were left out.")


@cli.command("whatif")
@click.option(
    "--model", default=None, help="Price every call on this model (id or a unique part of one)."
)
@click.option(
    "--batch/--no-batch",
    default=None,
    help="Bill every request as a Message Batches request (or none of them).",
)
@click.option("--ttl", type=click.Choice(["5m", "1h"]), default=None, help="One TTL for writes.")
@click.option(
    "--session", "session_id", default=None, help="Only this session (id or unique prefix)."
)
@click.option("--since", default=None, help="First day, YYYY-MM-DD (inclusive).")
@click.option("--until", default=None, help="Last day, YYYY-MM-DD (inclusive).")
@click.option("--timezone", "tz_name", default=None, help="IANA zone for days (default: local).")
@common_options
def whatif_cmd(
    model: str | None,
    batch: bool | None,
    ttl: str | None,
    session_id: str | None,
    since: str | None,
    until: str | None,
    tz_name: str | None,
    as_json: bool,
    ledger_path: str | None,
    no_ingest: bool,
) -> None:
    """Estimate the cost of your usage on another model, tier or cache TTL."""
    if model is None and batch is None and ttl is None:
        raise UserInputError("nothing to compare: give --model M, --batch/--no-batch or --ttl")
    book = RateBook()
    if model is not None:
        model = find_model(book.catalog, model).id
    start, end = time_filter(since, until, parse_tz(tz_name))
    flt = RecordFilter(since=start, until=end)
    if session_id is None:
        rows, _ = load_rows(ledger_path, no_ingest, flt)
    else:
        given = session_id

        def choose(ledger: AnalysisReads) -> str:
            return resolve_session_id(ledger, given)

        rows, _ = load_rows(ledger_path, no_ingest, flt, session=choose)
    filtered = since is not None or until is not None or session_id is not None
    if empty(rows, ledger_path, filtered, as_json):
        return
    w = reprice(
        rows,
        model=model,
        book=book,
        batch=batch,
        ttl="5m" if ttl == "5m" else "1h" if ttl else None,
    )
    if as_json:
        click.echo(json.dumps(w.to_dict(), indent=2))
        return
    _render(w)
