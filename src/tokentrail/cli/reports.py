"""Report commands: ``daily``, ``weekly``, ``monthly``, ``session``, ``project``,
``model``, ``blocks``, ``agent``, ``branch``; all share one option bundle.

Each ingests the default Claude Code sources first (``--no-ingest`` to skip; bad lines are
counted, listed by ``tokentrail problems``, and do not change the exit code: new ones are
announced by one note line on stderr unless ``--quiet``), then prints a table, ``--json``,
``--csv``, and/or writes ``--parquet FILE``. A ledger another process is writing is waited
for :data:`REPORT_LOCK_TIMEOUT` seconds (``$TOKENTRAIL_LOCK_TIMEOUT``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

import click

from tokentrail.cli import cli
from tokentrail.cli._readonly import reading_reports
from tokentrail.cli.options import ReportArgs, lock_timeout, progress_bar, report_options
from tokentrail.cli.options import show_progress as _show_progress
from tokentrail.ledger import SQLiteLedger, ingest_claude_code
from tokentrail.pricing.catalog import check_override
from tokentrail.reports import Report, write_parquet
from tokentrail.reports.build import (
    WEEKDAYS,
    ReportOptions,
    build_report,
    options_for,
    sum_rows,
)

# From the modules, not the package: once ``tokentrail.reports.render_json`` (the module)
# is imported, e.g. by the warm fast path that handed this call over, the package
# attribute of that name is the module, not the function.
from tokentrail.reports.render_csv import render_csv
from tokentrail.reports.render_json import render_json
from tokentrail.reports.warm import REPORT_LOCK_TIMEOUT

__all__ = ["REPORT_LOCK_TIMEOUT", "make_report", "make_with", "run_report"]

T = TypeVar("T")


def make_report(
    args: ReportArgs, kind: str, session_prefix: str | None = None, **extra: Any
) -> Report:
    """Open the ledger, ingest (unless ``--no-ingest``), build the ``kind`` report (of the
    one session ``session_prefix`` names, when given: an id or a unique prefix)."""
    return make_with(
        args, lambda ledger, opts: build_report(ledger, kind, opts), session_prefix, **extra
    )


def make_with(
    args: ReportArgs,
    builder: Callable[[Any, ReportOptions], T],
    session_prefix: str | None = None,
    **extra: Any,
) -> T:
    """:func:`make_report` with any ``builder(ledger, options)`` (from an empty scratch
    ledger when there is neither a ledger nor logs: see :mod:`tokentrail.cli._readonly`)."""
    timeout = lock_timeout(REPORT_LOCK_TIMEOUT)
    check_override()  # the prices in force: a broken override is an error, never ignored
    with reading_reports(
        args.ledger_path,
        no_ingest=args.no_ingest,
        timeout=timeout,
        machines=args.machines,
        users=args.users,
    ) as ledger:
        if not isinstance(ledger, SQLiteLedger):  # read-only or team: reported as it is
            team = type(ledger).__name__ == "ClickHouseLedger"
            if not args.no_ingest and not args.quiet and not team:
                click.echo(
                    "note: the ledger is read-only: this is what it holds (new log lines were "
                    "not read)",
                    err=True,
                )
        elif not args.no_ingest and not (args.users or args.machines):  # team filters: as is
            with progress_bar(_show_progress(args.quiet)) as cb:
                summary = ingest_claude_code(ledger, None, progress=cb)
            if summary.problems_new and not args.quiet:
                n = summary.problems_new
                click.echo(
                    f"note: {n} new problem line{'s' if n != 1 else ''} in the logs were "
                    "skipped; see `tokentrail problems`",
                    err=True,
                )
        if session_prefix is not None:
            from tokentrail.ledger.analysis_rows import resolve_session_id

            extra["session_id"] = resolve_session_id(ledger, session_prefix)
        opts = options_for(
            ledger,
            tz=args.tz,
            since=args.since,
            until=args.until,
            project=args.project,
            models=args.models,
            order=args.order,
            **extra,
        )
        return builder(ledger, opts)


def emit(report: Report, args: ReportArgs) -> None:
    """Print / write ``report`` as the options ask: ``--parquet FILE`` writes the file and
    prints the table too (or the ``--json`` / ``--csv`` asked for)."""
    if args.parquet is not None:
        write_parquet(report, args.parquet, args.breakdown)
        if not args.quiet:
            click.echo(f"wrote {args.parquet}", err=True)
    filtered = any(report.filters.get(k) for k in ("since", "until", "project", "models"))
    filtered = filtered or bool(args.users or args.machines)
    if not report.rows and not filtered:
        from tokentrail.cli._readonly import nothing_recorded

        as_data = args.as_json or args.as_csv
        if not as_data:
            nothing_recorded(args.ledger_path)
            return
        if not args.quiet:
            nothing_recorded(args.ledger_path, err=True)
    if args.as_json:
        click.echo(render_json(report))
    elif args.as_csv:
        click.echo(render_csv(report, args.breakdown), nl=False)
    else:
        from tokentrail.reports.render_table import print_table

        print_table(report, breakdown=args.breakdown, quiet=args.quiet)


def run_report(kind: str, kw: dict[str, Any], **extra: Any) -> None:
    """Parse the bundle in ``kw``, build and emit the ``kind`` report."""
    args = ReportArgs.from_kwargs(kw)
    emit(make_report(args, kind, **extra), args)


@cli.command("daily")
@click.option(
    "--instances",
    "-i",
    is_flag=True,
    help="Each day per project too (JSON: a projects list in each day; table: a row per "
    "day and project).",
)
@report_options
def daily_cmd(instances: bool = False, **kw: Any) -> None:
    """Usage and cost per day (local days of --timezone)."""
    if not instances:
        run_report("daily", kw)
        return
    from tokentrail.reports.instances import instances as per_project
    from tokentrail.reports.instances import instances_dict, instances_table_report

    args = ReportArgs.from_kwargs(kw)
    daily, per = make_with(args, per_project)
    if args.as_json and args.parquet is None:
        import json

        click.echo(json.dumps(instances_dict(daily, per), indent=2))
        return
    emit(instances_table_report(daily, per), args)


@cli.command("weekly")
@click.option(
    "--start-of-week",
    "-w",
    type=click.Choice(list(WEEKDAYS)),
    default="monday",
    show_default=True,
    help="First day of a week.",
)
@report_options
def weekly_cmd(start_of_week: str, **kw: Any) -> None:
    """Usage and cost per week (rows keyed by the week's first day)."""
    run_report("weekly", kw, start_of_week=WEEKDAYS[start_of_week])


@cli.command("monthly")
@report_options
def monthly_cmd(**kw: Any) -> None:
    """Usage and cost per calendar month."""
    run_report("monthly", kw)


@cli.command("session")
@click.option(
    "--id",
    "-i",
    "session_id",
    metavar="ID",
    default=None,
    help="Only this session (its id or a unique prefix), broken down per model.",
)
@report_options
def session_cmd(session_id: str | None, **kw: Any) -> None:
    """Usage and cost per Claude Code session (subagents count in their parent session)."""
    if session_id is None:
        run_report("session", kw)
        return
    args = ReportArgs.from_kwargs(kw)
    if not args.as_csv:
        args = replace(args, breakdown=True)
    emit(make_report(args, "session", session_prefix=session_id), args)


@cli.command("project")
@report_options
def project_cmd(**kw: Any) -> None:
    """Usage and cost per project (working directory)."""
    run_report("project", kw)


@cli.command("model")
@report_options
def model_cmd(**kw: Any) -> None:
    """Usage and cost per model id."""
    run_report("model", kw)


@cli.command("agent")
@report_options
def agent_cmd(**kw: Any) -> None:
    """Usage and cost per agent: main thread vs each subagent type."""
    run_report("agent", kw)


@cli.command("branch")
@report_options
def branch_cmd(**kw: Any) -> None:
    """Usage and cost per git branch (as logged on each line)."""
    run_report("branch", kw)


@cli.command("user")
@report_options
def user_cmd(**kw: Any) -> None:
    """Usage and cost per user (team ledger; locally: the OS user)."""
    run_report("user", kw)


@cli.command("machine")
@report_options
def machine_cmd(**kw: Any) -> None:
    """Usage and cost per machine (team ledger; locally: this host)."""
    run_report("machine", kw)


@cli.command("blocks")
@click.option("--active", is_flag=True, help="Only the active block (if any).")
@click.option("--recent", is_flag=True, help="Only blocks of the last 3 days (and the active).")
@click.option(
    "--token-limit",
    "-t",
    "token_limit",
    metavar="N|max",
    default=None,
    help="Compare the active block with N tokens, or the largest earlier block (max); JSON "
    "adds a token_limit object.",
)
@click.option(
    "--session-length",
    "-n",
    "hours",
    type=click.FloatRange(min=0, min_open=True, max=24 * 7),
    default=5.0,
    show_default=True,
    help="Block length in hours.",
)
@report_options
def blocks_cmd(
    active: bool,
    recent: bool,
    token_limit: str | None,
    hours: float,  # float ok: a block's length
    **kw: Any,
) -> None:
    """5-hour billing blocks (as ccusage): the active one with burn rate and projection."""
    args = ReportArgs.from_kwargs(kw)
    spec = None
    if token_limit is not None:
        from tokentrail.reports.limits import parse_limit

        spec = parse_limit(token_limit)
    block_ms = round(hours * 3_600_000)  # float ok: hours to whole milliseconds
    report = make_report(args, "blocks", block_ms=block_ms)
    limit_info = None
    if spec is not None:
        from tokentrail.reports.limits import token_limit as limit_of

        limit_info = limit_of(report, spec)
    if recent and not active:
        from datetime import datetime, timedelta, timezone

        cutoff = datetime.now(timezone.utc) - timedelta(days=3)
        rows = [
            r
            for r in report.rows
            if r.extra.get("is_active")
            or datetime.fromisoformat(str(r.extra["last_activity"])) >= cutoff
        ]
        total, models = sum_rows(rows)
        report = Report(report.kind, rows, total, models, report.timezone, report.filters)
    if active:
        rows = [r for r in report.rows if r.extra.get("is_active")]
        if not rows and not (args.as_json or args.as_csv or args.parquet):
            click.echo("No active block: no request in the last 5 hours.")
            return
        total, models = sum_rows(rows)
        report = Report(report.kind, rows, total, models, report.timezone, report.filters)
    if limit_info is None:
        emit(report, args)
    elif args.as_json and args.parquet is None:
        import json

        from tokentrail.reports.render_json import report_to_dict

        click.echo(json.dumps({**report_to_dict(report), "token_limit": limit_info}, indent=2))
    else:
        from tokentrail.reports.limits import limit_line

        emit(report, args)
        if not (args.as_json or args.as_csv):
            click.echo(limit_line(limit_info))
