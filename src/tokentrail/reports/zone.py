"""Time zones and the ledger file as the command line names them, standard library only
(the status line's fast path uses them before any framework is loaded)."""

from __future__ import annotations

import os
from datetime import timezone, tzinfo
from pathlib import Path

from tokentrail.errors import UserInputError

__all__ = ["ledger_file", "parse_zone"]


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


def ledger_file(explicit: str | None) -> Path:
    """The ledger file: ``explicit``, else ``$TOKENTRAIL_LEDGER``, else the platform data
    dir's ``tokentrail/ledger.sqlite3`` (the rule of
    :func:`tokentrail.ledger.resolve_ledger_path`, without importing the ledger)."""
    if explicit:
        return Path(os.path.expanduser(explicit))
    env = os.environ.get("TOKENTRAIL_LEDGER")
    if env:
        return Path(os.path.expanduser(env))
    import platformdirs

    return Path(platformdirs.user_data_dir("tokentrail")) / "ledger.sqlite3"
