"""A report from a ledger that is already up to date, standard library only.

``tokentrail daily --json`` (and every report kind) first ingests the Claude Code logs.
When that ingest would change nothing (:meth:`~tokentrail.ledger.readonly.ReadOnlyLedger.
is_warm`: the ingest's own planning rule) the report can be read from the ledger as it
is: :func:`warm_report` opens it read-only and builds the report with the functions the
command line uses (:func:`~tokentrail.reports.build.options_for`,
:func:`~tokentrail.reports.build.build_report`), without the command-line framework, the
ingest, the writer or the pricing catalog; the console entry prints it with the
command's own renderers (:func:`~tokentrail.reports.render_json.render_json`,
:func:`~tokentrail.reports.render_table.print_table`). Both return None (the caller runs the full
command, which ingests, or prints the proper error) when the ledger is missing, not at
the current schema, locked or unreadable, when the logs changed, on any bad option, or
when a user price override is in force (the full command checks it).
The checkpoints and the report are read in one read transaction, so the report is the
ledger state the warm check vouched for even while another process ingests.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from tokentrail.errors import UserInputError
from tokentrail.ingest.found import FoundFile, root_dirs
from tokentrail.ledger.readonly import open_current
from tokentrail.reports.build import WEEKDAYS, build_report, options_for
from tokentrail.reports.config import price_override_in_force
from tokentrail.reports.dates import parse_date
from tokentrail.reports.model import Report
from tokentrail.reports.zone import ledger_path, lock_timeout, parse_zone

__all__ = ["REPORT_LOCK_TIMEOUT", "warm_report"]

#: Seconds a report waits for a ledger another process holds (``$TOKENTRAIL_LOCK_TIMEOUT``
#: overrides it; ``ingest`` waits 60 s).
REPORT_LOCK_TIMEOUT = 10.0


def warm_report(
    kind: str,
    *,
    ledger: str | None = None,
    zone: str | None = None,
    since: str | None = None,
    until: str | None = None,
    project: str | None = None,
    models: Sequence[str] = (),
    order: str = "asc",
    start_of_week: str = "monday",
    no_ingest: bool = False,
    found: list[FoundFile] | None = None,
) -> Report | None:
    """The ``kind`` report for these option values (as the command line takes them: raw
    strings), or None when the full command must answer (see the module doc). With
    ``no_ingest`` the logs are not looked at. ``found``, when given, receives the files the
    warm check listed (so the full command can start from them)."""
    if start_of_week not in WEEKDAYS or order not in ("asc", "desc"):
        return None
    if price_override_in_force():
        return None
    try:
        timeout = lock_timeout(REPORT_LOCK_TIMEOUT)
        d_since = parse_date(since, "--since")
        d_until = parse_date(until, "--until")
        tz = parse_zone(zone)
        source = open_current(ledger_path(ledger), timeout=timeout)
        if source is None:
            return None
        with source, source.snapshot():
            if not no_ingest and not source.is_warm(root_dirs(), found):
                return None
            opts = options_for(
                source,
                tz=tz,
                since=d_since,
                until=d_until,
                project=project,
                models=models,
                order=order,
                start_of_week=WEEKDAYS[start_of_week],
            )
            return build_report(source, kind, opts)
    except (UserInputError, sqlite3.Error, OSError, RuntimeError):
        return None
