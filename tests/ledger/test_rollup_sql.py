"""Rollup cells never overflow: a cell keeps whole dollars and the picodollars below one,
carried and borrowed on every change, and every sum is split so SQLite cannot overflow."""

from __future__ import annotations

import json
import sqlite3
from datetime import timezone
from decimal import Decimal
from pathlib import Path

from _cc_tree import SESSION, assistant, usage
from hypothesis import given, settings
from hypothesis import strategies as st

from tokentrail.ledger import AggregateQuery, SQLiteLedger, ingest_claude_code
from tokentrail.ledger.rollup_sql import (
    CELL_SUMS,
    COUNT_SUMS,
    DIMS_INSERTED,
    ROLLUP_INSERTED,
    pico_of,
    record_cost_sums,
)
from tokentrail.ledger.schema import MIGRATIONS
from tokentrail.reports.statusline import read_status

INT64 = 2**63 - 1
OPUS = "claude-opus-4-1-20250805"
# Opus 4.1 list rates in USD per million tokens: input 15, 1h cache writes 30, cache reads
# 1.50, output 75. One request at the per-field limits (200M on each input-side field, 50M
# output tokens):
ONE = (
    Decimal(200) * 15 + Decimal(200) * 30 + Decimal(200) * Decimal("1.50") + Decimal(50) * 75
)  # = 13,050 USD


def _huge_lines(n: int) -> list[bytes]:
    u = usage(inp=200_000_000, out=50_000_000, cw5=0, cw1=200_000_000, cr=200_000_000)
    ts = [f"2026-05-04T09:0{i % 10}:00.{i % 1000:03d}Z" for i in range(n)]
    return [
        json.dumps(assistant(f"msg_{i}", f"req_{i}", ts[i], u, model=OPUS)).encode()
        for i in range(n)
    ]


def test_a_cell_past_int64_picodollars_keeps_every_record(tmp_path: Path) -> None:
    n = 800  # 800 * 13,050 USD = 10,440,000 USD > 2**63 - 1 picodollars (9,223,372 USD)
    assert ONE * n * 10**12 > INT64
    good = json.dumps(assistant("msg_ok", "req_ok", "2026-05-04T09:30:00.000Z", usage(out=5)))
    f = tmp_path / "projects" / "-p" / f"{SESSION}.jsonl"
    f.parent.mkdir(parents=True)
    f.write_bytes(b"\n".join([*_huge_lines(n), good.encode()]) + b"\n")
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        s = ingest_claude_code(ledger, [tmp_path / "projects"])
        assert (s.added, s.problems) == (n + 1, 0)
        (day,) = ledger.aggregate(AggregateQuery("day", timezone.utc))
        assert day.totals.requests == n + 1
        assert day.models[OPUS].cost == ONE * n
        (sess,) = ledger.aggregate(AggregateQuery("session", timezone.utc))
        assert sess.totals.cost == day.totals.cost
        for by in ("model", "agent", "branch", "project", "month"):
            rows = ledger.aggregate(AggregateQuery(by, timezone.utc))  # type: ignore[arg-type]
            assert sum(r.totals.cost for r in rows) == day.totals.cost, by
        # a bounded query takes the cell-by-cell path
        (bounded,) = ledger.aggregate(
            AggregateQuery("session", timezone.utc, since=day_date(day.key))
        )
        assert bounded.totals.cost == day.totals.cost
        # reprice rewrites every record (the update triggers take out and add back)
        ledger.reprice()
        (again,) = ledger.aggregate(AggregateQuery("day", timezone.utc))
        assert again.totals == day.totals
        now_ms = 1777885200000 + 1800_000  # 2026-05-04T09:00Z + 30 min
        st_ = read_status(ledger._db, now_ms, timezone.utc, SESSION, session_cost=True)
        assert st_.today_cost == day.totals.cost
        assert st_.session_cost == day.totals.cost


def day_date(key: str):  # type: ignore[no-untyped-def]
    from datetime import date

    return date.fromisoformat(key)


def _db(tmp_path: Path) -> sqlite3.Connection:
    SQLiteLedger(tmp_path / "l.sqlite3").close()
    return sqlite3.connect(tmp_path / "l.sqlite3", isolation_level=None)


