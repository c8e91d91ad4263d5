"""The ``tokentrail`` command line.

Subcommands live in one module each (``tokentrail.cli.<command>``) and register
themselves on :data:`cli`. User errors print one line on stderr and exit 2; no
traceback ever reaches the user for a :class:`~tokentrail.errors.TokentrailError`.

:data:`cli` is a lazy group: :data:`COMMANDS` knows every command's module and short
help, so ``tokentrail --help`` (and ``-V``) import no command module, and running a
command imports only its own. A command missing from :data:`COMMANDS` still works (every
module is then imported); ``tests/cli/test_commands_documented.py`` checks the table
against the registered commands.
"""

from __future__ import annotations

import importlib
import sys

import click

from tokentrail import __version__
from tokentrail.errors import TokentrailError

__all__ = ["COMMANDS", "MODULES", "cli", "main"]

#: Every command: name -> (module under ``tokentrail.cli``, the first paragraph of its help).
COMMANDS: dict[str, tuple[str, str]] = {
    "agent": ("reports", "Usage and cost per agent: main thread vs each subagent type."),
    "billing": (
        "billing",
        "The billed side: Anthropic's usage and cost reports, pulled into the ledger.",
    ),
    "blocks": (
        "reports",
        "5-hour billing blocks (as ccusage): the active one with burn rate and projection.",
    ),
    "branch": ("reports", "Usage and cost per git branch (as logged on each line)."),
    "cache": (
        "cache",
        "Prompt cache economics: hit ratio, savings, unread writes, TTL what-if.",
    ),
    "completion": ("tools", "Print the shell completion script for SHELL."),
    "context": ("context", "Context growth of one session, per request and per iteration."),
    "daily": ("reports", "Usage and cost per day (local days of --timezone)."),
    "demo": ("tools", "Build a sample ledger from generated logs and show the main reports."),
    "explain": (
        "explain",
        "Explain one stored record's cost and price flags (message or request id, or a prefix).",
    ),
    "doctor": (
        "tools",
        "Where logs were found, the ledger's location and size, and what needs attention.",
    ),
    "ingest": ("ingest", "Read Claude Code logs into the ledger (only new bytes of known files)."),
    "machine": ("reports", "Usage and cost per machine (team ledger; locally: this host)."),
    "model": ("reports", "Usage and cost per model id."),
    "monthly": ("reports", "Usage and cost per calendar month."),
    "price": (
        "price",
        "Price a usage object, a Messages API response, or JSON Lines of either (exact USD).",
    ),
    "prices": (
        "price",
        "List the price catalog (USD per MTok): rows, windows, sources, confidence.",
    ),
    "problems": (
        "ingest",
        "List the log lines that were skipped as malformed (file, line, field, kind).",
    ),
    "project": ("reports", "Usage and cost per project (working directory)."),
    "push": ("push", "Send the local ledger's records to a team ledger (ClickHouse)."),
    "report": ("runs", "Reports over the ledger."),
    "reconcile": (
        "reconcile",
        "Ledger vs Anthropic's usage and cost reports: differences, each explained.",
    ),
    "reprice": (
        "ingest",
        "Recompute every stored cost with the current price catalog (after a correction).",
    ),
    "serve": ("serve", "Serve the local dashboard (127.0.0.1, a token in the URL)."),
    "session": (
        "reports",
        "Usage and cost per Claude Code session (subagents count in their parent session).",
    ),
    "statusline": (
        "tools",
        "One short line: today's cost, the active 5-hour block, context % of the session.",
    ),
    "user": ("reports", "Usage and cost per user (team ledger; locally: the OS user)."),
    "weekly": ("reports", "Usage and cost per week (rows keyed by the week's first day)."),
    "whatif": ("whatif", "Estimate the cost of your usage on another model, tier or cache TTL."),
}

#: Every module that registers commands (imported all at once only as a fallback).
MODULES = (
    "billing", "cache", "context", "explain", "ingest", "price", "push", "reconcile", "reports",
    "runs", "serve", "tools", "whatif",
)  # fmt: skip


def _load(module: str) -> None:
    importlib.import_module(f"tokentrail.cli.{module}")


