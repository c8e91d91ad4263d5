"""Opening a ledger file: a new one appears whole, and nothing else is ever written to.

:func:`prepare` runs before the ledger's connection is opened:

* no file: a new ledger is built in a temporary file beside it (mode ``0600``, every
  migration applied, WAL journal) and hard-linked into place, which fails if another
  process linked its own first (then that one is used). So a file at the ledger's path is
  always a complete ledger: two first runs at once, or a first run killed half-way,
  never leave a half-made one;
* a file this process cannot write (read-only file, folder or file system: the reports
  read it through a read-only connection instead), a file that is empty (0 bytes), not
  an SQLite database, an SQLite database without tokentrail's ``_migrations`` table
  (another program's), or a ledger holding a migration
  this version does not know (written by a newer tokentrail) is refused with one
  :class:`~tokentrail.errors.LedgerError` line, before any write: its contents, its mode
  and its journal mode stay as they were.

A ledger that exists keeps its mode: only the ledger a command creates gets ``0600``.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from pathlib import Path

from tokentrail.errors import LedgerError
from tokentrail.ledger.schema import MIGRATIONS

__all__ = ["SQLITE_HEADER", "check_ledger", "prepare", "run_migrations", "writable"]

SQLITE_HEADER = b"SQLite format 3\x00"
_KNOWN = {name for name, _ in MIGRATIONS}


def _split_sql(script: str) -> list[str]:
    out: list[str] = []
    buf = ""
    for piece in script.split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \n;"):
                out.append(buf.strip())
            buf = ""
    return out


def run_migrations(db: sqlite3.Connection) -> list[str]:
    """Apply the migrations ``db`` lacks, each recorded in ``_migrations``; the caller holds
    the transaction. Returns the names applied."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    done = {r[0] for r in db.execute("SELECT name FROM _migrations")}
    applied: list[str] = []
    for name, script in MIGRATIONS:
        if name in done:
            continue
        for stmt in _split_sql(script):
            db.execute(stmt)
        db.execute(
            "INSERT INTO _migrations (name, applied_at) VALUES "
            "(?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            (name,),
        )
        applied.append(name)
    return applied


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.new")
    fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    try:
        db = sqlite3.connect(tmp, isolation_level=None)
        try:
            db.execute("BEGIN IMMEDIATE")
            run_migrations(db)
            db.execute("COMMIT")
            db.execute("PRAGMA journal_mode = WAL")  # kept in the file's header
        finally:
            db.close()
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        except OSError:  # no hard links on this file system: rename, unless one appeared
            if not path.exists():
                os.replace(tmp, path)
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(OSError):
                os.unlink(f"{tmp}{suffix}")


def writable(path: Path) -> bool:
    """Whether this process may write the ledger at ``path``: the file, and its folder (a WAL
    ledger's writer also creates files beside it); false on a read-only file system."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def prepare(path: Path) -> bool:
    """Make sure ``path`` is a file this version may open as its ledger (see the module);
    True when this call created it. Raises :class:`~tokentrail.errors.LedgerError`."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        try:
            _create(path)
        except (OSError, sqlite3.Error) as exc:
            raise LedgerError(f"cannot create ledger {path}: {exc}") from exc
        return True
    except IsADirectoryError:
        raise LedgerError(f"ledger {path} is a directory, not a file") from None
    except OSError as exc:
        raise LedgerError(f"cannot open ledger {path}: {exc.strerror or exc}") from exc
    if not head:
        raise LedgerError(
            f"ledger {path} is an empty file, not a tokentrail ledger "
            "(remove it to start a new ledger there)"
        )
    if head != SQLITE_HEADER:
        raise LedgerError(f"{path} is not a tokentrail ledger (not an SQLite database)")
    if not writable(path):
        raise LedgerError(
            f"ledger {path} is read-only (the file, its folder or the file system): reports "
            "read it as it is (e.g. `tokentrail daily --no-ingest`); writing needs write access"
        )
    return False


def check_ledger(db: sqlite3.Connection, path: Path) -> None:
    """Raise :class:`~tokentrail.errors.LedgerError` unless ``db`` is a tokentrail ledger
    this version can write (reads only)."""
    try:
        names = [r[0] for r in db.execute("SELECT name FROM _migrations")]
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            raise LedgerError(f"cannot read ledger {path}: {exc}") from exc
        raise LedgerError(
            f"{path} is an SQLite database of another program, not a tokentrail ledger"
        ) from None
    unknown = [n for n in names if n not in _KNOWN]
    if unknown:
        raise LedgerError(
            f"ledger {path} was written by a newer tokentrail (migration {unknown[0]} is "
            "unknown here): upgrade tokentrail to use it"
        )
