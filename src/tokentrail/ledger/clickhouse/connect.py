"""Opening a ClickHouse client for a :class:`~tokentrail.ledger.clickhouse.url.LedgerURL`.

``clickhouse-connect`` (and ``chdb`` for ``chdb://``) are the optional extra
``tokentrail[clickhouse]``; without them opening a team ledger is one error line naming
it. chDB runs one engine per process on one data directory: clients for a ``chdb://``
path are made once per process and shared. Errors never show the password.
"""

from __future__ import annotations

from typing import Any

from tokentrail.errors import LedgerError
from tokentrail.ledger.clickhouse.url import LedgerURL

__all__ = ["EXTRA_HINT", "client_for", "driver_error"]

#: How to install what a ClickHouse ledger needs.
EXTRA_HINT = "pip install 'tokentrail[clickhouse]'"

_CHDB: dict[str, Any] = {}


def _module() -> Any:
    import logging

    # the driver logs its own copy of an error we report in one line: keep it quiet
    logging.getLogger("clickhouse_connect").addHandler(logging.NullHandler())
    try:
        import clickhouse_connect
    except ImportError:
        raise LedgerError(f"a ClickHouse ledger needs the clickhouse extra: {EXTRA_HINT}") from None
    return clickhouse_connect


def driver_error() -> tuple[type[BaseException], ...]:
    """The exception classes a ClickHouse call may raise (mapped to LedgerError)."""
    try:
        from clickhouse_connect.driver.exceptions import ClickHouseError
    except ImportError:  # pragma: no cover - checked when the client is made
        return (OSError,)
    return (ClickHouseError, OSError, RuntimeError)


def client_for(url: LedgerURL) -> Any:
    """A client on ``url`` (no database selected: it may not exist yet)."""
    cc = _module()
    if url.embedded:
        client = _CHDB.get(url.path)
        if client is None:
            try:
                import chdb  # noqa: F401  (the engine of chdb:// DSNs)
            except ImportError:
                raise LedgerError(
                    f"a chdb:// ledger needs the clickhouse extra: {EXTRA_HINT}"
                ) from None
            try:
                client = cc.get_client(dsn=f"chdb://{url.path}")
            except Exception as exc:  # the engine refuses a second path, a locked dir
                raise LedgerError(f"cannot open ledger {url.display}: {exc}") from None
            _CHDB[url.path] = client
        return client
    try:
        return cc.get_client(
            host=url.host,
            port=url.port,
            username=url.username,
            password=url.password,
            secure=url.secure,
            connect_timeout=10,
            send_receive_timeout=300,
        )
    except Exception as exc:
        msg = str(exc).replace(url.password, "***") if url.password else str(exc)
        msg = msg.splitlines()[0] if msg else type(exc).__name__
        raise LedgerError(f"cannot connect to ledger {url.display}: {msg[:200]}") from None