_COLS = (
    "source, dedup_key, ts_ms, model, session_id, project, is_sidechain, is_final, synthetic, "
    "input_tokens, cache_creation_tokens, cache_5m_tokens, cache_1h_tokens, ttl_known, "
    "cache_read_tokens, output_tokens, total_tokens, web_search_requests, web_fetch_requests, "
    "usage_json, cost_pico"
)


def _insert(db: sqlite3.Connection, key: str, cost: int | None, session: str = "s") -> None:
    db.execute(
        f"INSERT INTO records ({_COLS}) VALUES "
        "('sdk', ?, 1000, 'm', ?, 'p', 0, 1, 0, 1, 0, 0, 0, 1, 0, 1, 2, 0, 0, '{}', ?)",
        (key, session, cost),
    )


def _cell_cost(db: sqlite3.Connection, table: str) -> tuple[int, list[tuple[int, int]]]:
    parts = db.execute(f"SELECT {CELL_SUMS} FROM {table}").fetchone()[len(COUNT_SUMS) :]
    cells = db.execute(f"SELECT cost_usd, cost_sub FROM {table}").fetchall()
    return pico_of(parts), cells


costs = st.one_of(st.none(), st.integers(0, INT64), st.sampled_from([0, 10**12 - 1, 10**12]))


@settings(max_examples=60, deadline=None)
@given(
    first=st.lists(st.tuples(costs, st.sampled_from("ab")), min_size=1, max_size=8),
    changes=st.lists(st.tuples(st.integers(0, 20), costs), max_size=8),
    deletes=st.lists(st.integers(0, 20), max_size=4),
)
def test_cells_equal_their_records_exactly(
    tmp_path_factory: object, first: list[tuple[int | None, str]],
    changes: list[tuple[int, int | None]], deletes: list[int],
) -> None:  # fmt: skip
    db = _db(tmp_path_factory.mktemp("l"))  # type: ignore[attr-defined]
    db.execute("BEGIN")
    for i, (cost, session) in enumerate(first):
        _insert(db, f"k{i}", cost, session)
    db.execute(ROLLUP_INSERTED, (0,))
    db.execute(DIMS_INSERTED, (0,))
    for i, cost in changes:  # replacements and reprices: the update triggers
        db.execute("UPDATE records SET cost_pico = ? WHERE dedup_key = ?", (cost, f"k{i}"))
    for i in deletes:
        db.execute("DELETE FROM records WHERE dedup_key = ?", (f"k{i}",))
    db.execute("COMMIT")
    want = sum(r[0] or 0 for r in db.execute("SELECT cost_pico FROM records"))
    parts = db.execute(f"SELECT {record_cost_sums()} FROM records").fetchone()
    assert pico_of(parts) == want
    for table in ("rollup_q15", "rollup_dims_q15"):
        total, cells = _cell_cost(db, table)
        assert total == want, table
        assert all(0 <= sub < 10**12 and usd >= 0 for usd, sub in cells), cells
    db.close()


def test_the_migration_rebuilds_the_rollups_from_the_records(
    tmp_path: Path, monkeypatch: object
) -> None:
    import tokentrail.ledger.opening as opening_mod

    path = tmp_path / "l.sqlite3"
    monkeypatch.setattr(opening_mod, "MIGRATIONS", MIGRATIONS[:9])  # type: ignore[attr-defined]
    SQLiteLedger(path).close()
    old = sqlite3.connect(path, isolation_level=None)
    for i, cost in enumerate([INT64, INT64, 5, None]):
        _insert(old, f"k{i}", cost)  # no rollup rows yet: the rebuild makes them
    old.close()
    monkeypatch.setattr(opening_mod, "MIGRATIONS", MIGRATIONS)  # type: ignore[attr-defined]
    with SQLiteLedger(path) as ledger:
        (row,) = ledger.aggregate(AggregateQuery("day", timezone.utc))
        assert row.totals.requests == 4
        assert row.totals.unpriced == 1
        assert row.totals.cost == (Decimal(INT64) * 2 + 5).scaleb(-12)
        (agent,) = ledger.aggregate(AggregateQuery("agent", timezone.utc))
        assert agent.totals == row.totals
