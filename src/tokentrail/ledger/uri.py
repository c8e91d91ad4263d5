"""Opening a ledger file read-only (standard library only: the status line and the warm
report path open the ledger with it before anything else is loaded).

A ledger is a WAL database, and SQLite reads one only through its ``-shm`` file, which a
reader creates when missing. On read-only media (a read-only file system, a folder the
user cannot write) it cannot: then, and only when there is no ``-wal`` file either (so no
write is in progress anywhere), the file is opened as immutable, which needs neither."""

from __future__ import annotations

import os
import sqlite3

__all__ = ["connect_readonly", "readonly_uri"]


def readonly_uri(path: str) -> str:
    """The SQLite URI opening ``path`` read-only: absolute, ``%``, ``?`` and ``#``
    escaped, an empty authority before a path that starts with a separator."""
    p = os.path.abspath(path)
    escaped = p.replace("%", "%25").replace("?", "%3f").replace("#", "%23")
    return f"file:{'//' if escaped.startswith('/') else ''}{escaped}?mode=ro"


def connect_readonly(path: str, timeout: float = 10.0) -> sqlite3.Connection:  # float ok: s
    """``path`` opened read-only (see the module doc); :class:`sqlite3.Error` when it
    cannot be read."""
    uri = readonly_uri(path)
    db = sqlite3.connect(uri, uri=True, timeout=timeout)
    try:
        db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        return db
    except sqlite3.OperationalError as exc:
        db.close()
        if "unable to open" not in str(exc) or os.path.exists(f"{path}-wal"):
            raise
    return sqlite3.connect(uri + "&immutable=1", uri=True, timeout=timeout)
