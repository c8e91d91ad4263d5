"""Issue 15.3: costs that rest on an assumption are visible in every report, in ``explain``
and in ``doctor``.

Hand-made tree (claude-haiku-4-5: $1 / MTok input, $5 / MTok output, 200K-token window):

* ``msg_01Big`` (2026-01-05, branch main): 250,000 input tokens, beyond the window:
  flagged ``prompt_exceeds_context_window``; $0.25005.
* ``msg_02Clean`` (2026-01-05, branch main): 1,000 in, 10 out, ``inference_geo
  "not_available"`` (a model without geo routing): exact, $0.00105.
* ``msg_03Prio`` (2026-01-06, branch feat): the same counts under ``service_tier
  "priority"`` (and ``inference_geo "not_available"``): flagged
  ``priority_tier_contract_price``; $0.00105.
* ``msg_04Unknown`` (2026-01-06): a model the catalog does not know: unpriced, not flagged.
* a ``<synthetic>`` line: never flagged.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from _rep_helpers import make_env, run_cli

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ledger"))
from _cc_tree import assistant, usage, user, write

HAIKU = "claude-haiku-4-5-20251001"
IN, OUT = Decimal(1) / 10**6, Decimal(5) / 10**6  # USD per token
BIG = 250_000 * IN + 10 * OUT
SMALL = 1_000 * IN + 10 * OUT
WINDOW = "prompt_exceeds_context_window"
PRIO = "priority_tier_contract_price"


def _tree(root: Path) -> Path:
    prio = assistant(
        "msg_03Prio",
        "req_03Prio",
        "2026-01-06T11:00:01.000Z",
        usage(
            inp=1000, out=10, cw1=0, cr=0, service_tier="priority", inference_geo="not_available"
        ),
        model=HAIKU,
    )
    prio["gitBranch"] = "feat"
    lines: list[Any] = [
        user("2026-01-05T10:00:00.000Z"),
        assistant(
            "msg_01Big",
            "req_01Big",
            "2026-01-05T10:00:01.000Z",
            usage(inp=250_000, out=10, cw1=0, cr=0),
            model=HAIKU,
        ),
        assistant(
            "msg_02Clean",
            "req_02Clean",
            "2026-01-05T11:00:01.000Z",
            usage(inp=1000, out=10, cw1=0, cr=0, inference_geo="not_available"),
            model=HAIKU,
        ),
        prio,
        assistant(
            "msg_04Unknown",
            "req_04Unknown",
            "2026-01-06T12:00:01.000Z",
            usage(inp=1000, out=10, cw1=0, cr=0),
            model="claude-nonexistent-9",
        ),
        assistant(
            "msg_05Syn", None, "2026-01-06T12:30:01.000Z", usage(0, 0, 0, 0, 0), model="<synthetic>"
        ),
    ]
    write(root / "projects" / "-home-alice-src-shop" / "s1.jsonl", lines)
    return root


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("flagged")
    e = make_env(tmp, _tree(tmp / "claude"))
    r = run_cli(["ingest", "--quiet"], e)
    assert r.returncode == 0, r.stderr
    return e


def _json(env: dict[str, str], *args: str) -> dict[str, Any]:
    r = run_cli([*args, "--json", "--no-ingest"], env)
    assert r.returncode == 0, r.stderr
    data: dict[str, Any] = json.loads(r.stdout)
    return data


def test_daily_json_rows_breakdowns_and_totals(env: dict[str, str]) -> None:
    d = _json(env, "daily")
    day5, day6 = d["daily"]
    assert (day5["flagged_requests"], day5["flags"]) == (1, [WINDOW])
    assert Decimal(day5["cost_usd"]) == BIG + SMALL
    assert (day6["flagged_requests"], day6["flags"]) == (1, [PRIO])
    assert day6["unpriced_requests"] == 1
    by_model = {b["model"]: b for b in day6["model_breakdowns"]}
    assert (by_model[HAIKU]["flagged_requests"], by_model[HAIKU]["flags"]) == (1, [PRIO])
    assert (
        by_model["claude-nonexistent-9"]["flagged_requests"],
        by_model["claude-nonexistent-9"]["flags"],
    ) == (0, [])
    assert (by_model["<synthetic>"]["flagged_requests"], by_model["<synthetic>"]["flags"]) == (
        0,
        [],
    )
    t = d["totals"]
    assert (t["flagged_requests"], t["flags"]) == (2, [PRIO, WINDOW])
    assert Decimal(t["cost_usd"]) == BIG + SMALL + SMALL


@pytest.mark.parametrize(
    ("kind", "rows"),
    [
        ("weekly", {"2026-01-05": (2, [PRIO, WINDOW])}),
        ("monthly", {"2026-01": (2, [PRIO, WINDOW])}),
        ("session", {"3f0c2a9e-1b7d-4c55-9a1e-6d2f8e4b7c10": (2, [PRIO, WINDOW])}),
        ("project", {"/home/alice/src/shop": (2, [PRIO, WINDOW])}),
        (
            "model",
            {HAIKU: (2, [PRIO, WINDOW]), "claude-nonexistent-9": (0, []), "<synthetic>": (0, [])},
        ),
        ("agent", {"main": (2, [PRIO, WINDOW])}),
        ("branch", {"main": (1, [WINDOW]), "feat": (1, [PRIO])}),
        (
            "blocks",
            {"2026-01-05T10:00:00+00:00": (1, [WINDOW]), "2026-01-06T11:00:00+00:00": (1, [PRIO])},
        ),
    ],
)
def test_every_report_kind_carries_flags(
    env: dict[str, str], kind: str, rows: dict[str, tuple[int, list[str]]]
) -> None:
    d = _json(env, kind)
    key = {
        "weekly": "week",
        "monthly": "month",
        "session": "session_id",
        "project": "project",
        "model": "model",
        "agent": "agent",
        "branch": "branch",
        "blocks": "block_start",
    }[kind]
    (list_name,) = [k for k, v in d.items() if isinstance(v, list)]
    got = {r[key]: (r["flagged_requests"], r["flags"]) for r in d[list_name]}
    assert got == rows
    assert (d["totals"]["flagged_requests"], d["totals"]["flags"]) == (2, [PRIO, WINDOW])


def test_csv_has_the_columns(env: dict[str, str]) -> None:
    r = run_cli(["daily", "--csv", "--breakdown", "--no-ingest"], env)
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert "flagged_requests" in rows[0]
    assert "flags" in rows[0]
    got = [(x["row_type"], x["date"], x["model"], x["flagged_requests"], x["flags"]) for x in rows]
    assert ("row", "2026-01-05", "", "1", WINDOW) in got
    assert ("model", "2026-01-06", HAIKU, "1", PRIO) in got
    assert ("model", "2026-01-06", "claude-nonexistent-9", "0", "") in got
    assert ("total", "", "", "2", f"{PRIO}; {WINDOW}") in got


def test_parquet_has_the_columns(env: dict[str, str], tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "r.parquet"
    r = run_cli(["daily", "--parquet", str(out), "--no-ingest"], env)
    assert r.returncode == 0, r.stderr
    table = pq.read_table(out).to_pylist()
    assert [(x["row_type"], x["flagged_requests"], x["flags"]) for x in table] == [
        ("row", 1, WINDOW),
        ("row", 1, PRIO),
        ("total", 2, f"{PRIO}; {WINDOW}"),
    ]


def test_table_marks_flagged_costs_and_names_the_codes(env: dict[str, str]) -> None:
    r = run_cli(["daily", "--no-ingest"], {**env, "COLUMNS": "150"})
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    (day5,) = [ln for ln in lines if "2026-01-05" in ln]
    (day6,) = [ln for ln in lines if "2026-01-06" in ln]
    assert "$0.25†" in day5
    assert "<$0.01*†" in day6  # sub-cent; an unpriced request left out, and a flagged one
    assert any(f"† 2 requests priced on an assumption: {PRIO}, {WINDOW}" in ln for ln in lines)


def test_warm_output_equals_the_full_command(tmp_path: Path) -> None:
    e = make_env(tmp_path, _tree(tmp_path / "claude"))
    for args, extra in ((["daily", "--json"], {}), (["branch"], {"COLUMNS": "150"})):
        first = run_cli(args, {**e, **extra})  # ingests: the full command
        second = run_cli(args, {**e, **extra})  # up to date: the warm path
        assert first.returncode == second.returncode == 0, first.stderr + second.stderr
        assert first.stdout == second.stdout
        assert "†" in first.stdout or '"flagged_requests": 2' in first.stdout


def test_explain_by_prefix_text_and_json(env: dict[str, str]) -> None:
    r = run_cli(["explain", "msg_01B"], env)
    assert r.returncode == 0, r.stderr
    assert f"Flags (priced on an assumption): {WINDOW}" in r.stdout
    assert Decimal("0.25005") == BIG
    assert "Stored cost: $0.25005\n" in r.stdout
    assert "input               250,000 tok × $1/MTok = $0.25" in r.stdout
    r = run_cli(["explain", "req_03", "--json"], env)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert (d["message_id"], d["request_id"], d["flagged"], d["flags"]) == (
        "msg_03Prio",
        "req_03Prio",
        True,
        [PRIO],
    )
    assert Decimal(d["cost_usd"]) == SMALL
    assert Decimal(d["breakdown"]["total_usd"]) == SMALL
    assert d["note"] is None
    r = run_cli(["explain", "msg_02Clean"], env)
    assert "Flags: none (an exact cost)" in r.stdout


def test_explain_ambiguous_and_missing(env: dict[str, str]) -> None:
    r = run_cli(["explain", "msg_0"], env)
    assert r.returncode == 2
    assert "ambiguous" in r.stderr
    for mid in ("msg_01Big", "msg_02Clean", "msg_03Prio", "msg_04Unknown", "msg_05Syn"):
        assert mid in r.stderr
    r = run_cli(["explain", "msg_99"], env)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1
    assert r.stdout == ""


def test_explain_never_creates_a_ledger(tmp_path: Path) -> None:
    e = make_env(tmp_path, tmp_path / "claude")
    r = run_cli(["explain", "msg_01"], e)
    assert r.returncode == 2
    assert "no ledger" in r.stderr
    assert not Path(e["TOKENTRAIL_LEDGER"]).exists()


def test_doctor_counts_flagged_records_by_code(env: dict[str, str]) -> None:
    r = run_cli(["doctor"], env)
    assert r.returncode == 0, r.stderr
    assert f"    {PRIO}: 1\n    {WINDOW}: 1\n" in r.stdout


def _flagged_rows(env: dict[str, str]) -> dict[str, tuple[int, list[str]]]:
    return {r["date"]: (r["flagged_requests"], r["flags"]) for r in _json(env, "daily")["daily"]}


def test_reprice_and_an_old_ledger_agree(tmp_path: Path) -> None:
    e = make_env(tmp_path, _tree(tmp_path / "claude"))
    assert run_cli(["ingest", "--quiet"], e).returncode == 0
    want = {"2026-01-05": (1, [WINDOW]), "2026-01-06": (1, [PRIO])}
    assert _flagged_rows(e) == want
    # a ledger written before the flags were reported: the index is built from the records
    db = sqlite3.connect(e["TOKENTRAIL_LEDGER"])
    db.execute("DROP TABLE rollup_flags_q15")
    for trigger in ("delete", "update_old", "update_new"):
        db.execute(f"DROP TRIGGER records_flags_{trigger}")
    db.execute("DELETE FROM _migrations WHERE name = '0008_flagged_records'")
    # a record priced by an older catalog that raised no flag
    db.execute("UPDATE records SET price_flags = NULL WHERE message_id = 'msg_01Big'")
    # and the flag older versions raised for inference_geo "not_available" (the migration
    # takes it off, as a reprice would)
    db.execute(
        "UPDATE records SET price_flags = 'inference_geo_unknown' WHERE message_id = 'msg_02Clean'"
    )
    db.execute(
        "UPDATE records SET price_flags = 'priority_tier_contract_price,inference_geo_unknown' "
        "WHERE message_id = 'msg_03Prio'"
    )
    db.commit()
    db.close()
    assert _flagged_rows(e) == {"2026-01-05": (0, []), "2026-01-06": (1, [PRIO])}
    r = run_cli(["reprice"], e)
    assert r.returncode == 0, r.stderr
    assert _flagged_rows(e) == want
