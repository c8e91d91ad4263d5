"""The ``tokentrail`` console script and ``python -m tokentrail``.

A shell prompt runs ``tokentrail statusline`` on every prompt, and Claude Code runs
``tokentrail statusline --hook`` on every update, so that command has a path that imports
no command-line framework: ``statusline`` with at most ``--ledger PATH``, ``--timezone
ZONE`` (``-z``), ``--hook``, ``--visual-burn-rate`` (``-B``), ``--context-low-threshold``,
``--context-medium-threshold`` and ``--color`` is answered here with the standard library
and the read-only status queries (:mod:`tokentrail.reports.hook` for ``--hook``). Anything
else, and any doubt (``--help``, an unknown option, a bad value, a zone that does not
parse, no ledger yet, a ledger that cannot be read), goes to the full command line
(:func:`tokentrail.cli.main`), which prints the same line or the proper error (the hook's
stdin, once read here, is handed over with the call).

Report commands get the same treatment when the ledger is already up to date with the
logs (a warm run): ``daily``, ``weekly``, ``monthly``, ``session``, ``project``,
``model``, ``blocks``, ``agent`` and ``branch`` as a table or with ``--json``, and at most
``--ledger``, ``--timezone``/``-z``, ``--since``/``-s``, ``--until``/``-u``,
``--project``/``-p``, ``--model``/``-m``, ``--order``/``-o``, ``--no-ingest``,
``--quiet``/``-q``, ``--json``/``-j``, ``--breakdown``/``-b`` and, for ``weekly``,
``--start-of-week``/``-w``
are answered by :func:`tokentrail.reports.warm.warm_report` (the same report functions,
the ledger read-only) and printed by the command's own renderers. Values are taken as
``--opt VALUE``, ``--opt=VALUE`` (long options) or ``-o VALUE``; any other spelling or
option (``--csv``, ``--parquet``, ``--help``), a value that starts with ``-``, and any case
the warm path cannot answer exactly (logs changed, no ledger, a pending migration, a bad
value) go to the full command line.

A config file (:mod:`tokentrail.reports.config`) is honoured by both fast paths: the values
of its ``[defaults]`` and ``[COMMAND]`` tables that a fast path knows are applied (the
command line wins); any other key or value, or a file that does not parse, goes to the full
command line, which applies or reports it.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing's constant without importing typing (~10 ms a run)
if TYPE_CHECKING:
    from typing import NoReturn

    from tokentrail.ingest.found import FoundFile

__all__ = ["main"]


_SL_VALUES = {
    "--ledger": "ledger",
    "--timezone": "zone",
    "-z": "zone",
    "--visual-burn-rate": "burn",
    "-B": "burn",
    "--context-low-threshold": "low",
    "--context-medium-threshold": "medium",
    "--color": "color",
}


def _statusline_args(args: list[str]) -> dict[str, str] | None:
    """The options of a plain status line call (``ledger``, ``zone``, ``burn``, ``low``,
    ``medium``, ``color``, and ``hook`` when ``--hook`` is given), else None."""
    if not args or args[0] != "statusline":
        return None
    opts: dict[str, str] = {}
    rest = args[1:]
    i = 0
    while i < len(rest):
        name, eq, value = rest[i].partition("=")
        if name == "--hook" and not eq:
            opts["hook"] = "1"
            i += 1
            continue
        key = _SL_VALUES.get(name)
        if key is None or (eq and not name.startswith("--")):
            return None
        if not eq:
            if i + 1 >= len(rest):
                return None
            i += 1
            value = rest[i]
        opts[key] = value
        i += 1
    from tokentrail.reports.config import fast_options

    config = fast_options("statusline", _SL_CONFIG, {"hook": "hook"})
    if config is None:
        return None  # the full command line reads (or reports) the config file
    for ckey, cvalue in config.items():
        if ckey == "hook":
            if cvalue:
                opts["hook"] = "1"
        else:
            opts.setdefault(ckey, str(cvalue))  # the command line wins
    return opts


# config file keys (long option names) the status line fast path knows -> its keys
_SL_CONFIG = {
    "ledger": "ledger",
    "timezone": "zone",
    "visual-burn-rate": "burn",
    "context-low-threshold": "low",
    "context-medium-threshold": "medium",
    "color": "color",
}


_KINDS = ("daily", "weekly", "monthly", "session", "project", "model", "blocks", "agent", "branch")
# option spelling -> keyword of warm_report (values), or of the flags
_VALUES = {
    "--ledger": "ledger",
    "--timezone": "zone",
    "-z": "zone",
    "--since": "since",
    "-s": "since",
    "--until": "until",
    "-u": "until",
    "--project": "project",
    "-p": "project",
    "--model": "models",
    "-m": "models",
    "--order": "order",
    "-o": "order",
}
_WEEKLY_VALUES = {"--start-of-week": "start_of_week", "-w": "start_of_week"}
_FLAGS = {
    "--json": "json",
    "-j": "json",
    "--no-ingest": "no_ingest",
    "--quiet": "quiet",
    "-q": "quiet",
    "--breakdown": "breakdown",
    "-b": "breakdown",
}


def _report_args(args: list[str]) -> tuple[str, dict[str, object], bool, bool, bool] | None:
    """``(kind, keywords of warm_report, --json, --breakdown, --quiet)`` when ``args`` is a
    plain report call (see the module doc), else None."""
    if not args or args[0] not in _KINDS:
        return None
    kind = args[0]
    values = _VALUES if kind != "weekly" else {**_VALUES, **_WEEKLY_VALUES}
    kw: dict[str, object] = {}
    models: list[str] = []
    flags: set[str] = set()
    rest = args[1:]
    i = 0
    while i < len(rest):
        name, eq, value = rest[i].partition("=")
        if name in _FLAGS and not eq:
            flags.add(_FLAGS[name])
            i += 1
            continue
        key = values.get(name)
        if key is None or (eq and not name.startswith("--")):
            return None
        if not eq:
            if i + 1 >= len(rest):
                return None
            i += 1
            value = rest[i]
        if value.startswith("-"):
            return None
        if key == "models":
            models.append(value)
        else:
            kw[key] = value  # the last one wins, as in click
        i += 1
    from tokentrail.reports.config import fast_options

    config = fast_options(kind, _config_values(kind), _CONFIG_FLAGS)
    if config is None:
        return None  # the full command line reads (or reports) the config file
    for ckey, cvalue in config.items():
        if ckey in _CONFIG_FLAGS.values():
            if cvalue:
                flags.add(ckey)
        elif ckey == "models":
            if not models and isinstance(cvalue, tuple):
                models.extend(str(m) for m in cvalue)
        else:
            kw.setdefault(ckey, cvalue)  # the command line wins
    kw["models"] = tuple(models)
    kw["no_ingest"] = "no_ingest" in flags
    return kind, kw, "json" in flags, "breakdown" in flags, "quiet" in flags


# config file keys (long option names) the report fast path knows -> its keywords
_CONFIG_VALUES = {
    "ledger": "ledger",
    "timezone": "zone",
    "since": "since",
    "until": "until",
    "project": "project",
    "model": "models",
    "order": "order",
}
_CONFIG_FLAGS = {
    "json": "json",
    "no-ingest": "no_ingest",
    "quiet": "quiet",
    "breakdown": "breakdown",
}


def _config_values(kind: str) -> dict[str, str]:
    if kind == "weekly":
        return {**_CONFIG_VALUES, "start-of-week": "start_of_week"}
    return _CONFIG_VALUES


def _fast_report(
    kind: str, kw: dict[str, object], as_json: bool, breakdown: bool, quiet: bool
) -> bool:
    """Print the report (``--json`` or a table); False when the full command line must
    handle the call (also on any unexpected error before the first byte is printed: the
    full command line then behaves as it always did)."""
    try:
        from tokentrail.reports.warm import warm_report

        found: list[FoundFile] = []
        report = warm_report(kind, found=found, **kw)  # type: ignore[arg-type]
        if report is None:
            if found:  # the logs changed: the full command's ingest starts from this listing
                from tokentrail.ingest.found import hand_over, root_dirs

                hand_over(root_dirs(), found)
            return False
        if not report.rows:  # the full command says where it looked
            return False
        if as_json:
            from tokentrail.reports.render_json import render_json

            text = render_json(report) + "\n"
        else:
            from tokentrail.reports.render_table import print_table
    except Exception:
        return False
    if as_json:
        sys.stdout.write(text)
    else:
        print_table(report, breakdown=breakdown, quiet=quiet)
    return True


def _fast_statusline(opts: dict[str, str]) -> bool:
    """Print the status line; False when the full command line must handle the call (a
    bad value, no ledger yet, a ledger that cannot be read: it says why, or creates it)."""
    import sqlite3

    from tokentrail.errors import UserInputError
    from tokentrail.reports.statusline import make_look, status_line
    from tokentrail.reports.zone import ledger_path, parse_zone

    pending: list[str] = []
    try:
        tz = parse_zone(opts.get("zone"))
        low, medium = opts.get("low", "50"), opts.get("medium", "80")
        if not (low.isdigit() and medium.isdigit()):
            return False
        look = make_look(
            opts.get("burn", "off"),
            int(low),
            int(medium),
            opts.get("color", "auto"),
            sys.stdout.isatty(),
        )
        path = ledger_path(opts.get("ledger"))
        if "hook" in opts:
            from tokentrail.reports.hook import hook_line, read_hook_input

            data = read_hook_input()
            sys.stdin = _Replay(data)  # for a hand-over
            # None: a first run, the full path ingests
            line = hook_line(path, tz, look, data, defer=pending)
        else:
            line = status_line(path, tz, None, look)
    except (UserInputError, ValueError, sqlite3.Error):
        return False  # the full command line says why
    if line is None:
        return False
    sys.stdout.write(line + "\n")
    if pending:  # once the line is out: the background ingest of the new bytes
        sys.stdout.flush()
        from tokentrail.reports.hook import ingest_in_background

        ingest_in_background(path, pending)
    return True


class _Replay:
    """The hook input already read from stdin, for the full command line to read again."""

    def __init__(self, data: dict[str, object]) -> None:
        import json

        self._text = json.dumps(data)

    def isatty(self) -> bool:
        return False

    def read(self, n: int = -1) -> str:
        text, self._text = self._text, ""
        return text


def _leave() -> NoReturn:
    """Exit 0 once a fast path has answered: flush, then skip the interpreter's teardown
    (freeing every module and object costs a warm report ~8 ms, an eighth of its time).
    Nothing is left to clean up: the ledger connection is closed, no ``atexit`` hook is
    registered on these paths, and stdout / stderr are flushed here."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def main() -> None:
    """Run ``tokentrail`` with ``sys.argv``."""
    if "_TOKENTRAIL_COMPLETE" not in os.environ:
        args = sys.argv[1:]
        fast = _statusline_args(args)
        report = _report_args(args) if fast is None else None
        from tokentrail._signals import Interrupted, interruptible
        from tokentrail._signals import report as report_interrupt

        try:
            with interruptible():
                answered = (fast is not None and _fast_statusline(fast)) or (
                    report is not None and _fast_report(*report)
                )
            if answered:
                _leave()
        except OSError as exc:  # stdout: a closed pipe, a full disk (see tokentrail._stdio)
            from tokentrail._stdio import output_failed

            os._exit(output_failed(exc))
        except Interrupted as exc:
            report_interrupt(exc)
            sys.exit(exc.exit_code)
    from tokentrail.cli import main as cli_main

    cli_main()
