"""Who writes to a team ledger: the machine and the user (standard library only)."""

from __future__ import annotations

import getpass
import socket

__all__ = ["default_machine", "default_user"]


def default_machine() -> str:
    """This machine's host name (``unknown`` if it has none)."""
    try:
        return socket.gethostname() or "unknown"
    except OSError:  # pragma: no cover
        return "unknown"


def default_user() -> str:
    """The OS user running tokentrail (``unknown`` if it cannot be told)."""
    try:
        return getpass.getuser() or "unknown"
    except (OSError, KeyError, ImportError):  # no login name, no passwd entry
        return "unknown"
