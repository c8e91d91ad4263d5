"""The config file (:mod:`tokentrail.reports.config`) as click's ``default_map``.

Every key is checked against the options of the commands it applies to, and every value
converted by the option's own type (plus the date and zone parsers for ``since`` /
``until`` / ``timezone``), so a wrong file fails at once, naming the file, table and key,
whatever command runs (exit 2).
"""

from __future__ import annotations

from typing import Any

import click

from tokentrail.errors import UserInputError
from tokentrail.reports.config import COMMANDS, key_name, load_config

__all__ = ["default_map"]

_ONLY_CLI = frozenset({"help", "version", "config"})


def _options(cmd: click.Command) -> dict[str, click.Parameter]:
    """Long option name (without ``--``) -> parameter, of ``cmd``."""
    out: dict[str, click.Parameter] = {}
    for p in cmd.params:
        if not isinstance(p, click.Option):
            continue
        for opt in p.opts:
            if opt.startswith("--") and opt[2:] not in _ONLY_CLI:
                out[opt[2:]] = p
    return out


def _check(
    path: str, where: str, key: str, value: object, param: click.Parameter, cmd: click.Command
) -> object:
    """``value`` converted for ``param`` (raises UserInputError naming the file and key)."""
    what = f"config {path}: [{where}] {key}"
    if isinstance(param, click.Option) and param.is_flag and not param.count:
        if not isinstance(value, bool):
            raise UserInputError(f"{what}: must be true or false, not {value!r}")
        return value
    values: list[object] = value if isinstance(value, list) and param.multiple else [value]
    if not param.multiple and isinstance(value, list | dict):
        raise UserInputError(f"{what}: must be one value, not {value!r}")
    out = []
    ctx = click.Context(cmd)
    for v in values:
        if isinstance(v, dict | list | bool):
            raise UserInputError(f"{what}: bad value {v!r}")
        try:
            converted = param.type.convert(v, param, ctx)
        except click.BadParameter as exc:
            raise UserInputError(f"{what}: {exc.format_message()}") from exc
        if key == "timezone":
            from tokentrail.reports.zone import parse_zone

            try:
                parse_zone(str(converted))
            except UserInputError as exc:
                raise UserInputError(f"{what}: {exc}") from exc
        elif key in ("since", "until"):
            from tokentrail.reports.dates import parse_date

            try:
                parse_date(str(converted), f"--{key}")
            except UserInputError as exc:
                raise UserInputError(f"{what}: {exc}") from exc
        out.append(converted)
    return tuple(out) if param.multiple else out[0]


def default_map(
    path: str, commands: dict[str, click.Command], running: str
) -> dict[str, dict[str, Any]]:
    """click's ``default_map`` of the ``running`` command for the config file at ``path``.

    Checked: every table name (a command or ``defaults``), every ``[defaults]`` key (an
    option of some command in ``commands``: pass them all), and the ``[running]`` table's
    keys and values; another command's table is checked when that command runs (so the
    fast paths, which read only ``[defaults]`` and their own table, answer the same)."""
    tables = load_config(path)
    unknown = [s for s in tables if s != "defaults" and s not in COMMANDS]
    if unknown:
        raise UserInputError(
            f"config {path}: [{unknown[0]}] is no command (tables: [defaults] or "
            "[COMMAND], e.g. [daily])"
        )
    options = {name: _options(cmd) for name, cmd in commands.items()}
    out: dict[str, Any] = {}
    for key, value in tables.get("defaults", {}).items():
        users = [n for n in commands if key in options[n]]
        if not users:
            raise UserInputError(f"config {path}: [defaults] {key}: no command has --{key}")
        param = options.get(running, {}).get(key)
        if param is not None:
            out[str(param.name)] = _check(path, "defaults", key, value, param, commands[running])
    for key, value in tables.get(running, {}).items():
        found = options.get(running, {}).get(key_name(key))
        if found is None:
            raise UserInputError(f"config {path}: [{running}] {key}: `{running}` has no --{key}")
        out[str(found.name)] = _check(path, running, key, value, found, commands[running])
    return {running: out} if out else {}
