"""Options and loading shared by ``tokentrail context``, ``cache`` and ``whatif``.

Each command opens the ledger (``--ledger PATH``, else ``$TOKENTRAIL_LEDGER``, else the
platform data dir), ingests the default Claude Code sources first (``--no-ingest`` to skip),
then reads analysis rows with :func:`tokentrail.ledger.analysis_rows.request_rows`. With no
ledger and nothing to ingest, none is created (:mod:`tokentrail.cli._readonly`): the
command says where it looked. A team ledger URL (``chdb://``, ``clickhouse://``) is read
as it is (never ingested into), through the same
:class:`~tokentrail.ledger.protocol.AnalysisReads` methods.
Text output escapes terminal control characters and rich markup from the logs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any, TypeVar

import click

from tokentrail.analysis.rows import RequestRow
from tokentrail.errors import UserInputError
from tokentrail.ledger import RecordFilter, ingest_claude_code
from tokentrail.ledger.analysis_rows import request_rows
from tokentrail.ledger.protocol import AnalysisReads
from tokentrail.reports.zone import parse_zone

__all__ = [
    "common_options",
    "console",
    "dollars",
    "empty",
    "load_rows",
    "parse_day",
    "parse_tz",
    "plain",
    "short_model",
    "time_filter",
]

F = TypeVar("F", bound=Callable[..., Any])
_CONTROL = dict.fromkeys([*range(0, 32), 127, *range(128, 160)])


def common_options(fn: F) -> F:
    """``--json``, ``--ledger PATH`` and ``--no-ingest``."""
    fn = click.option("--json", "-j", "as_json", is_flag=True, help="Print JSON on stdout.")(fn)
    fn = click.option(
        "--ledger",
        "ledger_path",
        metavar="PATH",
        default=None,
        help="Ledger file (default: $TOKENTRAIL_LEDGER, else the platform data dir).",
    )(fn)
    return click.option(
        "--no-ingest", is_flag=True, help="Read the ledger without reading logs first."
    )(fn)


def console(stderr: bool = False) -> Any:
    """A rich console on stdout (``stderr``: on stderr, for hints): ``$COLUMNS`` wide when
    set, else the terminal's width, else (a pipe) 160 columns."""
    from tokentrail.reports.fit import output_console

    return output_console(160, stderr=stderr)


def short_model(model: str) -> str:
    """``claude-sonnet-4-6`` → ``sonnet-4-6`` (for narrow tables)."""
    return model.removeprefix("claude-")


def plain(text: object) -> str:
    """``text`` safe for a rich terminal: control characters as ``\\xNN``, markup escaped."""
    from rich.markup import escape

    s = str(text)
    if any(ord(c) in _CONTROL for c in s):
        s = "".join(f"\\x{ord(c):02x}" if ord(c) in _CONTROL else c for c in s)
    return escape(s)


def dollars(amount: Decimal, places: int = 4) -> str:
    """``$1,234.5678`` (rounded half-even for display only); a nonzero amount that rounds
    to zero is ``<$0.0001`` (signed), never ``$0.0000``."""
    q = Decimal(1).scaleb(-places)
    sign = "-" if amount < 0 else ""
    shown = abs(amount).quantize(q)
    if not shown and amount:
        return f"{sign}<${q}"
    return f"{sign}${shown:,}"


def parse_tz(name: str | None) -> tzinfo | None:
    """An IANA zone (or UTC); None = the process's local zone."""
    return parse_zone(name)


def parse_day(value: str | None, opt: str) -> date | None:
    """``YYYY-MM-DD`` or ``YYYYMMDD``; a clear error naming ``opt`` otherwise."""
    if value is None:
        return None
    v = value.strip()
    try:
        if len(v) == 8 and v.isdigit():
            return date(int(v[:4]), int(v[4:6]), int(v[6:]))
        return date.fromisoformat(v)
    except ValueError as exc:
        raise UserInputError(f"{opt} {value!r} is not a date (YYYY-MM-DD or YYYYMMDD)") from exc


def time_filter(
    since: str | None, until: str | None, tz: tzinfo | None
) -> tuple[datetime | None, datetime | None]:
    """UTC instants ``[start of since, end of until)`` for local days in ``tz``."""
    s, u = parse_day(since, "--since"), parse_day(until, "--until")
    if s is not None and u is not None and s > u:
        raise UserInputError(f"--since {s} is after --until {u}")
    zone = tz or datetime.now().astimezone().tzinfo

    def at(d: date) -> datetime:
        return datetime.combine(d, time(0), zone).astimezone(timezone.utc)

    return (
        None if s is None else at(s),
        None if u is None else at(u + timedelta(days=1)),
    )


def load_rows(
    ledger_path: str | None,
    no_ingest: bool,
    flt: RecordFilter | None = None,
    session: Callable[[AnalysisReads], str | None] | None = None,
) -> tuple[list[RequestRow], str | None]:
    """Rows of the ledger (after ingesting unless ``no_ingest``), oldest first.

    ``session``: called with the open ledger to choose one session id (the rows are then
    that session's, within ``flt``'s other constraints); returns the rows and that id.
    """
    from tokentrail.cli._readonly import reading_ledger
    from tokentrail.ledger.clickhouse.url import ledger_url

    url = ledger_url(ledger_path)
    if url is not None:
        from tokentrail.ledger.clickhouse.store import ClickHouseLedger

        with ClickHouseLedger(url) as team:
            return _read(team, flt, session)
    with reading_ledger(ledger_path, no_ingest=no_ingest) as ledger:
        if not no_ingest:
            ingest_claude_code(ledger, None)
        return _read(ledger, flt, session)


def _read(
    ledger: AnalysisReads,
    flt: RecordFilter | None,
    session: Callable[[AnalysisReads], str | None] | None,
) -> tuple[list[RequestRow], str | None]:
    sid = None
    if session is not None:
        sid = session(ledger)
        if sid is None:
            return [], None
        flt = RecordFilter(session_id=sid) if flt is None else replace(flt, session_id=sid)
    return list(request_rows(ledger, flt)), sid


def empty(rows: list[RequestRow], ledger_path: str | None, filtered: bool, as_json: bool) -> bool:
    """True when there are no ``rows`` and the command has nothing else to print: a text
    command then has said so (:data:`~tokentrail.cli._readonly.NO_MATCH` when filters were
    given, else where it looked). JSON is always printed (an empty document), with where it
    looked on stderr."""
    if rows:
        return False
    from tokentrail.cli._readonly import NO_MATCH, nothing_recorded

    if filtered:
        if not as_json:
            click.echo(NO_MATCH)
        return not as_json
    nothing_recorded(ledger_path, err=as_json)
    return not as_json
