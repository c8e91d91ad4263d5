"""``tokentrail doctor``, ``statusline``, ``demo`` and ``completion``."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import tempfile
from datetime import date
from pathlib import Path

import click

from tokentrail.cli import cli
from tokentrail.cli.options import lock_timeout, parse_date, parse_tz
from tokentrail.errors import LedgerError, LedgerLockedError, UserInputError
from tokentrail.reports.zone import ledger_file

__all__ = ["completion_cmd", "demo_cmd", "doctor_cmd", "statusline_cmd"]


def _cleanup_days(root: Path) -> int | str | None:
    """``cleanupPeriodDays`` from the settings.json beside a ``projects/`` root.

    An int when it is a whole number of days (a JSON number, or a string of digits such as
    ``"10"``); None when it is not set (or there is no readable settings.json); otherwise
    the raw value as text (``'soon'``), so doctor can say it is not usable.
    """
    config = root.parent if root.name == "projects" else root
    try:
        data = json.loads((config / "settings.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or "cleanupPeriodDays" not in data:
        return None
    value = data["cleanupPeriodDays"]
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
        return int(value.strip())
    return _safe_json(value)


def _safe_json(value: object) -> str:
    """A short, terminal-safe rendering of a settings value."""
    from tokentrail.reports.text import escape_controls

    text = json.dumps(value, ensure_ascii=False)
    return escape_controls(text if len(text) <= 40 else text[:37] + "...")


@cli.command("doctor")
@click.option("--ledger", "ledger_path", metavar="PATH", default=None, help="Ledger file.")
def doctor_cmd(ledger_path: str | None) -> None:
    """Where logs were found, the ledger's location and size, and what needs attention."""
    from tokentrail.cli.ingest import safe as safe_text
    from tokentrail.ingest.discover import claude_roots, discover_claude_files
    from tokentrail.reports.fit import wrapped

    warnings: list[str] = []
    roots = claude_roots()
    click.echo(
        wrapped("Claude Code log roots (CLAUDE_CONFIG_DIR, else ~/.config/claude and ~/.claude):")
    )
    total_files = 0
    for root in roots:
        files = discover_claude_files([root]) if root.exists() else []
        total_files += len(files)
        size = sum(f.path.stat().st_size for f in files if f.path.exists())
        state = f"{len(files)} files, {size / 1e6:.1f} MB" if root.exists() else "not found"
        click.echo(wrapped(f"  {safe_text(root)}: {state}"))
        if root.exists():
            days = _cleanup_days(root)
            if isinstance(days, str):
                warnings.append(
                    f"cleanupPeriodDays is {days}, not a whole number of days: Claude Code may "
                    "ignore it and delete logs after 30 days; ingest at least monthly"
                )
            elif days is None:
                warnings.append(
                    f"{safe_text(root.parent if root.name == 'projects' else root)}: "
                    "cleanupPeriodDays not set, Claude Code deletes logs after 30 days; "
                    "ingest at least monthly (tokentrail keeps what it has read)"
                )
            elif days <= 30:
                warnings.append(
                    f"cleanupPeriodDays is {days}: logs older than {days} days are deleted; "
                    "history at risk unless tokentrail ingests regularly"
                )
    if not total_files:
        warnings.append("no Claude Code logs found (set CLAUDE_CONFIG_DIR or use ingest PATH)")
    from tokentrail.ledger.clickhouse.url import ledger_url

    url = ledger_url(ledger_path)
    if url is not None:
        _team_doctor(url, warnings)
    else:
        _local_doctor(ledger_path, warnings)
    if warnings:
        click.echo("Warnings:")
        for w in warnings:
            click.echo(wrapped(f"  ! {w}"))
    else:
        click.echo("No problems found.")


def _local_doctor(ledger_path: str | None, warnings: list[str]) -> None:
    """The SQLite ledger's part of ``doctor``: integrity, size, flags, unpriced, problems."""
    from tokentrail.cli.ingest import safe as safe_text
    from tokentrail.ledger import open_ledger, resolve_ledger_path
    from tokentrail.reports.fit import wrapped

    path = resolve_ledger_path(ledger_path)
    click.echo(wrapped(f"Ledger: {safe_text(path)}"))
    if path.exists():
        damage = _integrity(path)
        click.echo(f"  integrity (PRAGMA quick_check): {'ok' if not damage else 'DAMAGED'}")
        if damage:
            for line in damage:
                click.echo(wrapped(f"    {safe_text(line)}"))
            click.echo(
                wrapped(
                    "tokentrail: error: the ledger is damaged: restore it from a backup, or "
                    "move it aside and ingest again (logs older than Claude Code keeps are "
                    "only in the ledger)"
                ),
                err=True,
            )
            sys.exit(2)
        with open_ledger(path, timeout=lock_timeout()) as ledger:
            click.echo(f"  {ledger.count_records():,} records, {ledger.size_bytes() / 1e6:.1f} MB")
            unpriced = ledger.unpriced_models()
            problems = ledger.problems()
            flagged = ledger.flag_counts()
        if flagged:
            click.echo(
                "  records priced on an assumption, by price flag (`tokentrail explain ID`):"
            )
            for code, n in flagged.items():
                click.echo(f"    {code}: {n:,}")
        if unpriced:
            names = ", ".join(f"{safe_text(m)} ({n})" for m, n in unpriced)
            warnings.append(f"unpriced models (not in the price catalog): {names}")
        if problems:
            warnings.append(
                f"{len(problems)} log lines skipped as malformed (see `tokentrail problems`)"
            )
    else:
        click.echo("  not created yet")
        click.echo("create it with: tokentrail (or tokentrail ingest PATH...)", err=True)


