"""Running the dashboard: bind, print the URL, ingest in the background, stop on Ctrl-C.

The HTTP server runs on a daemon thread; the main thread waits and calls
:func:`tokentrail._signals.check`, so Ctrl-C (or ``kill``) unwinds it as every command does
(one line, exit 130) even while the background ingest has signals deferred. The background
ingest (``--ingest-every``) uses the normal writable ledger, one worker, and never stops
the server on an error: every page shows the last one until an ingest succeeds.
"""

from __future__ import annotations

import secrets
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tokentrail._signals import Interrupted, check
from tokentrail.errors import UserInputError
from tokentrail.web.server import Dashboard, DashboardServer, is_loopback

__all__ = ["serve"]


class _Ingester(threading.Thread):
    """Ingests the default Claude Code logs into ``ledger`` every ``every`` seconds."""

    def __init__(self, dashboard: Dashboard, every: float) -> None:  # float ok: seconds
        super().__init__(name="tokentrail-ingest", daemon=True)
        self.dashboard = dashboard
        self.ledger = dashboard.ledger
        self.every = every
        self.stop = threading.Event()
        self.interrupted: Interrupted | None = None

    def run(self) -> None:
        import sqlite3

        from tokentrail.errors import TokentrailError
        from tokentrail.ledger import open_ledger
        from tokentrail.ledger.sync import ingest_claude_code

        while not self.stop.is_set():
            try:
                with open_ledger(self.ledger) as store:
                    ingest_claude_code(store, workers=1)
                self.dashboard.ingest_error = None
            except Interrupted as exc:  # a Ctrl-C seen at this thread's safe point
                self.interrupted = exc
                return
            except (TokentrailError, OSError, sqlite3.Error) as exc:
                self.dashboard.ingest_error = str(exc)
            self.stop.wait(self.every)


def _upgrade(ledger: Path) -> None:
    """Migrate an existing ledger written by an older tokentrail once (the pages read the
    current schema); a ledger that is current is never opened for writing."""
    import sqlite3

    from tokentrail.errors import LedgerError
    from tokentrail.ledger.schema import migration_pending
    from tokentrail.ledger.uri import connect_readonly

    if not ledger.exists():
        return
    try:
        db = connect_readonly(str(ledger), 10.0)
        try:
            pending = migration_pending(db)
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise LedgerError(f"cannot read ledger {ledger}: {exc}") from exc
    if pending:
        from tokentrail.ledger import open_ledger

        with open_ledger(ledger):
            pass


def serve(
    ledger: Path | str,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    allow_remote: bool = False,
    open_browser: bool = False,
    ingest_every: float | None = None,  # float ok: seconds
    echo: Callable[[str], None] = print,
    ready: Callable[[DashboardServer], None] | None = None,
) -> None:
    """Serve the dashboard until interrupted (see the module doc). A non-loopback ``host``
    without ``allow_remote`` is a :class:`~tokentrail.errors.UserInputError`. ``ledger``: a
    SQLite ledger's path, or a team ledger URL (``chdb://``, ``clickhouse://``: served as
    it is; ``ingest_every`` is refused, the machines push into it)."""
    if not is_loopback(host) and not allow_remote:
        raise UserInputError(
            f"refusing to bind {host!r}: the dashboard binds a loopback address unless "
            "--allow-remote is given (the token is still required)"
        )
    if ingest_every is not None and ingest_every <= 0:
        raise UserInputError("--ingest-every must be a positive number of seconds")
    if isinstance(ledger, str):
        if ingest_every is not None:
            raise UserInputError(
                "--ingest-every reads this machine's logs into its local ledger: on a team "
                "ledger, turn on push after ingest in each machine's config instead"
            )
    else:
        _upgrade(ledger)
    token = secrets.token_urlsafe(24)
    try:
        server = DashboardServer((host, port), Dashboard(ledger, token))
    except OSError as exc:
        raise UserInputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{server.server_address[1]}/?token={token}"
    echo(url)
    sys.stdout.flush()
    ingester = _Ingester(server.dashboard, ingest_every) if ingest_every else None
    thread = threading.Thread(target=server.serve_forever, name="tokentrail-http", daemon=True)
    try:
        thread.start()
        if ingester is not None:
            ingester.start()
        if open_browser:
            import webbrowser

            webbrowser.open(url)
        if ready is not None:
            ready(server)
        while thread.is_alive():
            time.sleep(0.2)  # float ok: seconds
            check()
            if ingester is not None and ingester.interrupted is not None:
                raise ingester.interrupted
    finally:
        if ingester is not None:
            ingester.stop.set()
        server.shutdown()
        server.server_close()
