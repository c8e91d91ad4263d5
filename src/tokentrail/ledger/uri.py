"""The SQLite URI that opens a ledger file read-only (standard library only: the status
line and the warm report path open the ledger with it before anything else is loaded)."""

from __future__ import annotations

import os

__all__ = ["readonly_uri"]


def readonly_uri(path: str) -> str:
    """The SQLite URI opening ``path`` read-only: absolute, ``%``, ``?`` and ``#``
    escaped, an empty authority before a path that starts with a separator."""
    p = os.path.abspath(path)
    escaped = p.replace("%", "%25").replace("?", "%3f").replace("#", "%23")
    return f"file:{'//' if escaped.startswith('/') else ''}{escaped}?mode=ro"
