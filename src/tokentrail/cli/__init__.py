"""The ``tokentrail`` command line.

Subcommands live in one module each (``tokentrail.cli.<command>``) and register
themselves on :data:`cli`. User errors print one line on stderr and exit 2; no
traceback ever reaches the user for a :class:`~tokentrail.errors.TokentrailError`.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from tokentrail import __version__
from tokentrail.errors import TokentrailError

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, invoke_without_command=True)
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


_REPORTS = ("daily", "weekly", "monthly", "session", "project", "model", "blocks", "agent")
_FAST: dict[str, str] = {
    **dict.fromkeys(_REPORTS, "reports"),
    "branch": "reports",
    "statusline": "tools",
    "context": "context",
    "cache": "cache",
    "whatif": "whatif",
    "": "reports",
    "--json": "reports",
    "-j": "reports",
}


def _register(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    # Fast path: a report or the status line loads only its own module (not the price
    # catalog and pydantic models that `price` needs); anything else loads every command.
    first = args[0] if args else ""
    if first in _FAST and "_TOKENTRAIL_COMPLETE" not in os.environ:
        importlib.import_module(f"tokentrail.cli.{_FAST[first]}")
        return
    # Imported for their side effect: each module adds its commands to `cli`.
    from tokentrail.cli import cache as _cache  # noqa: F401
    from tokentrail.cli import context as _context  # noqa: F401
    from tokentrail.cli import ingest as _ingest  # noqa: F401
    from tokentrail.cli import price as _price  # noqa: F401
    from tokentrail.cli import reports as _reports  # noqa: F401
    from tokentrail.cli import runs as _runs  # noqa: F401
    from tokentrail.cli import tools as _tools  # noqa: F401
    from tokentrail.cli import whatif as _whatif  # noqa: F401


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the CLI, mapping tokentrail errors to exit code 2."""
    _register(argv)
    try:
        rv = cli.main(args=argv, prog_name="tokentrail", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except TokentrailError as exc:
        click.echo(f"tokentrail: error: {exc}", err=True)
        sys.exit(2)
    except BrokenPipeError:
        sys.exit(0)
    sys.exit(rv if isinstance(rv, int) else 0)