def _team_doctor(url: str, warnings: list[str]) -> None:
    """The team ledger's part of ``doctor``: where it is (never its password), its records,
    machines, users and problems."""
    from tokentrail.cli.ingest import safe as safe_text
    from tokentrail.ledger.clickhouse.store import ClickHouseLedger
    from tokentrail.reports.fit import wrapped

    with ClickHouseLedger(url) as team:
        click.echo(wrapped(f"Ledger: {safe_text(team.url.display)} (team ledger)"))
        machines = team.dimension("machine")
        users = team.dimension("user")
        click.echo(
            f"  {team.count_records():,} records; machines: {len(machines):,}; "
            f"users: {len(users):,}"
        )
        problems = team.problems()
    if problems:
        warnings.append(
            f"{len(problems)} log lines skipped as malformed (see `tokentrail problems`)"
        )


def _integrity(path: Path) -> list[str]:
    """What ``PRAGMA quick_check`` finds wrong in the ledger at ``path`` (empty: nothing),
    read-only; at most 10 lines."""
    from tokentrail.ledger.uri import connect_readonly

    try:
        db = connect_readonly(str(path), timeout=lock_timeout())
    except sqlite3.Error as exc:
        return [f"cannot open it: {exc}"]
    try:
        rows = [str(r[0]) for r in db.execute("PRAGMA quick_check(10)")]
    except sqlite3.Error as exc:
        return [str(exc)]
    finally:
        db.close()
    if rows == ["ok"]:
        return []
    return [line for row in rows for line in row.splitlines() if line.strip()][:10]


#: Seconds the status line hook waits for a ledger another process is writing.
HOOK_LOCK_WAIT = 1.0  # float ok: seconds


