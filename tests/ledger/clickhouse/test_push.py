"""``push``: incremental, replaced records sent again, deleted keys as tombstones, a
re-push sends nothing, ``--dry-run`` sends nothing."""

from __future__ import annotations

from pathlib import Path

from _ch_records import JAN31, rec

from tokentrail.ledger import SQLiteLedger
from tokentrail.ledger.clickhouse.store import ClickHouseLedger
from tokentrail.ledger.push import push


def _out(team: ClickHouseLedger) -> dict[str, int]:
    return {r.key: r.output_tokens for r in team.record_rows()}


def test_incremental_changes_and_tombstones(tmp_path: Path, chdb_url: str) -> None:
    local = SQLiteLedger(tmp_path / "l.sqlite3")
    team = ClickHouseLedger(chdb_url, machine="a", user="u")

    def go(**kw: object) -> tuple[int, int, int]:
        s = push(local, team, machine="a", user="u", batch=2, **kw)  # type: ignore[arg-type]
        return s.records, s.changed, s.deleted

    local.add([rec("a|r", JAN31, 5, stop=None), rec("b|r", JAN31, 1), rec("c|r", JAN31, 2)])
    assert push(local, team, machine="a", user="u", dry_run=True).records == 3
    assert _out(team) == {}
    assert go() == (3, 0, 0)
    assert go() == (0, 0, 0)  # nothing new
    local.add([rec("a|r", JAN31, 9)])  # a better copy replaces the stored one in place
    assert go() == (0, 1, 0)
    assert _out(team) == {"a|r": 9, "b|r": 1, "c|r": 2}
    # a copy logged without requestId, later merged into the copy that has one
    local.add([rec("m", JAN31, 3, request_id=None, message_id="m")])
    assert go() == (1, 0, 0)
    local.add([rec("m|r", JAN31, 4, message_id="m")])
    go()
    got = _out(team)
    assert "m" not in got
    assert got["m|r"] == 4
    assert team.count_records() == local.count_records() == 4
    local.close()
