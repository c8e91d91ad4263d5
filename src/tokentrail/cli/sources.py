"""``tokentrail ingest --source batch|responses FILE...``: API usage files into the ledger.

``--source batch``: Message Batches results (``.jsonl``); succeeded results are priced at
the batch tier, errored / expired / canceled ones are counted, not priced. ``--source
responses``: saved Messages API responses (JSON, JSONL, or an SSE capture). ``-`` reads
stdin. ``--at DATETIME`` dates the records (when the requests ran: an ISO date or
datetime, naive = UTC) so prices follow that date; without it a file's records are dated
by its modification time (stdin: now). Batch results also store each file's outcome counts
(see ``tokentrail report batches``). Exit code 1 when bad lines were skipped (see
``tokentrail problems``), 2 on a user error (no file given, missing file, a bad ``--at``),
like the Claude Code ingest.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import click

from tokentrail.errors import IngestError, UserInputError
from tokentrail.ingest.records import TS_MAX_MS, TS_MIN_MS
from tokentrail.ledger import open_ledger
from tokentrail.ledger.sources import SourceSummary, ingest_api_files

__all__ = ["ingest_source", "parse_at", "parse_tags"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MS = timedelta(milliseconds=1)


def parse_at(value: str | None) -> int | None:
    """``--at``: an ISO 8601 date (``2026-01-15``: its midnight) or datetime
    (``2026-01-15T09:30``, ``2026-01-15 09:30:00+02:00``, ``...Z``; naive = UTC) as ms since
    the epoch, UTC (``None`` stays ``None``). Anything else is a :class:`UserInputError`."""
    if value is None:
        return None
    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        raise UserInputError(
            f"--at {value!r} is not an ISO date or datetime "
            "(e.g. 2026-01-15, 2026-01-15T09:30 or 2026-01-15T09:30:00+02:00; naive = UTC)"
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    ms = (dt - _EPOCH) // _MS
    if not TS_MIN_MS <= ms < TS_MAX_MS:
        raise UserInputError(f"--at {value!r} is outside 2000-01-01 .. 2100-01-01 (UTC)")
    return ms


def parse_tags(values: tuple[str, ...]) -> dict[str, str]:
    """``KEY=VALUE`` options as a dict (a bad one is a :class:`UserInputError`)."""
    out: dict[str, str] = {}
    for v in values:
        key, sep, value = v.partition("=")
        if not sep or not key:
            raise UserInputError(f"--tag {v!r} is not KEY=VALUE")
        out[key] = value
    return out


def _iso(ms: int) -> str:
    return (_EPOCH + ms * _MS).isoformat(timespec="seconds").replace("+00:00", "Z")


def _line(s: SourceSummary) -> str:
    text = (
        f"{s.files} file(s): {s.records} records ({s.added} added, {s.duplicates} duplicates), "
        f"{s.problems} problems"
    )
    if s.results:
        text += " · results: " + ", ".join(f"{v} {k}" for k, v in s.results.items())
    if s.at_ms is not None:
        text += f" · dated {_iso(s.at_ms)}"
    return text


def _hints(s: SourceSummary) -> list[str]:
    """Where to look next (stderr: hints never go into redirected output)."""
    out = ["stored results: tokentrail report batches"] if s.results else []
    return out + (["see the problem lines with: tokentrail problems"] if s.problems else [])


def ingest_source(
    ctx: click.Context,
    source: str,
    paths: tuple[str, ...],
    as_json: bool,
    ledger_path: str | None,
    tags: dict[str, str] | None = None,
    at_ms: int | None = None,
) -> None:
    """Run one ``--source batch|responses`` ingest and print its summary (records dated
    ``at_ms``, ms since the epoch UTC, when given)."""
    if not paths:
        raise UserInputError(f"--source {source} needs at least one FILE (or - for stdin)")
    if paths.count("-") > 1:
        raise UserInputError("stdin (-) can be given only once")
    with open_ledger(ledger_path) as ledger:
        try:
            s = ingest_api_files(ledger, source, paths, tags, at_ms)
        except IngestError as exc:
            raise UserInputError(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(s.to_dict(), indent=2))
    else:
        click.echo(_line(s))
        for hint in _hints(s):
            click.echo(hint, err=True)
    if s.problems:
        ctx.exit(1)
