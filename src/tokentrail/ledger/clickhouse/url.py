"""Team-ledger URLs: which ``--ledger`` / ``$TOKENTRAIL_LEDGER`` values name ClickHouse.

* ``clickhouse://user:password@host:8123/database`` (HTTP, the ``clickhouse-connect``
  client); ``clickhouses://...`` or ``?secure=true`` for TLS (default port 8443, else 8123);
* ``chdb:///path/to/dir`` (the same engine embedded in this process, ``chdb``; one on-disk
  path per process), ``?database=NAME`` to pick a database (default ``tokentrail``).

The password may also come from ``$TOKENTRAIL_CLICKHOUSE_PASSWORD`` (used when the URL has
none). It is never printed: :attr:`LedgerURL.display` is the URL without it, and it is
the only form error messages and push checkpoints use. Standard library only.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from tokentrail.errors import UserInputError

__all__ = [
    "ENV_PASSWORD",
    "SCHEMES",
    "LedgerURL",
    "is_ledger_url",
    "ledger_url",
    "parse_ledger_url",
]

#: Environment variable holding the ClickHouse password (when the URL has none).
ENV_PASSWORD = "TOKENTRAIL_CLICKHOUSE_PASSWORD"
#: URL schemes of a ClickHouse ledger.
SCHEMES = ("clickhouse", "clickhouses", "chdb")
_DB_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_TRUE = ("1", "true", "yes", "on")


def is_ledger_url(target: object) -> bool:
    """Whether ``target`` (a ``--ledger`` value) is a ClickHouse ledger URL."""
    if not isinstance(target, str):
        return False
    scheme, sep, _ = target.partition("://")
    return bool(sep) and scheme.lower() in SCHEMES


@dataclass(frozen=True)
class LedgerURL:
    """A parsed ClickHouse ledger URL (``password`` hidden from ``repr``)."""

    scheme: str
    database: str
    host: str = ""
    port: int = 0
    username: str = "default"
    password: str = field(default="", repr=False)
    secure: bool = False
    path: str = ""  # chdb: the data directory

    @property
    def embedded(self) -> bool:
        """True for ``chdb://`` (in-process engine)."""
        return self.scheme == "chdb"

    @property
    def display(self) -> str:
        """The URL without the password: safe to print, log and store."""
        if self.embedded:
            return f"chdb://{self.path}?database={self.database}"
        scheme = "clickhouses" if self.secure else "clickhouse"
        return f"{scheme}://{self.username}@{self.host}:{self.port}/{self.database}"


def parse_ledger_url(url: str) -> LedgerURL:
    """Parse a ledger URL; :class:`~tokentrail.errors.UserInputError` (one line, never the
    password) when it is malformed."""
    scheme = url.partition("://")[0].lower()
    if scheme not in SCHEMES:
        raise UserInputError(f"not a ClickHouse ledger URL (use {', '.join(SCHEMES)}://...)")
    try:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        port = parts.port
    except ValueError as exc:
        raise UserInputError(f"bad ledger URL ({scheme}://...): {exc}") from None
    db = unquote(query.get("database", [""])[-1])
    if scheme == "chdb":
        path = unquote(parts.path)
        if parts.netloc or not path.startswith("/"):
            raise UserInputError("chdb ledger URL needs an absolute path: chdb:///path/to/dir")
        database = db or "tokentrail"
        _check_db(database)
        return LedgerURL("chdb", database, path=path)
    secure = scheme == "clickhouses" or query.get("secure", ["false"])[-1].lower() in _TRUE
    host = parts.hostname or ""
    if not host:
        raise UserInputError(f"ledger URL {scheme}://... names no host")
    database = db or unquote(parts.path.strip("/")) or "tokentrail"
    _check_db(database)
    password = unquote(parts.password) if parts.password else os.environ.get(ENV_PASSWORD, "")
    return LedgerURL(
        "clickhouse",
        database,
        host=host,
        port=port or (8443 if secure else 8123),
        username=unquote(parts.username) if parts.username else "default",
        password=password,
        secure=secure,
    )


def _check_db(name: str) -> None:
    if not _DB_NAME.match(name):
        raise UserInputError(f"bad ClickHouse database name {name!r}: letters, digits and _ only")


def ledger_url(explicit: object = None) -> str | None:
    """The ClickHouse ledger URL a command should use: ``explicit`` when it is one, else
    ``$TOKENTRAIL_LEDGER`` when no ``explicit`` path was given and it is one; else None
    (the SQLite ledger)."""
    if explicit:
        return explicit if isinstance(explicit, str) and is_ledger_url(explicit) else None
    env = os.environ.get("TOKENTRAIL_LEDGER", "")
    return env if is_ledger_url(env) else None
