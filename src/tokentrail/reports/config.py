"""The user's config file: per-command option defaults, standard library only.

Where: ``--config PATH`` (a global option: ``tokentrail --config PATH daily``), else
``$TOKENTRAIL_CONFIG``, else ``config.toml`` in the user config dir
(``platformdirs.user_config_dir("tokentrail")``: ``~/.config/tokentrail/config.toml`` on
Linux) when it exists. A file named by ``--config`` or the variable must exist.

What: TOML tables of option values by their long name (``-`` or ``_`` alike)::

    [defaults]          # every command that has the option
    timezone = "UTC"

    [daily]             # one command
    breakdown = true

    [statusline]
    visual-burn-rate = "emoji"

The command line wins over ``[command]``, which wins over ``[defaults]``. Flags take
``true`` / ``false``, repeatable options (``model``) a list or one string. A table that is
no command, a key that is no option, or a bad value is one error naming the file and the
key (exit 2): :mod:`tokentrail.cli.config` checks them against the commands' options and
hands them to click as its ``default_map``; the fast paths of :mod:`tokentrail._entry` use
them through :func:`fast_options`.
"""

from __future__ import annotations

import os
import sys

from tokentrail.errors import UserInputError

__all__ = [
    "COMMANDS",
    "COMMAND_OPTIONS",
    "ENV_CONFIG",
    "config_path",
    "fast_options",
    "key_name",
    "load_config",
    "price_override_in_force",
    "user_config_dir",
]

#: The variable naming the config file.
ENV_CONFIG = "TOKENTRAIL_CONFIG"

#: Each command's long option names (a test checks them against the command line).
_REPORT = frozenset(
    {
        "breakdown", "csv", "json", "ledger", "machine", "model", "no-ingest", "order",
        "parquet", "project", "quiet", "since", "timezone", "until", "user",
    }
)  # fmt: skip
COMMAND_OPTIONS: dict[str, frozenset[str]] = {
    "agent": _REPORT,
    "billing": frozenset(),
    "blocks": _REPORT | {"active", "recent", "session-length", "token-limit"},
    "branch": _REPORT,
    "cache": frozenset({"by", "json", "ledger", "no-ingest", "since", "timezone", "until"}),
    "completion": frozenset(),
    "context": frozenset({"agent", "json", "last", "ledger", "no-ingest"}),
    "daily": _REPORT | {"instances"},
    "demo": frozenset({"days", "end", "keep", "seed"}),
    "doctor": frozenset({"ledger"}),
    "explain": frozenset({"json", "ledger"}),
    "ingest": frozenset(
        {"at", "json", "ledger", "machine", "push-to", "quiet", "source", "tag", "user"}
    ),
    "model": _REPORT,
    "machine": _REPORT,
    "monthly": _REPORT,
    "price": frozenset({"at", "explain", "json", "model", "prices"}),
    "prices": frozenset({"json", "prices"}),
    "problems": frozenset({"json", "ledger"}),
    "project": _REPORT,
    "push": frozenset(
        {"batch-size", "dry-run", "json", "ledger", "machine", "quiet", "since", "to", "user"}
    ),
    "reconcile": frozenset(
        {"by", "catalog-check", "csv", "json", "keys", "ledger", "since", "until", "workspaces"}
    ),
    "report": frozenset({"html", "ledger", "since", "timezone", "until"}),
    "reprice": frozenset({"json", "ledger"}),
    "serve": frozenset({"allow-remote", "host", "ingest-every", "ledger", "open", "port"}),
    "session": _REPORT | {"id"},
    "user": _REPORT,
    "statusline": frozenset(
        {
            "color", "context-low-threshold", "context-medium-threshold", "hook", "ledger",
            "timezone", "visual-burn-rate",
        }
    ),
    "weekly": _REPORT | {"start-of-week"},
    "whatif": frozenset(
        {"batch", "json", "ledger", "model", "no-ingest", "session", "since", "timezone", "ttl",
         "until"}
    ),
}  # fmt: skip

#: The command names a table may have.
COMMANDS = frozenset(COMMAND_OPTIONS)


