"""The option bundle shared by every report command, and its parsing.

Flag names follow ccusage where they overlap (``--since/--until``, ``--json``,
``--breakdown``, ``--timezone``, ``--order``). Parsing errors raise
:class:`~tokentrail.errors.UserInputError` (one line on stderr, exit code 2).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, tzinfo
from pathlib import Path
from typing import Any, TypeVar

import click

from tokentrail.errors import UserInputError
from tokentrail.reports.dates import parse_date
from tokentrail.reports.zone import ENV_LOCK_TIMEOUT, lock_timeout, parse_zone

__all__ = [
    "ENV_LOCK_TIMEOUT",
    "ReportArgs",
    "lock_timeout",
    "parse_date",
    "parse_tz",
    "progress_bar",
    "report_options",
]

F = TypeVar("F", bound=Callable[..., Any])


def parse_tz(name: str | None) -> tzinfo | None:
    """IANA zone (or ``UTC``) for ``--timezone``; None means the process's local time."""
    return parse_zone(name)


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A transient rich progress bar on stderr (bytes read / to read) when ``enabled``."""
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
        console=Console(stderr=True, emoji=False),
        transient=True,
    ) as bar:
        task = bar.add_task("ingesting", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def show_progress(quiet: bool) -> bool:
    """Progress bars only on an interactive stderr and without ``--quiet``."""
    return not quiet and sys.stderr.isatty()


@dataclass(frozen=True, slots=True)
class ReportArgs:
    """The parsed option bundle of a report command."""

    as_json: bool
    as_csv: bool
    parquet: Path | None
    breakdown: bool
    since: date | None
    until: date | None
    project: str | None
    models: tuple[str, ...]
    tz: tzinfo | None
    tz_given: str | None
    order: str
    no_ingest: bool
    ledger_path: str | None
    quiet: bool
    users: tuple[str, ...] = ()
    machines: tuple[str, ...] = ()

    @classmethod
    def from_kwargs(cls, kw: dict[str, Any]) -> ReportArgs:
        """Pop the bundle's values out of a command's keyword arguments."""
        if kw["as_json"] and kw["as_csv"]:
            raise UserInputError("--json and --csv are exclusive: choose one")
        parquet = kw.pop("parquet")
        return cls(
            as_json=kw.pop("as_json"),
            as_csv=kw.pop("as_csv"),
            parquet=Path(parquet) if parquet else None,
            breakdown=kw.pop("breakdown"),
            since=parse_date(kw.pop("since"), "--since"),
            until=parse_date(kw.pop("until"), "--until"),
            project=kw.pop("project"),
            models=tuple(kw.pop("models")),
            tz=parse_tz(kw["tz_name"]),
            tz_given=kw.pop("tz_name"),
            order=kw.pop("order"),
            no_ingest=kw.pop("no_ingest"),
            ledger_path=kw.pop("ledger_path"),
            quiet=kw.pop("quiet"),
            users=tuple(kw.pop("users", ())),
            machines=tuple(kw.pop("machines", ())),
        )


_BUNDLE = [
    click.option("--json", "-j", "as_json", is_flag=True, help="Print JSON (schema_version 1)."),
    click.option("--csv", "as_csv", is_flag=True, help="Print CSV (spreadsheet-safe)."),
    click.option(
        "--parquet",
        metavar="FILE",
        default=None,
        help="Also write the report to FILE as Parquet (needs tokentrail[parquet]).",
    ),
    click.option("--breakdown", "-b", is_flag=True, help="Add one row per model under each row."),
    click.option(
        "--since", "-s", metavar="DATE", help="First day (YYYYMMDD or YYYY-MM-DD), inclusive."
    ),
    click.option(
        "--until", "-u", metavar="DATE", help="Last day (YYYYMMDD or YYYY-MM-DD), inclusive."
    ),
    click.option(
        "--project",
        "-p",
        metavar="NAME",
        help="Only this project (path, Claude Code folder name, or a unique part).",
    ),
    click.option(
        "--model",
        "-m",
        "models",
        metavar="MODEL",
        multiple=True,
        help="Only this model (exact id or part of it, e.g. opus); repeatable.",
    ),
    click.option(
        "--timezone",
        "-z",
        "tz_name",
        metavar="ZONE",
        default=None,
        help="IANA zone for day boundaries (default: local time).",
    ),
    click.option(
        "--order",
        "-o",
        type=click.Choice(["asc", "desc"]),
        default="asc",
        show_default=True,
        help="Row order.",
    ),
    click.option("--no-ingest", is_flag=True, help="Report from the ledger without reading logs."),
    click.option(
        "--ledger",
        "ledger_path",
        metavar="PATH",
        default=None,
        help="Ledger file (default: $TOKENTRAIL_LEDGER, else the platform data dir).",
    ),
    click.option("--quiet", "-q", is_flag=True, help="No progress bar or notes on stderr."),
    click.option(
        "--user",
        "users",
        metavar="NAME",
        multiple=True,
        help="Only this user's records (team ledger; locally: the OS user); repeatable.",
    ),
    click.option(
        "--machine",
        "machines",
        metavar="NAME",
        multiple=True,
        help="Only this machine's records (team ledger; locally: this host); repeatable.",
    ),
]


def report_options(func: F) -> F:
    """Decorate a command with the shared report option bundle."""
    for opt in reversed(_BUNDLE):
        func = opt(func)
    return func
