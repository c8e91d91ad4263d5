"""`tokentrail ingest --source batch|responses` (``--at``, stored batch outcomes),
`tokentrail report run` and `tokentrail report batches` (subprocesses)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tokentrail
from tokentrail.cli.sources import parse_at
from tokentrail.errors import UserInputError
from tokentrail.ledger import AggregateQuery, SQLiteLedger
from tokentrail.ledger.runs import RunRow

MODEL = "claude-sonnet-4-6"


def _run(
    args: list[str], ledger: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TOKENTRAIL_LEDGER": str(ledger)}
    return subprocess.run(
        [sys.executable, "-m", "tokentrail", *args],
        capture_output=True, text=True, env=env, input=stdin,
    )  # fmt: skip


def _batch_line(custom_id: str, msg_id: str, inp: int, out: int) -> str:
    msg = {
        "id": msg_id,
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": [],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": inp, "output_tokens": out},
    }
    result = {"type": "succeeded", "message": msg}
    return json.dumps({"custom_id": custom_id, "result": result})


def test_batch_ingest_is_priced_at_half_and_idempotent(tmp_path: Path) -> None:
    ledger = tmp_path / "l.sqlite3"
    results = tmp_path / "results.jsonl"
    results.write_text("\n".join([
        _batch_line("a", "msg_1", 1_000_000, 0),
        _batch_line("b", "msg_2", 0, 1_000_000),
        json.dumps({"custom_id": "c", "result": {"type": "expired"}}),
    ]) + "\n")  # fmt: skip
    first = _run(["ingest", "--source", "batch", str(results), "--json"], ledger)
    assert first.returncode == 0, first.stderr
    s = json.loads(first.stdout)
    assert (s["added"], s["problems"]) == (2, 0)
    assert s["results"] == {"succeeded": 2, "errored": 0, "expired": 1, "canceled": 0}
    again = _run(["ingest", "--source", "batch", str(results), "--json"], ledger)
    assert json.loads(again.stdout)["added"] == 0
    with SQLiteLedger(ledger) as led:
        recs = list(led.records())
        (row,) = led.aggregate(AggregateQuery("model"))
    assert len(recs) == 2
    assert {r.tags["custom_id"] for r in recs} == {"a", "b"}
    assert all(r.source == "batch" for r in recs)
    # $3 input and $15 output per MTok, halved by the batch tier.
    assert row.totals.cost == (Decimal(3) + Decimal(15)) * Decimal("0.5")


def test_responses_from_stdin_and_bad_lines(tmp_path: Path) -> None:
    ledger = tmp_path / "l.sqlite3"
    msg = {"id": "msg_x", "type": "message", "model": MODEL, "content": [],
           "usage": {"input_tokens": 10, "output_tokens": 2}}  # fmt: skip
    res = _run(["ingest", "--source", "responses", "-"], ledger, json.dumps(msg) + "\nnope\n")
    assert res.returncode == 1
    assert "1 records (1 added" in res.stdout
    probs = _run(["problems"], ledger)
    assert "<stdin>:2: invalid_json" in probs.stdout


def test_idless_stdin_responses_never_replace_each_other(tmp_path: Path) -> None:
    ledger = tmp_path / "l.sqlite3"

    def line(inp: int) -> str:
        return json.dumps({"model": MODEL, "usage": {"input_tokens": inp, "output_tokens": 1}})

    first = _run(["ingest", "--source", "responses", "-"], ledger, line(10) + "\n")
    second = _run(["ingest", "--source", "responses", "-"], ledger, line(99999) + "\n")
    again = _run(["ingest", "--source", "responses", "-"], ledger, line(10) + "\n")
    assert "1 added, 0 duplicates" in first.stdout
    assert "1 added, 0 duplicates" in second.stdout
    assert "0 added, 1 duplicates" in again.stdout
    with SQLiteLedger(ledger) as led:
        assert sorted(r.usage.input_tokens for r in led.records()) == [10, 99999]


def test_source_user_errors(tmp_path: Path) -> None:
    ledger = tmp_path / "l.sqlite3"
    missing = _run(["ingest", "--source", "batch", str(tmp_path / "nope.jsonl")], ledger)
    assert missing.returncode == 2
    assert missing.stderr.startswith("tokentrail: error: cannot read")
    assert "Traceback" not in missing.stderr
    none = _run(["ingest", "--source", "responses"], ledger)
    assert none.returncode == 2
    assert "needs at least one FILE" in none.stderr


def test_report_run(tmp_path: Path) -> None:
    ledger = tmp_path / "l.sqlite3"
    with SQLiteLedger(ledger) as led:
        led.save_runs([
            RunRow("r1", "nightly", 1_700_000_000_000, None, 1_700_000_060_000,
                   Decimal("5.00"), {"team": "eval"}, "ok"),
            RunRow("r2", "step", 1_700_000_001_000, "r1", None, None, {}, "running"),
        ])  # fmt: skip
    res = _run(["report", "run", "--json"], ledger)
    assert res.returncode == 0, res.stderr
    runs = json.loads(res.stdout)["runs"]
    assert [r["name"] for r in runs] == ["nightly", "step"]
    assert runs[0]["budget_usd"] == "5"
    assert runs[0]["started"] == "2023-11-14T22:13:20+00:00"
    assert runs[0]["tags"] == {"team": "eval"}
    assert runs[1]["parent_id"] == "r1"
    table = _run(["report", "run"], ledger)
    assert "nightly" in table.stdout
    assert "team=eval" in table.stdout


def test_report_run_never_creates_a_ledger(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    res = _run(["report", "run", "--ledger", str(missing)], tmp_path / "other.db")
    assert res.returncode == 2
    assert f"no ledger at {missing}" in res.stderr
    assert "Traceback" not in res.stderr
    assert not missing.exists()
    assert not (tmp_path / "other.db").exists()


def test_tags_option(tmp_path: Path) -> None:
    ledger = tmp_path / "l.sqlite3"
    results = tmp_path / "results.jsonl"
    results.write_text(_batch_line("only", "msg_t", 10, 10) + "\n")
    ok = _run(["ingest", "--source", "batch", "--tag", "batch=b1", str(results)], ledger)
    assert ok.returncode == 0, ok.stderr
    with SQLiteLedger(ledger) as led:
        (rec,) = list(led.records())
    assert dict(rec.tags) == {"batch": "b1", "custom_id": "only"}
    bad = _run(["ingest", "--source", "batch", "--tag", "novalue", str(results)], ledger)
    assert bad.returncode == 2
    assert "KEY=VALUE" in bad.stderr
    cc = _run(["ingest", "--tag", "a=b"], ledger)
    assert cc.returncode == 2


HAIKU35 = "claude-3-5-haiku-20241022"  # $1 / MTok input until 2024-12-03, then $0.80


def _haiku_batch(custom_id: str, msg_id: str) -> str:
    line = json.loads(_batch_line(custom_id, msg_id, 1_000_000, 0))
    line["result"]["message"]["model"] = HAIKU35
    return json.dumps(line)


def test_at_dates_and_prices_batch_and_response_records(tmp_path: Path) -> None:
    ledger = tmp_path / "l.sqlite3"
    results = tmp_path / "results.jsonl"
    results.write_text(_haiku_batch("a", "msg_old") + "\n")
    old = _run(["ingest", "--source", "batch", "--at", "2024-11-10", str(results), "--json"],
               ledger)  # fmt: skip
    assert old.returncode == 0, old.stderr
    assert json.loads(old.stdout)["at_ms"] == 1_731_196_800_000  # 2024-11-10T00:00:00Z
    msg = {
        "id": "msg_new",
        "type": "message",
        "model": HAIKU35,
        "content": [],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 1_000_000, "output_tokens": 0},
    }
    new = _run(["ingest", "--source", "responses", "--at", "2025-01-10T12:00:00+02:00", "-"],
               ledger, json.dumps(msg))  # fmt: skip
    assert new.returncode == 0, new.stderr
    assert "dated 2025-01-10T10:00:00Z" in new.stdout
    naive = _run(["ingest", "--source", "responses", "--at", "2024-11-20T23:30", "-"],
                 ledger, json.dumps({**msg, "id": "msg_naive"}))  # fmt: skip
    assert naive.returncode == 0, naive.stderr
    with SQLiteLedger(ledger) as led:
        recs = {r.message_id: r for r in led.records()}
        by_day = {r.key: r.totals.cost for r in led.aggregate(AggregateQuery("day", timezone.utc))}
    assert recs["msg_old"].timestamp == datetime(2024, 11, 10, tzinfo=timezone.utc)
    assert recs["msg_new"].timestamp == datetime(2025, 1, 10, 10, tzinfo=timezone.utc)
    assert recs["msg_naive"].timestamp == datetime(2024, 11, 20, 23, 30, tzinfo=timezone.utc)
    assert by_day == {
        "2024-11-10": Decimal(1) * Decimal("0.5"),  # launch price $1, batch tier half
        "2024-11-20": Decimal(1),
        "2025-01-10": Decimal("0.80"),  # after the price cut
    }


def test_bad_at_is_one_line_user_error(tmp_path: Path) -> None:
    ledger = tmp_path / "l.sqlite3"
    results = tmp_path / "results.jsonl"
    results.write_text(_batch_line("a", "msg_1", 1, 1) + "\n")
    for value in ("yesterday", "2024-13-01", "", "2024-11-10T25:00"):
        bad = _run(["ingest", "--source", "batch", "--at", value, str(results)], ledger)
        assert bad.returncode == 2, value
        assert bad.stderr.startswith(f"tokentrail: error: --at {value!r} is not an ISO date")
        assert len(bad.stderr.strip().splitlines()) == 1
        assert "Traceback" not in bad.stderr
    cc = _run(["ingest", "--at", "2024-11-10"], ledger)
    assert cc.returncode == 2
    assert "--at applies to --source batch|responses only" in cc.stderr
    assert not ledger.exists()


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 2),
        max_value=datetime(2099, 12, 30),
        timezones=st.sampled_from(
            [
                None,
                timezone.utc,
                timezone(timedelta(hours=-7)),
                timezone(timedelta(hours=5, minutes=45)),
            ]
        ),
    )
)
def test_parse_at_is_exact_to_the_millisecond(dt: datetime) -> None:
    dt = dt.replace(microsecond=dt.microsecond // 1000 * 1000)
    aware = dt if dt.tzinfo is not None else dt.replace(tzinfo=timezone.utc)
    want = (aware - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(milliseconds=1)
    assert parse_at(dt.isoformat()) == want
    assert parse_at(dt.isoformat(sep=" ")) == want
    assert parse_at(dt.date().isoformat()) == ((dt.date() - date(1970, 1, 1)).days * 86_400_000)


@pytest.mark.parametrize("at", ["1999-12-31T23:00:00Z", "0001-01-01", "2100-01-01", "9999-12-31"])
def test_at_outside_the_accepted_range_is_a_user_error(at: str) -> None:
    with pytest.raises(UserInputError, match=r"outside 2000-01-01 \.\. 2100-01-01"):
        parse_at(at)


def test_batch_outcomes_are_stored_once_per_file_content(tmp_path: Path) -> None:
    ledger = tmp_path / "l.sqlite3"
    a = tmp_path / "a.jsonl"
    a.write_text("\n".join([
        _batch_line("x", "msg_1", 10, 1),
        json.dumps({"custom_id": "y", "result": {"type": "errored", "error": {"type": "error"}}}),
        json.dumps({"custom_id": "z", "result": {"type": "expired"}}),
        json.dumps({"custom_id": "w", "result": {"type": "canceled"}}),
        json.dumps({"custom_id": "v", "result": {"type": "canceled"}}),
        "not json",
    ]) + "\n")  # fmt: skip
    b = tmp_path / "b.jsonl"
    b.write_text(json.dumps({"custom_id": "q", "result": {"type": "expired"}}) + "\n")
    copy = tmp_path / "copy-of-a.jsonl"
    copy.write_bytes(a.read_bytes())
    first = _run(["ingest", "--source", "batch", str(a), "--at", "2026-01-02"], ledger)
    assert first.returncode == 1  # the bad line
    assert "1 succeeded, 1 errored, 1 expired, 2 canceled" in first.stdout
    assert "tokentrail report batches" in first.stderr  # a hint: stderr
    _run(["ingest", "--source", "batch", str(a), "--at", "2026-01-02"], ledger)
    _run(["ingest", "--source", "batch", str(copy), "--at", "2026-01-02"], ledger)
    _run(["ingest", "--source", "batch", str(b), "--at", "2026-01-03"], ledger)
    res = _run(["report", "batches", "--json"], ledger)
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)["batches"]
    assert [(r["succeeded"], r["errored"], r["expired"], r["canceled"], r["problems"])
            for r in rows] == [(1, 1, 1, 2, 1), (0, 0, 1, 0, 0)]  # fmt: skip
    assert rows[0]["content_sha256"] == hashlib.sha256(a.read_bytes()).hexdigest()
    assert rows[0]["file"] == str(copy)  # the same content: one row, last path read
    assert rows[0]["dated"] == "2026-01-02T00:00:00+00:00"
    table = _run(["report", "batches"], ledger)
    assert "Errored" in table.stdout
    assert "Total" in table.stdout
    with tokentrail.Ledger(ledger) as led:
        got = [(o.results["canceled"], o.problems) for o in led.batches()]
    assert got == [(2, 1), (0, 0)]


def test_report_batches_reads_only(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    res = _run(["report", "batches", "--ledger", str(missing)], tmp_path / "other.db")
    assert res.returncode == 2
    assert f"no ledger at {missing}" in res.stderr
    assert not missing.exists()
    empty = tmp_path / "empty.db"
    SQLiteLedger(empty).close()
    assert _run(["report", "batches"], empty).stdout.strip() == "No batch results ingested."