@cli.command("statusline")
@click.option("--ledger", "ledger_path", metavar="PATH", default=None, help="Ledger file.")
@click.option("--timezone", "-z", "tz_name", metavar="ZONE", help="Zone for 'today'.")
@click.option(
    "--hook",
    is_flag=True,
    help="Read Claude Code's statusLine JSON on stdin: add the session's cost, the context "
    "from its transcript, and ingest the transcript's new bytes in the background.",
)
@click.option(
    "--visual-burn-rate",
    "-B",
    "burn",
    type=click.Choice(["off", "emoji", "text", "emoji-text"]),
    default="off",
    show_default=True,
    help="Show the active block's burn-rate level (normal / moderate / high).",
)
@click.option(
    "--context-low-threshold",
    "low",
    type=click.IntRange(0, 100),
    default=50,
    show_default=True,
    help="Context % below which it is shown in green.",
)
@click.option(
    "--context-medium-threshold",
    "medium",
    type=click.IntRange(0, 100),
    default=80,
    show_default=True,
    help="Context % below which it is shown in yellow (red from there).",
)
@click.option(
    "--color",
    "color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="ANSI colours: auto = only on a terminal (or with $FORCE_COLOR; never with "
    "$NO_COLOR). Claude Code renders colours: use --color always there.",
)
def statusline_cmd(
    ledger_path: str | None,
    tz_name: str | None,
    hook: bool,
    burn: str,
    low: int,
    medium: int,
    color: str,
) -> None:
    """One short line: today's cost, the active 5-hour block, context % of the session.

    Fast enough for a prompt hook (reads the ledger only). In Claude Code's settings:
    {"statusLine": {"type": "command", "command": "tokentrail statusline --hook --color
    always"}}. With --hook the session's cost comes first; `ctx ?` is a model whose context
    window is unknown.
    """
    from tokentrail.reports.statusline import make_look, status_line

    tz = parse_tz(tz_name)
    try:
        look = make_look(burn, low, medium, color, sys.stdout.isatty())
    except ValueError as exc:
        raise UserInputError(str(exc)) from exc
    from tokentrail.ledger.clickhouse.url import ledger_url

    if ledger_url(ledger_path) is not None:
        raise UserInputError(
            "the status line reads this machine's ledger, not a team ledger URL: give "
            "--ledger PATH (or unset a team URL in $TOKENTRAIL_LEDGER for the hook)"
        )
    path = ledger_file(ledger_path)
    pending: list[str] = []
    try:
        if hook:
            from tokentrail.reports.hook import hook_line, hook_session, read_hook_input

            data = read_hook_input()
            _, transcript = hook_session(data)
            try:
                line = hook_line(path, tz, look, data, defer=pending)
            except sqlite3.Error:
                if transcript is None:
                    raise
                line = None  # e.g. a ledger before a migration: the ingest brings it up
            if line is None and transcript is not None and os.path.isfile(transcript):
                # first run (no ledger yet): read the transcript in the foreground
                from tokentrail.ledger import ingest_claude_code, open_ledger
                from tokentrail.reports.hook import session_files

                # Claude Code waits for this line: a ledger another process is writing gets
                # at most HOOK_LOCK_WAIT, then the line shows what the ledger holds.
                try:
                    with open_ledger(path, timeout=HOOK_LOCK_WAIT) as ledger:
                        files = [Path(f) for f in session_files(transcript)]
                        ingest_claude_code(ledger, files)
                except LedgerLockedError:
                    pass
                line = hook_line(path, tz, look, data, background=False)
        else:
            line = status_line(path, tz, None, look)
    except sqlite3.Error as exc:
        raise LedgerError(f"cannot read ledger {path}: {exc}") from exc
    # color=True: keep the ANSI codes the look asked for (click strips them on a pipe)
    click.echo(
        line if line is not None else "tokentrail: no ledger yet (run `tokentrail`)", color=True
    )
    if pending:  # once the line is out: the background ingest of the new bytes
        from tokentrail.reports.hook import ingest_in_background

        sys.stdout.flush()
        ingest_in_background(os.fspath(path), pending)


@cli.command("demo")
@click.option("--seed", default=7, show_default=True, help="Random seed of the sample logs.")
@click.option("--days", default=14, show_default=True, help="Days of sample history.")
@click.option("--end", "end", metavar="DATE", default=None, help="Last day (default: today).")
@click.option(
    "--keep",
    metavar="DIR",
    default=None,
    help="Write the sample logs and ledger to DIR (new) instead of a temporary folder.",
)
def demo_cmd(seed: int, days: int, end: str | None, keep: str | None) -> None:
    """Build a sample ledger from generated logs and show the main reports.

    Never touches your ledger or your logs: everything lives in a temporary folder.
    """
    from rich.console import Console

    from tokentrail.ledger import ingest_claude_code, open_ledger
    from tokentrail.reports import ReportOptions, build_report
    from tokentrail.reports.render_table import render_table
    from tokentrail.sample.demo import write_demo_tree

    if days < 1 or days > 366:
        raise UserInputError("--days must be between 1 and 366")
    last: date | None = parse_date(end, "--end")
    console = Console(highlight=False, emoji=False)
    with tempfile.TemporaryDirectory(prefix="tokentrail-demo-") as tmp:
        base = Path(keep) if keep else Path(tmp)
        if keep and base.exists() and any(base.iterdir()):
            raise UserInputError(f"--keep {keep}: directory exists and is not empty")
        logs = base / "claude"
        n = write_demo_tree(logs, seed=seed, days=days, end=last)
        with open_ledger(base / "demo-ledger.sqlite3") as ledger:
            ingest_claude_code(ledger, [logs / "projects"])
            console.print(f"Demo: {n} sample requests over {days} days (seed {seed}).\n")
            for kind in ("daily", "project", "model", "agent"):
                report = build_report(ledger, kind, ReportOptions(tz=parse_tz("UTC")))
                render_table(report, console)
                console.print()
        if last is None:  # history up to now: show the status line too
            from tokentrail.reports.statusline import status_line

            line = status_line(base / "demo-ledger.sqlite3", parse_tz("UTC"))
            if line is not None:
                click.echo(f"Status line (tokentrail statusline): {line}\n")
        click.echo(  # a tip: stderr, never in redirected output
            "Your own numbers: run `tokentrail` (reads ~/.claude), then `tokentrail session`, "
            "`tokentrail blocks`, `tokentrail doctor`. Every report takes --json, --csv, "
            "--parquet FILE and --help.",
            err=True,
        )
        if keep:
            click.echo(f"Sample logs and ledger kept in {os.fspath(base)}")


@cli.command("completion")
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion_cmd(shell: str) -> None:
    """Print the shell completion script for SHELL.

    bash: eval "$(tokentrail completion bash)" in ~/.bashrc; zsh: the same in ~/.zshrc;
    fish: tokentrail completion fish > ~/.config/fish/completions/tokentrail.fish
    """
    from click.shell_completion import get_completion_class

    cls = get_completion_class(shell)
    assert cls is not None
    click.echo(cls(cli, {}, "tokentrail", "_TOKENTRAIL_COMPLETE").source())
