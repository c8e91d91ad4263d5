"""Issue 15.3 through the Python API: ``Ledger.report`` (its record-filtered path and the
``run`` kind) and ``tokentrail report run`` carry the flagged requests and their codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

import tokentrail
from tokentrail.ingest.api_records import api_record
from tokentrail.ledger import SQLiteLedger
from tokentrail.ledger.runs import RunRow

HAIKU = "claude-haiku-4-5"  # $1 / MTok input, $5 / MTok output, 200K-token window
DAY = int(datetime(2026, 1, 5, 10, tzinfo=timezone.utc).timestamp() * 1000)
WINDOW = "prompt_exceeds_context_window"
PRIO = "priority_tier_contract_price"


def _rec(mid: str, usage: str, run_id: str, **tags: str) -> object:
    return api_record(
        usage.encode(), source="sdk", model=HAIKU, ts_ms=DAY, message_id=mid,
        request_id=f"req_{mid}", stop_reason="end_turn", tags=tags or None, run_id=run_id,
    )  # fmt: skip


@pytest.fixture
def path(tmp_path: Path) -> Path:
    p = tmp_path / "l.sqlite3"
    with SQLiteLedger(p) as led:
        led.save_runs([RunRow("r1", "eval", DAY), RunRow("r2", "step", DAY, parent_id="r1")])
        led.add([
            _rec("m1", '{"input_tokens": 1000, "output_tokens": 0, "service_tier": "priority"}',
                 "r1", team="a"),
            _rec("m2", '{"input_tokens": 1000, "output_tokens": 0}', "r2", team="a"),
            _rec("m3", '{"input_tokens": 250000, "output_tokens": 0}', "r2", team="b"),
        ])  # type: ignore[list-item]  # fmt: skip
    return p


def test_run_kind_rolls_flags_up_to_the_parent(path: Path) -> None:
    with tokentrail.Ledger(path) as led:
        got = {s.run.id: (s.requests, s.flagged, s.flags) for s in led.report("run")}
        assert got == {"r1": (3, 2, (PRIO, WINDOW)), "r2": (2, 1, (WINDOW,))}
        # filtered: only the records with team=b count
        got = {s.run.id: (s.flagged, s.flags) for s in led.report("run", tags={"team": "b"})}
        assert got == {"r1": (1, (WINDOW,)), "r2": (1, (WINDOW,))}
        (step,) = [s for s in led.report("run", tags={"team": "a"}) if s.run.id == "r2"]
        assert (step.flagged, step.flags) == (0, ())


def test_filtered_report_carries_flags(path: Path) -> None:
    with tokentrail.Ledger(path) as led:
        (row,) = led.report("model", source="sdk")
        assert (row.totals.flagged, row.totals.flags) == (2, (PRIO, WINDOW))
        assert (row.models[HAIKU].flagged, row.models[HAIKU].flags) == (2, (PRIO, WINDOW))
        assert row.totals.cost == (1000 + 1000 + 250_000) * Decimal(1) / 10**6
        (row,) = led.report("day", tz="UTC", tags={"team": "a"})
        assert (row.totals.flagged, row.totals.flags) == (1, (PRIO,))
        (row,) = led.report("day", tz="UTC")  # unfiltered: the rollups and the flag index
        assert (row.totals.flagged, row.totals.flags) == (2, (PRIO, WINDOW))


def test_report_run_json_and_table(path: Path) -> None:
    def cli(*args: str) -> str:
        r = subprocess.run(
            [sys.executable, "-m", "tokentrail", "report", "run", "--ledger", str(path), *args],
            capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"},
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
        return r.stdout

    runs = {d["id"]: d for d in json.loads(cli("--json"))["runs"]}
    assert (runs["r1"]["flagged_requests"], runs["r1"]["flags"]) == (2, [PRIO, WINDOW])
    assert (runs["r2"]["flagged_requests"], runs["r2"]["flags"]) == (1, [WINDOW])
    table = cli()
    (eval_line,) = [ln for ln in table.splitlines() if "eval" in ln]
    assert "†" in eval_line
    assert f"† 2 requests priced on an assumption: {PRIO}, {WINDOW}" in table
