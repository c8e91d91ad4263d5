"""``tokentrail serve``: the local dashboard (:mod:`tokentrail.web`, imported only here)."""

from __future__ import annotations

import click

from tokentrail.cli import cli
from tokentrail.ledger import resolve_ledger_path

__all__ = ["serve_cmd"]


@cli.command("serve")
@click.option(
    "--ledger",
    "ledger_path",
    metavar="PATH",
    default=None,
    help="Ledger file, or a team ledger URL (chdb://, clickhouse://: with Users and Machines "
    "pages); default: $TOKENTRAIL_LEDGER, else the platform data dir.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Port (0: any free port).",
)
@click.option("--open/--no-open", "open_browser", default=False, help="Open the page in a browser.")
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow a non-loopback --host (the token is still required).",
)
@click.option(
    "--ingest-every",
    type=click.FloatRange(min=1),
    metavar="SECONDS",
    default=None,
    help="Ingest new Claude Code log lines every SECONDS in the background; the page updates.",
)
def serve_cmd(
    ledger_path: str | None,
    host: str,
    port: int,
    open_browser: bool,
    allow_remote: bool,
    ingest_every: float | None,  # float ok: seconds
) -> None:
    """Serve the local dashboard (127.0.0.1, a token in the URL).

    The first line printed is the URL with a one-time random token; any request without it
    (or the cookie it sets) gets 401. The ledger is only read (an ingest is never blocked).
    Stop with Ctrl-C."""
    from tokentrail.ledger.clickhouse.url import ledger_url
    from tokentrail.web.run import serve

    serve(
        ledger_url(ledger_path) or resolve_ledger_path(ledger_path),
        host=host,
        port=port,
        allow_remote=allow_remote,
        open_browser=open_browser,
        ingest_every=ingest_every,
        echo=lambda line: click.echo(line),
    )
