"""The ``tokentrail`` console script and ``python -m tokentrail``.

A shell prompt runs ``tokentrail statusline`` on every prompt, so that one command has a
path that imports no command-line framework: ``statusline`` with at most ``--ledger PATH``
and ``--timezone ZONE`` (``-z``) is answered here with the standard library and the
read-only status queries. Anything else, and any doubt (``--hook``, ``--help``, an unknown
option, a zone that does not parse, a ledger that cannot be read), goes to the full
command line (:func:`tokentrail.cli.main`), which prints the same line or the proper
error.
"""

from __future__ import annotations

import os
import sys

__all__ = ["main"]


def _statusline_args(args: list[str]) -> tuple[str | None, str | None] | None:
    """``(ledger, zone)`` when ``args`` is a plain status line call, else None."""
    if not args or args[0] != "statusline":
        return None
    ledger: str | None = None
    zone: str | None = None
    rest = args[1:]
    i = 0
    while i < len(rest):
        arg = rest[i]
        name, eq, value = arg.partition("=")
        if name in ("--ledger", "--timezone", "-z") and not eq:
            if i + 1 >= len(rest):
                return None
            value = rest[i + 1]
            i += 1
        elif name not in ("--ledger", "--timezone") or not eq:
            return None
        if name == "--ledger":
            ledger = value
        else:
            zone = value
        i += 1
    return ledger, zone


def _fast_statusline(ledger: str | None, zone: str | None) -> bool:
    """Print the status line; False when the full command line must handle the call."""
    import sqlite3

    from tokentrail.errors import UserInputError
    from tokentrail.reports.statusline import status_line
    from tokentrail.reports.zone import ledger_file, parse_zone

    try:
        tz = parse_zone(zone)
        line = status_line(ledger_file(ledger), tz)
    except (UserInputError, sqlite3.Error):
        return False  # the full command line says why
    if line is None:
        return False
    sys.stdout.write(line + "\n")
    return True


def main() -> None:
    """Run ``tokentrail`` with ``sys.argv``."""
    fast = _statusline_args(sys.argv[1:])
    if fast is not None and "_TOKENTRAIL_COMPLETE" not in os.environ:
        try:
            if _fast_statusline(*fast):
                sys.stdout.flush()
                sys.exit(0)
        except BrokenPipeError:
            sys.exit(0)
    from tokentrail.cli import main as cli_main

    cli_main()
