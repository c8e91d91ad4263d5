"""Ingest of API usage files into a ledger: Message Batches results and saved responses.

Records and problems go in with one atomic commit per chunk; problems stored earlier for
the same file are replaced (so fixing a file and re-ingesting clears them), and records are
deduplicated by key, so re-ingesting the same file adds nothing. Unlike Claude Code logs,
these files are read whole each time (no checkpoint): they are written once, not appended.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from tokentrail.errors import UserInputError
from tokentrail.ingest.api_files import display_name
from tokentrail.ingest.batch import BatchTally, read_batch_results
from tokentrail.ingest.records import CCRecord, Problem
from tokentrail.ingest.responses import read_responses
from tokentrail.ledger.protocol import LedgerStore

__all__ = ["API_SOURCES", "SourceSummary", "ingest_api_files"]

ApiSource = Literal["batch", "responses"]
#: The ``--source`` values handled here.
API_SOURCES: tuple[str, ...] = ("batch", "responses")
_CHUNK = 5000


@dataclass
class SourceSummary:
    """Outcome of an API-file ingest: files read, records ``added`` / ``duplicates``,
    ``problems`` (bad lines), and for batch results the count per result type."""

    source: str
    files: int = 0
    records: int = 0
    added: int = 0
    duplicates: int = 0
    problems: int = 0
    results: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, object]:
        """JSON-ready summary."""
        out: dict[str, object] = {
            "source": self.source,
            "files": self.files,
            "records": self.records,
            "added": self.added,
            "duplicates": self.duplicates,
            "problems": self.problems,
            "seconds": round(self.seconds, 3),
        }
        if self.results:
            out["results"] = dict(self.results)
        return out


def _commit(
    store: LedgerStore,
    items: Iterable[CCRecord | Problem],
    name: str,
    summary: SourceSummary,
) -> None:
    records: list[CCRecord] = []
    problems: list[Problem] = []
    first = True

    def flush() -> None:
        nonlocal first, records, problems
        res = store.commit_batch(records, problems, (), reset_files=[name] if first else ())
        summary.records += len(records)
        summary.added += res.inserted
        summary.duplicates += res.duplicates
        first = False
        records, problems = [], []

    for it in items:
        if isinstance(it, Problem):
            problems.append(it)
            summary.problems += 1
        else:
            records.append(it)
        if len(records) + len(problems) >= _CHUNK:
            flush()
    flush()


def ingest_api_files(
    store: LedgerStore,
    source: str,
    paths: Iterable[str],
    tags: Mapping[str, str] | None = None,
) -> SourceSummary:
    """Ingest each path (``-`` = stdin) of ``source`` (``"batch"`` or ``"responses"``)."""
    if source not in API_SOURCES:
        raise UserInputError(f"unknown source {source!r} (expected one of {API_SOURCES})")
    t0 = time.perf_counter()
    summary = SourceSummary(source)
    tally = BatchTally()
    for path in paths:
        name = display_name(path)
        if source == "batch":
            items: Iterable[CCRecord | Problem] = read_batch_results(path, tally, tags)
        else:
            items = read_responses(path, tags)
        _commit(store, items, name, summary)
        summary.files += 1
    if source == "batch":
        summary.results = dict(tally.results)
    summary.seconds = time.perf_counter() - t0
    return summary
