"""``tokentrail ingest --source batch|responses FILE...``: API usage files into the ledger.

``--source batch``: Message Batches results (``.jsonl``); succeeded results are priced at
the batch tier, errored / expired / canceled ones are counted, not priced. ``--source
responses``: saved Messages API responses (JSON, JSONL, or an SSE capture). ``-`` reads
stdin. Exit code 1 when bad lines were skipped (see ``tokentrail problems``), 2 on a user
error (no file given, missing file), like the Claude Code ingest.
"""

from __future__ import annotations

import json

import click

from tokentrail.errors import IngestError, UserInputError
from tokentrail.ledger import open_ledger
from tokentrail.ledger.sources import SourceSummary, ingest_api_files

__all__ = ["ingest_source", "parse_tags"]


def parse_tags(values: tuple[str, ...]) -> dict[str, str]:
    """``KEY=VALUE`` options as a dict (a bad one is a :class:`UserInputError`)."""
    out: dict[str, str] = {}
    for v in values:
        key, sep, value = v.partition("=")
        if not sep or not key:
            raise UserInputError(f"--tag {v!r} is not KEY=VALUE")
        out[key] = value
    return out


def _line(s: SourceSummary) -> str:
    text = (
        f"{s.files} file(s): {s.records} records ({s.added} added, {s.duplicates} duplicates), "
        f"{s.problems} problems"
    )
    if s.results:
        text += " · results: " + ", ".join(f"{v} {k}" for k, v in s.results.items())
    if s.problems:
        text += " (see `tokentrail problems`)"
    return text


def ingest_source(
    ctx: click.Context,
    source: str,
    paths: tuple[str, ...],
    as_json: bool,
    ledger_path: str | None,
    tags: dict[str, str] | None = None,
) -> None:
    """Run one ``--source batch|responses`` ingest and print its summary."""
    if not paths:
        raise UserInputError(f"--source {source} needs at least one FILE (or - for stdin)")
    if paths.count("-") > 1:
        raise UserInputError("stdin (-) can be given only once")
    with open_ledger(ledger_path) as ledger:
        try:
            s = ingest_api_files(ledger, source, paths, tags)
        except IngestError as exc:
            raise UserInputError(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(s.to_dict(), indent=2))
    else:
        click.echo(_line(s))
    if s.problems:
        ctx.exit(1)