class LazyGroup(click.Group):
    """A group that imports a command's module when the command is looked up, and lists
    its commands (``--help``, shell completion) from :data:`COMMANDS` without importing."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        cmd = self.commands.get(cmd_name)
        if cmd is None and cmd_name in COMMANDS:
            _load(COMMANDS[cmd_name][0])
            cmd = self.commands.get(cmd_name)
        if cmd is None:
            _register()
            cmd = self.commands.get(cmd_name)
        return cmd

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            loaded = self.commands.get(name)
            if loaded is not None:
                if loaded.hidden:
                    continue
                rows.append((name, loaded.get_short_help_str(limit)))
            elif name in COMMANDS:
                stub = click.Command(name, help=COMMANDS[name][1])  # click's own shortening
                rows.append((name, stub.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    invoke_without_command=True,
)
@click.version_option(__version__, "--version", "-V", prog_name="tokentrail")
@click.option(
    "--json", "-j", "as_json", is_flag=True, help="With no command: the daily report as JSON."
)
@click.option(
    "--config",
    "config_file",
    metavar="PATH",
    default=None,
    help="Config file of option defaults (default: $TOKENTRAIL_CONFIG, else config.toml in "
    "the user config dir).",
)
@click.pass_context
def cli(ctx: click.Context, as_json: bool, config_file: str | None) -> None:
    """tokentrail: exact, explainable Claude API token usage and cost.

    With no command: read the default Claude Code logs into the ledger, then print the
    daily report (`tokentrail demo` shows what it does on sample data).

    Option defaults per command can be set in a TOML file: [defaults] for every command
    that has the option, [COMMAND] for one (e.g. [daily] breakdown = true).
    """
    from tokentrail.reports.config import config_path

    path = config_path(config_file)
    if path is not None:
        from tokentrail.cli.config import default_map

        _register(["--config"])  # every command: [defaults] keys are checked against all
        running = ctx.invoked_subcommand or "daily"
        ctx.default_map = default_map(path, dict(cli.commands), running)
    if ctx.invoked_subcommand is None:
        from tokentrail.cli.home import default_run

        default_run(ctx, as_json=as_json)


def _register(argv: list[str] | None = None) -> None:
    """Import the modules of every command (``argv`` is accepted for compatibility and
    ignored: commands are loaded on demand by :class:`LazyGroup`)."""
    del argv
    for module in MODULES:
        _load(module)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the CLI, mapping tokentrail errors to exit code 2 and
    a stopping signal to one line and exit code 128 + n (see :mod:`tokentrail._signals`)."""
    from tokentrail._signals import Interrupted, interruptible, report

    try:
        with interruptible():
            rv = cli.main(args=argv, prog_name="tokentrail", standalone_mode=False)
            sys.stdout.flush()  # here, so that a failed write is caught below
    except Interrupted as exc:  # Ctrl-C, kill, a closed terminal: one line, exit 128 + n
        report(exc)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort as exc:
        # A prompt answered with end of input (or a KeyboardInterrupt raised by hand): not
        # the exit code 1 of "bad lines skipped".
        click.echo("Aborted.", err=True)
        sys.exit(130 if isinstance(exc.__context__, KeyboardInterrupt) else 2)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except TokentrailError as exc:
        click.echo(f"tokentrail: error: {exc}", err=True)
        sys.exit(2)
    except OSError as exc:  # writing stdout: a closed pipe, a full disk (tokentrail._stdio)
        from tokentrail._stdio import output_failed

        sys.exit(output_failed(exc))
    except Exception as exc:
        sqlite3 = sys.modules.get("sqlite3")  # not imported for `--help`: never raised then
        if sqlite3 is None or not isinstance(exc, sqlite3.DatabaseError):
            raise
        # Met mid-command: a page of the ledger is damaged.
        click.echo(
            f"tokentrail: error: the ledger cannot be read: {exc} "
            "(`tokentrail doctor` checks it; restore it from a backup)",
            err=True,
        )
        sys.exit(2)
    sys.exit(rv if isinstance(rv, int) else 0)
