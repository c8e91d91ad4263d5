"""`tokentrail ingest --source batch|responses` and `tokentrail report run` (subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

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
