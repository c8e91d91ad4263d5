"""Every report's totals reconcile with the generator's ground truth and with each other,
in JSON, CSV and Parquet, for several time zones."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from _rep_helpers import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

KINDS = ("daily", "weekly", "monthly", "session", "project", "model", "blocks", "agent", "branch")
LISTS = {
    "daily": "daily", "weekly": "weekly", "monthly": "monthly", "session": "sessions",
    "project": "projects", "model": "models", "blocks": "blocks", "agent": "agents",
    "branch": "branches",
}  # fmt: skip
TOKENS = ("input_tokens", "output_tokens", "cache_creation_input_tokens",
          "cache_read_input_tokens", "ephemeral_5m_input_tokens", "ephemeral_1h_input_tokens",
          "web_search_requests", "web_fetch_requests")  # fmt: skip
COUNTS = (*TOKENS, "requests", "synthetic_messages", "unpriced_requests", "total_tokens")


def _json(kind: str, env: dict[str, str], *extra: str) -> dict[str, Any]:
    r = run_cli([kind, "--json", "--no-ingest", *extra], env)
    assert r.returncode == 0, r.stderr
    out: dict[str, Any] = json.loads(r.stdout)
    return out


def _sum(rows: list[dict[str, Any]]) -> dict[str, Any]:
    acc: dict[str, Any] = dict.fromkeys(COUNTS, 0)
    acc["cost_usd"] = Decimal(0)
    for row in rows:
        for k in COUNTS:
            acc[k] += int(row[k])
        acc["cost_usd"] += Decimal(row["cost_usd"] or 0)
    return acc


def _pick(totals: dict[str, Any]) -> dict[str, Any]:
    out = {k: int(totals[k]) for k in COUNTS}
    out["cost_usd"] = Decimal(totals["cost_usd"] or 0)
    return out


def _check_all(env: dict[str, str], expected: dict[str, Any], tz: str) -> None:
    want = {k: expected["totals"][k] for k in TOKENS}
    messages = expected["totals"]["messages"]
    reference: dict[str, Any] | None = None
    for kind in KINDS:
        out = _json(kind, env, "--timezone", tz)
        assert out["schema_version"] == 1
        rows = out[LISTS[kind]]
        summed = _sum(rows)
        totals = _pick(out["totals"])
        assert summed == totals, kind
        assert {k: totals[k] for k in TOKENS} == want, kind
        assert totals["requests"] + totals["synthetic_messages"] == messages, kind
        if reference is None:
            reference = totals
        assert totals == reference, kind
        for row in rows:  # per-model breakdowns add up to their row
            assert _sum(row["model_breakdowns"]) == _pick(row), (kind, row)


def test_reports_reconcile_with_expected_in_utc(
    tree: tuple[Path, dict[str, Any], dict[str, str]],
) -> None:
    _, expected, env = tree
    _check_all(env, expected, "UTC")
    daily = _json("daily", env, "--timezone", "UTC")["daily"]
    assert [d["date"] for d in daily] == sorted(expected["days"])
    for d in daily:
        want = expected["days"][d["date"]]["totals"]
        assert {k: d[k] for k in TOKENS} == {k: want[k] for k in TOKENS}
    sessions = {s["session_id"]: s for s in _json("session", env)["sessions"]}
    assert set(sessions) == set(expected["sessions"])
    for sid, want in expected["sessions"].items():
        assert {k: sessions[sid][k] for k in TOKENS} == {k: want["totals"][k] for k in TOKENS}


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(
        [
            "Asia/Tokyo",
            "America/Los_Angeles",
            "Asia/Kolkata",
            "Pacific/Chatham",
            "America/St_Johns",
            "Australia/Lord_Howe",
            "Pacific/Kiritimati",
            "Etc/GMT+12",
        ]
    )
)
def test_reports_reconcile_in_any_time_zone(
    tree: tuple[Path, dict[str, Any], dict[str, str]], tz: str
) -> None:
    _, expected, env = tree
    _check_all(env, expected, tz)


@pytest.mark.parametrize("kind", ["daily", "session", "blocks", "agent"])
def test_json_csv_parquet_hold_the_same_numbers(
    tree: tuple[Path, dict[str, Any], dict[str, str]], kind: str
) -> None:
    tmp, _, env = tree
    data = _json(kind, env, "--timezone", "Europe/Paris")
    r = run_cli([kind, "--csv", "--no-ingest", "--breakdown", "--timezone", "Europe/Paris"], env)
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    main = [x for x in rows if x["row_type"] == "row"]
    total = [x for x in rows if x["row_type"] == "total"]
    per_model = [x for x in rows if x["row_type"] == "model"]
    assert len(total) == 1
    key = {"daily": "date", "session": "session_id", "blocks": "block_start", "agent": "agent"}
    assert [x[key[kind]] for x in main] == [d[key[kind]] for d in data[LISTS[kind]]]
    for got, want in zip(main, data[LISTS[kind]], strict=True):
        assert _pick(got) == _pick(want)
    assert _pick(total[0]) == _pick(data["totals"])
    k = key[kind]
    assert _sum([x for x in per_model if x[k]]) == _pick(data["totals"])
    assert _sum([x for x in per_model if not x[k]]) == _pick(data["totals"])
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp / f"{kind}.parquet"
    r = run_cli([kind, "--parquet", str(path), "--no-ingest", "--timezone", "Europe/Paris",
                 "--quiet"], env)  # fmt: skip
    assert r.returncode == 0, r.stderr
    table = pq.read_table(path).to_pylist()
    prow = [x for x in table if x["row_type"] == "row"]
    ptot = next(x for x in table if x["row_type"] == "total")
    assert [_pick(x) for x in prow] == [_pick(x) for x in data[LISTS[kind]]]
    assert _pick(ptot) == _pick(data["totals"])
    assert isinstance(ptot["cost_usd"], Decimal)


def _line(ts: str, model: str, msg: str, req: str | None, out: int, session: str) -> str:
    line: dict[str, Any] = {
        "type": "assistant", "sessionId": session, "timestamp": ts, "uuid": f"u-{msg}",
        "cwd": "/home/a/shop", "message": {"id": msg, "model": model, "role": "assistant",
        "stop_reason": "end_turn", "usage": {"input_tokens": 3 if out else 0,
        "output_tokens": out, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}},
    }  # fmt: skip
    if req is not None:
        line["requestId"] = req
    else:  # Claude Code's local error / limit line
        line["isApiErrorMessage"] = True
    return json.dumps(line)


def test_blocks_count_synthetic_lines_like_every_other_report(tmp_path: Path) -> None:
    from _rep_helpers import make_env

    sonnet, syn = "claude-sonnet-4-5-20250929", "<synthetic>"
    lines = [
        _line("2026-03-02T08:59:00.000Z", syn, "e0", None, 0, "s1"),  # before any request
        _line("2026-03-02T09:10:00.000Z", sonnet, "m1", "r1", 10, "s1"),
        _line("2026-03-02T10:00:00.000Z", syn, "e1", None, 0, "s1"),  # in the 09:00 block
        _line("2026-03-02T11:00:00.000Z", sonnet, "m2", "r2", 20, "s1"),
        _line("2026-03-02T20:30:00.000Z", syn, "e2", None, 0, "s2"),  # in a quiet gap
        _line("2026-03-02T20:31:00.000Z", syn, "e3", None, 0, "s2"),
        _line("2026-03-03T09:00:00.000Z", sonnet, "m3", "r3", 30, "s2"),
    ]
    proj = tmp_path / "tree" / "projects" / "-home-a-shop"
    proj.mkdir(parents=True)
    (proj / "s.jsonl").write_text("\n".join(lines) + "\n")
    env = make_env(tmp_path, tmp_path / "tree")
    assert run_cli(["ingest", "--quiet"], env).returncode == 0
    daily = _json("daily", env)
    out = _json("blocks", env)
    assert _pick(out["totals"]) == _pick(daily["totals"])
    assert (out["totals"]["requests"], out["totals"]["synthetic_messages"]) == (3, 4)
    got = [(b["block_start"], b["requests"], b["synthetic_messages"], b["is_active"])
           for b in out["blocks"]]  # fmt: skip
    assert got == [
        ("2026-03-02T08:00:00+00:00", 0, 1, False),  # request-less: never active
        ("2026-03-02T09:00:00+00:00", 2, 1, False),
        ("2026-03-02T20:00:00+00:00", 0, 2, False),
        ("2026-03-03T09:00:00+00:00", 1, 0, False),
    ]
    for b in out["blocks"]:
        assert _sum(b["model_breakdowns"]) == _pick(b)
        assert b["models"] == ([sonnet] if b["requests"] else [])
        assert b["cost_usd"] == ("0" if not b["requests"] else b["cost_usd"])
    r = run_cli(["blocks", "--csv", "--no-ingest", "--breakdown"], env)
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    (total,) = [x for x in rows if x["row_type"] == "total"]
    assert _pick(total) == _pick(daily["totals"])
    assert [int(x["synthetic_messages"]) for x in rows if x["row_type"] == "row"] == [1, 1, 2, 0]
    table = run_cli(["blocks", "--no-ingest"], {**env, "COLUMNS": "120"})
    assert table.returncode == 0, table.stderr
    assert "2026-03-02 20:00" in table.stdout  # the request-less block has its row
