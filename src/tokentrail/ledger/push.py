"""``tokentrail push``: the local SQLite ledger's records → a ClickHouse team ledger.

Incremental: the local ledger keeps, per target, the last record id sent and the last
change handled (:mod:`tokentrail.ledger.push_state`). Batches are read one at a time
(memory flat in the ledger's size) and the checkpoint moves only after the team ledger
accepted a batch. Idempotent: every row inserted is a ReplacingMergeTree row whose
identity is the record's dedup key and whose version is its quality
(:mod:`tokentrail.ledger.clickhouse.schema`), so a batch sent twice (a re-push, a push
killed at any point and run again) or the same record from two machines counts once.
Changed records (a better copy arrived) are sent again; deleted ones (merged into
another key) as tombstones. Problems and runs are sent whole each time (few rows, same
identity → replaced).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tokentrail.ledger.clickhouse.store import ClickHouseLedger
    from tokentrail.ledger.sqlite import SQLiteLedger

__all__ = ["BATCH", "PushSummary", "push"]

#: Records per insert. Measured pushing 1M records to chDB: 10,000 per insert was both the
#: fastest and the leanest (peak RSS 0.71 GB; 50,000: 1.0 GB and slower; the engine alone
#: is about 0.3 GB); peak memory depends on the batch, not on the ledger's size.
BATCH = 10_000


@dataclass(slots=True)
class PushSummary:
    """What one push sent (or, ``dry_run``, would send) to ``target``."""

    target: str
    machine: str
    user: str
    records: int = 0
    changed: int = 0
    deleted: int = 0
    problems: int = 0
    runs: int = 0
    dry_run: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "target": self.target,
            "machine": self.machine,
            "user": self.user,
            "records": self.records,
            "changed": self.changed,
            "deleted": self.deleted,
            "problems": self.problems,
            "runs": self.runs,
            "dry_run": self.dry_run,
        }


def push(
    local: SQLiteLedger,
    team: ClickHouseLedger,
    *,
    machine: str,
    user: str,
    since_ms: int | None = None,
    dry_run: bool = False,
    batch: int = BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> PushSummary:
    """Send what ``team`` does not have yet (see the module doc). ``since_ms``: only
    records from then on, and the checkpoint is left where it was (a partial push)."""
    src = local.push_source()
    target = f"{team.url.display}#{machine}/{user}"
    out = PushSummary(team.url.display, machine, user, dry_run=dry_run)
    last_id, last_seq = src.state(target)
    n_records, n_changes = src.counts(last_id, last_seq, since_ms)
    problems = src.problem_rows()
    runs = src.run_rows()
    if dry_run:
        out.records, out.changed = n_records, n_changes
        out.problems, out.runs = len(problems), len(runs)
        return out
    total = n_records + n_changes
    done = 0
    if progress is not None:
        progress(0, total)
    for seq, keys in src.changes(last_seq, batch):
        rows = src.rows_for(keys)
        present = {str(r[1]) for r in rows}
        gone = [k for k in keys if k not in present]
        team.insert_sqlite_rows(rows, machine, user)
        team.insert_tombstones(gone, machine)
        out.changed += len(rows)
        out.deleted += len(gone)
        last_seq = seq
        if since_ms is None:
            src.save(target, last_id, last_seq)
        done += len(keys)
        if progress is not None:
            progress(min(done, total), total)
    for top, rows in src.record_batches(last_id, since_ms, batch):
        team.insert_sqlite_rows(rows, machine, user)
        out.records += len(rows)
        if since_ms is None:
            src.save(target, top, last_seq)
        done += len(rows)
        if progress is not None:
            progress(min(done, total), total)
    team.insert_problem_rows(problems, machine, user)
    team.save_run_rows(runs, machine, user)
    out.problems, out.runs = len(problems), len(runs)
    return out
