"""The ClickHouse store's own rules: the better copy wins whatever the insert order, across
partitions too; tombstones hide a key; reads are exact before any merge; scope filters
see the surviving copy only; migrations are named and idempotent."""

from __future__ import annotations

import pytest
from _ch_records import FEB01, JAN31, rec, version

from tokentrail.ingest.records import CCRecord, is_better
from tokentrail.ledger.clickhouse.schema import MIGRATIONS
from tokentrail.ledger.clickhouse.store import ClickHouseLedger


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (rec("m|r", 1000, 5, stop=None), rec("m|r", 1000, 3)),  # finished beats more output
        (rec("m|r", 1000, 3), rec("m|r", 1000, 5)),  # more output
        (rec("m|r", 2000, 5), rec("m|r", 1000, 5)),  # earlier copy
        (rec("m|r", 1000, 5, session_id="s2"), rec("m|r", 1000, 5, session_id="s1")),
        (rec("m|r", 1000, 5, is_sidechain=True), rec("m|r", 1000, 5)),
        (rec("m|r", 1000, 5, line=1), rec("m|r", 1000, 5, line=9)),  # the later line
    ],
)
def test_version_orders_copies_as_is_better(a: CCRecord, b: CCRecord) -> None:
    assert is_better(b, a)
    assert version(b) > version(a)


def _team(url: str) -> ClickHouseLedger:
    return ClickHouseLedger(url, machine="m1", user="u1")


def test_better_copy_wins_in_any_order_and_across_partitions(chdb_url: str) -> None:
    team = _team(chdb_url)
    good = rec("k|r", JAN31, 50)  # finished, January
    worse = rec("k|r", FEB01, 10, stop=None)  # streamed copy, February partition
    team.add([good])
    team.add([worse])  # arrives later, must lose
    team.add([rec("z|r", FEB01, 7)])
    rows = {r.key: r for r in team.record_rows()}
    assert rows["k|r"].output_tokens == 50
    assert team.count_records() == 2
    assert sum(p.output_tokens for p in team.usage_points()) == 57


def test_scope_sees_the_surviving_copy_only(chdb_url: str) -> None:
    team = _team(chdb_url)
    old = ClickHouseLedger(chdb_url, machine="old", user="u0", migrate=False)
    old.add([rec("k|r", JAN31, 10, stop=None)])
    team.add([rec("k|r", JAN31, 50)])  # machine m1's better copy replaces it
    assert ClickHouseLedger(chdb_url, machines=["old"], migrate=False).count_records() == 0
    assert ClickHouseLedger(chdb_url, machines=["m1"], migrate=False).count_records() == 1


def test_tombstones_hide_a_key(chdb_url: str) -> None:
    team = _team(chdb_url)
    team.add([rec("k", JAN31, 10), rec("j|r", JAN31, 5)])
    team.insert_tombstones(["k"])
    assert [r.key for r in team.record_rows()] == ["j|r"]


def test_migrations_are_named_and_idempotent(chdb_url: str) -> None:
    team = _team(chdb_url)
    assert team.applied_migrations() == [n for n, _ in MIGRATIONS]
    assert team.migrate() == []
    assert ClickHouseLedger(chdb_url).migrate() == []


def test_problems_and_checkpoints_round_trip(chdb_url: str) -> None:
    from tokentrail.ingest.reader import FileCheckpoint
    from tokentrail.ingest.records import Problem

    team = _team(chdb_url)
    cp = FileCheckpoint("/f.jsonl", 1, 2, 300, 4, 300, 3, "h", "t")
    p = Problem("/f.jsonl", 2, "usage", "invalid_json", "bad line")
    team.commit_batch([], [p, p], [cp])
    team.commit_batch([], [p], [cp])
    assert team.problems() == [p]
    assert team.checkpoints() == {"/f.jsonl": cp}
