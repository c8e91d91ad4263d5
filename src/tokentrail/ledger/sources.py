"""Ingest of API usage files into a ledger: Message Batches results and saved responses.

Records and problems go in with one atomic commit per chunk; problems stored earlier for
the same file are replaced (so fixing a file and re-ingesting clears them), and records are
deduplicated by key, so re-ingesting the same file adds nothing. Unlike Claude Code logs,
these files are read whole each time (no checkpoint): they are written once, not appended.

Records are dated ``at_ms`` when given (``tokentrail ingest --at``: when the requests ran),
else by each file's modification time (stdin: now). For batch results the outcome counts of
each file (succeeded / errored / expired / canceled result lines and bad lines) are stored
in ``batch_outcomes`` (:class:`BatchOutcome`, keyed by the SHA-256 of the file's bytes, so
re-ingesting the same file keeps one row); :func:`batch_outcomes` reads them back.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from tokentrail.errors import UserInputError
from tokentrail.ingest.api_files import display_name
from tokentrail.ingest.batch import RESULT_TYPES, BatchTally, read_batch_results
from tokentrail.ingest.records import CCRecord, Problem
from tokentrail.ingest.responses import read_responses
from tokentrail.ledger.protocol import LedgerStore
from tokentrail.ledger.sqlite import SQLiteLedger

__all__ = [
    "API_SOURCES",
    "BatchOutcome",
    "SourceSummary",
    "batch_outcomes",
    "ingest_api_files",
    "save_batch_outcome",
]

ApiSource = Literal["batch", "responses"]
#: The ``--source`` values handled here.
API_SOURCES: tuple[str, ...] = ("batch", "responses")
_CHUNK = 5000


@dataclass
class SourceSummary:
    """Outcome of an API-file ingest: files read, records ``added`` / ``duplicates``,
    ``problems`` (bad lines), for batch results the count per result type, and ``at_ms``
    (the ``--at`` date given to the records, ms since the epoch UTC; ``None``: mtimes)."""

    source: str
    files: int = 0
    records: int = 0
    added: int = 0
    duplicates: int = 0
    problems: int = 0
    results: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    at_ms: int | None = None

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
        if self.at_ms is not None:
            out["at_ms"] = self.at_ms
        return out


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """The stored outcome of one Message Batches results file: ``file`` (absolute path or
    ``<stdin>``, as last read), ``content_hash`` (SHA-256 hex of its bytes), ``ts_ms`` (the
    date its records got) and ``ingested_ms`` (last read), both ms since the epoch, UTC;
    ``results``: result lines per type (``succeeded``, ``errored``, ``expired``,
    ``canceled``); ``problems``: bad lines."""

    file: str
    content_hash: str
    ts_ms: int
    ingested_ms: int
    results: Mapping[str, int]
    problems: int

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (times as ms since the epoch, UTC)."""
        return {
            "file": self.file,
            "content_hash": self.content_hash,
            "ts_ms": self.ts_ms,
            "ingested_ms": self.ingested_ms,
            "results": dict(self.results),
            "problems": self.problems,
        }


_OUTCOME_COLS = "file, content_hash, ts_ms, ingested_ms, " + ", ".join(RESULT_TYPES) + ", problems"


def save_batch_outcome(store: LedgerStore, outcome: BatchOutcome) -> None:
    """Store (or replace, same content hash) one file's outcome. A no-op for stores
    without the ``batch_outcomes`` table (only the SQLite ledger has it)."""
    if not isinstance(store, SQLiteLedger):
        return
    vals = [outcome.results.get(t, 0) for t in RESULT_TYPES]
    with store._tx() as db:
        db.execute(
            f"INSERT OR REPLACE INTO batch_outcomes ({_OUTCOME_COLS}) "
            f"VALUES ({', '.join('?' * (5 + len(RESULT_TYPES)))})",
            (outcome.file, outcome.content_hash, outcome.ts_ms, outcome.ingested_ms, *vals,
             outcome.problems),
        )  # fmt: skip


def batch_outcomes(store: LedgerStore) -> list[BatchOutcome]:
    """Every stored batch results file's outcome, oldest record date first."""
    if not isinstance(store, SQLiteLedger):
        return []
    rows = store._db.execute(
        f"SELECT {_OUTCOME_COLS} FROM batch_outcomes ORDER BY ts_ms, file, content_hash"
    )
    n = len(RESULT_TYPES)
    return [
        BatchOutcome(
            r[0], r[1], r[2], r[3], dict(zip(RESULT_TYPES, r[4 : 4 + n], strict=True)), r[4 + n]
        )
        for r in rows
    ]


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
    at_ms: int | None = None,
) -> SourceSummary:
    """Ingest each path (``-`` = stdin) of ``source`` (``"batch"`` or ``"responses"``),
    its records dated ``at_ms`` (ms since the epoch, UTC) or else by the file's mtime.
    Batch results also store each file's :class:`BatchOutcome`."""
    if source not in API_SOURCES:
        raise UserInputError(f"unknown source {source!r} (expected one of {API_SOURCES})")
    t0 = time.perf_counter()
    summary = SourceSummary(source, at_ms=at_ms)
    if source == "batch":
        summary.results = dict.fromkeys(RESULT_TYPES, 0)
    for path in paths:
        name = display_name(path)
        if source == "batch":
            tally = BatchTally()
            _commit(store, read_batch_results(path, tally, tags, at_ms), name, summary)
            for k, v in tally.results.items():
                summary.results[k] += v
            outcome = BatchOutcome(
                name, tally.sha256, tally.ts_ms, int(time.time() * 1000), dict(tally.results),
                tally.problems,
            )  # fmt: skip
            save_batch_outcome(store, outcome)
        else:
            _commit(store, read_responses(path, tags, at_ms), name, summary)
        summary.files += 1
    summary.seconds = time.perf_counter() - t0
    return summary