def config_path(explicit: str | None = None) -> str | None:
    """The config file in force (see the module doc), or None when there is none; raises
    :class:`~tokentrail.errors.UserInputError` when a named file does not exist."""
    for given, what in ((explicit, "--config"), (os.environ.get(ENV_CONFIG), f"${ENV_CONFIG}")):
        if given:
            path = os.path.expanduser(given)
            if not os.path.isfile(path):
                raise UserInputError(f"{what}: no config file {path}")
            return path
    default = os.path.join(user_config_dir(), "config.toml")
    return default if os.path.isfile(default) else None


def user_config_dir() -> str:
    """``platformdirs.user_config_dir("tokentrail")``, computed without importing it on
    Linux and macOS (the fast paths import neither platformdirs nor pathlib)."""
    if sys.platform.startswith("linux"):
        base = os.environ.get("XDG_CONFIG_HOME", "")
        if not base.strip():
            base = os.path.expanduser("~/.config")
        return os.path.join(base, "tokentrail")
    if sys.platform == "darwin":
        return os.path.join(os.path.expanduser("~/Library/Application Support"), "tokentrail")
    import platformdirs  # pragma: no cover - other systems

    return platformdirs.user_config_dir("tokentrail")  # pragma: no cover


def key_name(key: str) -> str:
    """An option's long name as written in the file: ``start_of_week`` -> ``start-of-week``."""
    return key.strip().replace("_", "-")


def load_config(path: str) -> dict[str, dict[str, object]]:
    """The tables of the file at ``path``, keys as :func:`key_name` gives them; raises
    :class:`~tokentrail.errors.UserInputError` (naming the file) when it is not TOML, or
    holds a value outside a table."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except OSError as exc:
        raise UserInputError(f"config {path}: cannot read it: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UserInputError(f"config {path}: not valid TOML: {exc}") from exc
    out: dict[str, dict[str, object]] = {}
    for section, table in doc.items():
        if not isinstance(table, dict):
            raise UserInputError(
                f"config {path}: {section!r} must be a table ([defaults] or [COMMAND])"
            )
        out[section] = {key_name(k): v for k, v in table.items()}
    return out


def fast_options(
    command: str, values: dict[str, str], flags: dict[str, str]
) -> dict[str, object] | None:
    """The config values for ``command`` when every one of them is an option the fast
    path knows: ``values`` maps long names to keywords taking a string (``model`` a list),
    ``flags`` long names to keywords taking a bool. ``{}`` when there is no config file;
    None when the full command line must decide (any other key or value, or an error).
    A ``[defaults]`` key that is an option of another command only is left out, as the
    full command line leaves it out (:data:`COMMAND_OPTIONS`)."""
    try:
        path = config_path()
        if path is None:
            return {}
        tables = load_config(path)
    except UserInputError:
        return None
    if not set(tables) <= COMMANDS | {"defaults"}:
        return None  # the full command line reports the file as wrong
    mine = COMMAND_OPTIONS.get(command, frozenset())
    out: dict[str, object] = {}
    for section in ("defaults", command):
        for key, value in tables.get(section, {}).items():
            if section == "defaults" and key not in mine:
                if not any(key in opts for opts in COMMAND_OPTIONS.values()):
                    return None  # an error on the full command line
                continue  # another command's option
            if key in flags and isinstance(value, bool):
                out[flags[key]] = value
            elif key in values and isinstance(value, str) and not value.startswith("-"):
                out[values[key]] = value
            elif key in values and type(value) is int and value >= 0:
                out[values[key]] = str(value)
            elif key == "model" and "model" in values:
                models = [value] if isinstance(value, str) else value
                if not isinstance(models, list) or not all(isinstance(m, str) for m in models):
                    return None
                out[values[key]] = tuple(models)
            else:
                return None
    return out


def price_override_in_force() -> bool:
    """Whether a user price override applies (``$TOKENTRAIL_PRICES`` set, or a
    ``prices.toml`` in the user config dir): the warm path then hands over, so the full
    command checks the file (a broken override is an error, never silently ignored)."""
    if os.environ.get("TOKENTRAIL_PRICES", "").strip():
        return True
    return os.path.isfile(os.path.join(user_config_dir(), "prices.toml"))
