"""``tokentrail report --html FILE``: write :func:`tokentrail.web.export.report_html`."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import click

from tokentrail.cli._readonly import reading_reports
from tokentrail.errors import UserInputError

__all__ = ["write_html"]


def write_html(
    path: str, ledger_path: str | None, *, since: str | None, until: str | None, tz: str | None
) -> None:
    """Render the overview and sessions of the ledger (read, never ingested into) for the
    inclusive local days ``since`` .. ``until`` into ``path`` (atomically)."""
    from tokentrail.web.export import report_html
    from tokentrail.web.state import parse_view

    params = {"tz": tz or ""}
    if since or until:
        params.update(period="custom", since=since or "", until=until or "")
    view = parse_view(params)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    import threading

    from tokentrail.ledger.readonly import ReportReads
    from tokentrail.web.team import TeamSource

    with reading_reports(ledger_path, no_ingest=True) as source:
        if isinstance(source, ReportReads):
            text = report_html(source, view, generated=stamp)
        else:  # a ClickHouse team ledger: the dashboard's view of it
            text = report_html(TeamSource(source, threading.Lock()), view, generated=stamp)
    out = Path(path)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserInputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    click.echo(f"Wrote {path} ({len(text.encode()):,} bytes).", err=True)
