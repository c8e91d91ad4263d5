"""Bare ``tokentrail``: ingest the default Claude Code sources, then the daily report.

When the default log folders hold no transcript (none yet, or Claude Code's cleanup
deleted them), the ledger may still hold history: then the daily report is printed from
it, with a one-line note on stderr. Only when the ledger is empty (or absent) too does
it print where it looked (stdout) and how to point it elsewhere (stderr: tips never go
into redirected output), and exit 0 (nothing is wrong: there is simply nothing to report
yet).
"""

from __future__ import annotations

import sqlite3

import click

from tokentrail.ingest.discover import claude_roots, discover_claude_files

__all__ = ["NO_LOGS_TIPS", "default_run", "ledger_has_records", "no_logs_message"]


def no_logs_message() -> str:
    """What bare ``tokentrail`` prints (stdout) when no Claude Code transcript is found."""
    roots = claude_roots()
    looked = "\n".join(f"  {r}" for r in roots) or "  (no candidate directory)"
    return f"No Claude Code logs found. tokentrail looked in:\n{looked}"


#: The tips that follow :func:`no_logs_message`, on stderr (never in redirected output).
NO_LOGS_TIPS = (
    "Point it elsewhere with CLAUDE_CONFIG_DIR=/path/to/.claude tokentrail, or read any "
    "folder or .jsonl file with: tokentrail ingest PATH...\n"
    "To see what tokentrail shows, try: tokentrail demo"
)


def ledger_has_records() -> bool:
    """Whether the default ledger (``$TOKENTRAIL_LEDGER`` or the platform data dir) exists
    and holds at least one record. Read-only: never creates the ledger file."""
    from tokentrail.ledger import resolve_ledger_path
    from tokentrail.reports.statusline import open_readonly

    try:
        db = open_readonly(resolve_ledger_path())
        if db is None:
            return False
        try:
            return db.execute("SELECT 1 FROM records LIMIT 1").fetchone() is not None
        finally:
            db.close()
    except sqlite3.Error:
        return False  # not a ledger (or not readable): the daily report would say so


def default_run(ctx: click.Context, as_json: bool = False) -> None:
    """Run the daily report on the default sources (``as_json``: as ``daily --json``), or
    explain that none exist (on stderr with ``as_json``, stdout staying empty)."""
    from tokentrail.cli.reports import daily_cmd

    if discover_claude_files(claude_roots()):
        ctx.invoke(daily_cmd, as_json=as_json)
        return
    if not ledger_has_records():
        click.echo(no_logs_message(), err=as_json)
        click.echo(NO_LOGS_TIPS, err=True)
        return
    ctx.invoke(daily_cmd, no_ingest=True, as_json=as_json)
    click.echo(
        "note: no Claude Code logs in the default folders (`tokentrail doctor` shows where "
        "it looked); this is the history already stored in the ledger.",
        err=True,
    )
