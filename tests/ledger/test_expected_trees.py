"""Generated trees: daily and session totals equal `.expected.json`; every bad line listed."""

from __future__ import annotations

import re
from datetime import timezone
from pathlib import Path
from typing import Any

import pytest
from _cc_tree import generate

from tokentrail.ledger import AggregateQuery, SQLiteLedger, Totals, ingest_claude_code

FIELDS = {
    "input_tokens": "input_tokens",
    "output_tokens": "output_tokens",
    "cache_creation_input_tokens": "cache_creation_tokens",
    "cache_read_input_tokens": "cache_read_tokens",
    "ephemeral_5m_input_tokens": "cache_5m_tokens",
    "ephemeral_1h_input_tokens": "cache_1h_tokens",
    "web_search_requests": "web_search_requests",
    "web_fetch_requests": "web_fetch_requests",
}


def _as_expected(t: Totals) -> dict[str, int]:
    out = {k: getattr(t, v) for k, v in FIELDS.items()}
    out["messages"] = t.requests + t.synthetic
    return out


def _check(tree: Path, expected: dict[str, Any], ledger: SQLiteLedger) -> None:
    days = ledger.aggregate(AggregateQuery("day", timezone.utc))
    got_days = {r.key: _as_expected(r.totals) for r in days}
    want_days = {d: v["totals"] for d, v in expected["days"].items()}
    assert got_days == want_days
    for r in days:
        want_models = dict(expected["days"][r.key]["models"].items())
        assert {m: _as_expected(t) for m, t in r.models.items()} == want_models
    sessions = ledger.aggregate(AggregateQuery("session", timezone.utc))
    assert {r.key: _as_expected(r.totals) for r in sessions} == {
        s: v["totals"] for s, v in expected["sessions"].items()
    }
    for r in sessions:
        want = expected["sessions"][r.key]
        assert r.project is not None
        assert re.sub(r"[^A-Za-z0-9]", "-", r.project) == want["project"]
        assert r.first_day == want["days"][0]
        assert r.last_day == want["days"][-1]
    planted = {(str(tree / m["file"]), m["line"]) for m in expected["malformed"]}
    found = {(p.file, p.line) for p in ledger.problems()}
    assert found == planted
    fields = {(str(tree / m["file"]), m["line"]): m["field"] for m in expected["malformed"]}
    for p in ledger.problems():
        if fields[(p.file, p.line)] is not None:
            assert p.field == fields[(p.file, p.line)]


@pytest.mark.parametrize("seed", [1, 2, 3, 7])
def test_generated_tree_matches_expected(tmp_path: Path, seed: int) -> None:
    tree = tmp_path / "tree"
    expected = generate(tree, "700KB", seed, 0.02)
    assert expected["malformed"], "the generator should plant bad lines"
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        s = ingest_claude_code(ledger, [tree / "projects"])
        assert s.problems == len(expected["malformed"])
        assert s.added == expected["stats"]["unique_messages"]
        _check(tree, expected, ledger)
        again = ingest_claude_code(ledger, [tree / "projects"])
        assert (again.files_read, again.added, again.bytes) == (0, 0, 0)
        _check(tree, expected, ledger)


def test_every_case_of_the_generator_is_counted_as_the_truth_says(tmp_path: Path) -> None:
    """A tree holding every case: streamed copies, subagents and workflows, /btw replays,
    resumed-session copies, synthetic lines, compactions, unfinished subagent requests and
    malformed lines; ingested, it gives exactly the truth."""
    tree = tmp_path / "tree"
    expected = generate(tree, "2MB", 10, 0.01)
    st = expected["stats"]
    for key in ("duplicate_stream_lines", "resumed_copy_lines", "sidechain_replay_lines",
                "subagent_files", "workflow_files", "malformed_lines"):  # fmt: skip
        assert st[key] > 0, key
    text = "".join(p.read_text() for p in sorted(tree.rglob("*.jsonl")))
    assert '"subtype":"compact_boundary"' in text
    assert '"stop_reason":null' in text
    assert any("<synthetic>" in d["models"] for d in expected["days"].values())
    assert list(tree.rglob("agent-*.meta.json"))
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        s = ingest_claude_code(ledger, [tree / "projects"])
        assert s.added == st["unique_messages"]
        assert s.duplicates == st["usage_lines"] - s.added
        _check(tree, expected, ledger)


