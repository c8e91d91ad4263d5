"""Time zones, the ledger file and how long to wait for it, as the command line gives them;
standard library only (the fast paths of ``tokentrail._entry`` use them before any
framework is loaded)."""

from __future__ import annotations

import os
from datetime import timezone, tzinfo

from tokentrail.errors import UserInputError

TYPE_CHECKING = False  # typing's constant without importing typing (~10 ms a run)

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "ENV_LOCK_TIMEOUT",
    "ledger_file",
    "ledger_path",
    "local_zone_name",
    "lock_timeout",
    "parse_zone",
]

#: Seconds to wait for a ledger held by another process.
ENV_LOCK_TIMEOUT = "TOKENTRAIL_LOCK_TIMEOUT"


#: The longest wait for a locked ledger (a day): SQLite's busy timeout is an int of ms.
MAX_LOCK_TIMEOUT = 86_400.0  # float ok: seconds


def lock_timeout(default: float = 60.0) -> float:  # float ok: seconds
    """Seconds to wait for a ledger another process is writing: ``$TOKENTRAIL_LOCK_TIMEOUT``
    (a number from 0 to :data:`MAX_LOCK_TIMEOUT`), else ``default`` (60 s for ``ingest``;
    report commands pass 10 s). Anything else (``inf``, ``nan``, ``-1``, ``abc``) is a
    :class:`~tokentrail.errors.UserInputError`."""
    raw = os.environ.get(ENV_LOCK_TIMEOUT)
    if not raw:
        return default
    try:
        value = float(raw)  # float ok: seconds
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= MAX_LOCK_TIMEOUT:  # also false for nan
        raise UserInputError(
            f"{ENV_LOCK_TIMEOUT}={raw!r} is not a number of seconds from 0 to "
            f"{MAX_LOCK_TIMEOUT:.0f}"
        )
    return value


def parse_zone(name: str | None) -> tzinfo | None:
    """The IANA zone ``name`` (``UTC``/``Z`` accepted in any case); None = the process's
    local zone. An unknown name is a :class:`~tokentrail.errors.UserInputError`."""
    if name is None:
        return None
    if name.upper() in ("UTC", "Z", "ETC/UTC"):
        return timezone.utc
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UserInputError(
            f"unknown time zone {name!r} (use an IANA name like Europe/Paris)"
        ) from exc


def local_zone_name() -> str:
    """The name of the process's local time zone, as reports show it: ``$TZ`` when set,
    else the IANA name the system's ``/etc/localtime`` links to (``Europe/Berlin``) or
    ``/etc/timezone`` holds, else the current UTC offset (``UTC+01:00``; ``UTC``)."""
    env = os.environ.get("TZ", "").lstrip(":")
    if env:
        return env
    try:
        target = os.readlink("/etc/localtime")
    except (OSError, ValueError):
        target = ""
    _, found, name = target.partition("zoneinfo/")
    if found and name:
        return name
    try:
        with open("/etc/timezone", encoding="utf-8") as f:
            name = f.readline().strip()
    except (OSError, ValueError):
        name = ""
    if name:
        return name
    from datetime import datetime

    offset = datetime.now(timezone.utc).astimezone().utcoffset()
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


def ledger_file(explicit: str | None) -> Path:
    """The ledger file: ``explicit``, else ``$TOKENTRAIL_LEDGER``, else the platform data
    dir's ``tokentrail/ledger.sqlite3`` (the rule of
    :func:`tokentrail.ledger.resolve_ledger_path`, without importing the ledger)."""
    from pathlib import Path

    return Path(ledger_path(explicit))


def ledger_path(explicit: str | None) -> str:
    """:func:`ledger_file` as a plain string (no :mod:`pathlib` import)."""
    if explicit:
        return os.path.expanduser(explicit)
    env = os.environ.get("TOKENTRAIL_LEDGER")
    if env:
        return os.path.expanduser(env)
    import platformdirs

    return os.path.join(platformdirs.user_data_dir("tokentrail"), "ledger.sqlite3")
