"""Bare ``tokentrail``: ingest the default Claude Code sources, then the daily report.

On a machine with no Claude Code logs it prints where it looked and how to point it
elsewhere, and exits 0 (nothing is wrong: there is simply nothing to report yet).
"""

from __future__ import annotations

import click

from tokentrail.ingest.discover import claude_roots, discover_claude_files

__all__ = ["default_run", "no_logs_message"]


def no_logs_message() -> str:
    """The help shown when no Claude Code transcript is found."""
    roots = claude_roots()
    looked = "\n".join(f"  {r}" for r in roots) or "  (no candidate directory)"
    return (
        "No Claude Code logs found. tokentrail looked in:\n"
        f"{looked}\n"
        "Point it elsewhere with CLAUDE_CONFIG_DIR=/path/to/.claude tokentrail, or read any "
        "folder or .jsonl file with: tokentrail ingest PATH...\n"
        "To see what tokentrail shows, try: tokentrail demo"
    )


def default_run(ctx: click.Context) -> None:
    """Run the daily report on the default sources, or explain that none exist."""
    if not discover_claude_files(claude_roots()):
        click.echo(no_logs_message())
        return
    from tokentrail.cli.reports import daily_cmd

    ctx.invoke(daily_cmd)