def test_small_batches_and_blocks_give_the_same_totals(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    expected = generate(tree, "400KB", 11, 0.02)
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        ingest_claude_code(
            ledger, [tree / "projects"], batch_records=7, batch_bytes=10_000, block_size=5000
        )
        _check(tree, expected, ledger)


def _ledger_state(ledger: SQLiteLedger) -> tuple[object, ...]:
    db = ledger._db
    records = db.execute(
        "SELECT dedup_key, session_id, ts_ms, input_tokens, output_tokens, cache_5m_tokens, "
        "cache_1h_tokens, cache_read_tokens, cost_pico, price_flags, file, line FROM records "
        "ORDER BY dedup_key"
    ).fetchall()
    rollup = db.execute("SELECT * FROM rollup_q15 ORDER BY 1, 2, 3, 4").fetchall()
    checkpoints = db.execute(
        "SELECT path, size, byte_offset, lines, head_hash, tail_hash FROM checkpoints ORDER BY 1"
    ).fetchall()
    return tuple(map(tuple, records)), tuple(map(tuple, rollup)), tuple(map(tuple, checkpoints))


@pytest.mark.parametrize(("task_bytes", "block_size"), [(64 << 20, 4 << 20), (3000, 1500)])
def test_worker_processes_give_the_serial_ledger(
    tmp_path: Path, task_bytes: int, block_size: int
) -> None:
    """Two worker processes (files split into many parts with a tiny ``task_bytes``) store
    exactly what one in-process pass stores, problems included."""
    tree = tmp_path / "tree"
    expected = generate(tree, "900KB", 5, 0.02)
    with SQLiteLedger(tmp_path / "serial.sqlite3") as serial:
        one = ingest_claude_code(serial, [tree / "projects"], workers=1)
        want = _ledger_state(serial)
        want_problems = serial.problems()
    with SQLiteLedger(tmp_path / "parallel.sqlite3") as parallel:
        two = ingest_claude_code(
            parallel,
            [tree / "projects"],
            workers=2,
            task_bytes=task_bytes,
            block_size=block_size,
            batch_records=50,
        )
        assert _ledger_state(parallel) == want
        assert parallel.problems() == want_problems
        _check(tree, expected, parallel)
        again = ingest_claude_code(parallel, [tree / "projects"], workers=2)
        assert (again.files_read, again.added, again.bytes) == (0, 0, 0)
    assert (two.files_read, two.records, two.added, two.problems, two.bytes) == (
        one.files_read, one.records, one.added, one.problems, one.bytes,
    )  # fmt: skip


def test_a_broken_price_file_stops_a_parallel_ingest_on_the_callers_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The catalog is loaded before the workers fork: a broken override is a CatalogError
    raised by ingest itself, nothing is committed, and no worker or thread prints a
    traceback."""
    from tokentrail.errors import CatalogError
    from tokentrail.pricing import catalog

    tree = tmp_path / "tree"
    generate(tree, "300KB", 3, 0.0)
    bad = tmp_path / "prices.toml"
    bad.write_text("this is [not toml\n")
    monkeypatch.setenv("TOKENTRAIL_PRICES", str(bad))
    catalog._cached.cache_clear()
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        with pytest.raises(CatalogError, match="not valid TOML"):
            ingest_claude_code(ledger, [tree / "projects"], workers=2)
        assert ledger.checkpoints() == {}
        assert ledger._db.execute("SELECT count(*) FROM records").fetchone()[0] == 0
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("workers", [1, 2])
def test_the_ledgers_own_coster_prices_in_process_and_in_workers(
    tmp_path: Path, workers: int
) -> None:
    """A ledger opened with its own coster (another catalog) has every record priced by
    it, whether files are read in process or by forked workers."""
    from tokentrail.ingest.records import CCRecord
    from tokentrail.ledger import Coster

    class OnePico(Coster):
        def cost_many(self, records: list[CCRecord]) -> list[tuple[int | None, str | None]]:
            return [(1, "test_catalog")] * len(records)

    tree = tmp_path / "tree"
    generate(tree, "300KB", 4, 0.0)
    with SQLiteLedger(tmp_path / "l.sqlite3", coster=OnePico()) as ledger:
        s = ingest_claude_code(ledger, [tree / "projects"], workers=workers)
        rows = ledger._db.execute(
            "SELECT DISTINCT cost_pico, price_flags FROM records WHERE synthetic = 0"
        ).fetchall()
    assert s.added > 0
    assert [tuple(r) for r in rows] == [(1, "test_catalog")]
