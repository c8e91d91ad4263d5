"""`tokentrail.Ledger`: records with filters, reports, runs; the 0002 migration on old files."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tokentrail
from tokentrail.errors import UserInputError
from tokentrail.ingest.api_records import api_record
from tokentrail.ledger import SQLiteLedger
from tokentrail.ledger.runs import RunRow
from tokentrail.ledger.schema import MIGRATIONS

MODEL = "claude-sonnet-4-6"
DAY1 = int(datetime(2026, 11, 2, 10, tzinfo=timezone.utc).timestamp() * 1000)
DAY2 = int(datetime(2026, 11, 3, 10, tzinfo=timezone.utc).timestamp() * 1000)


def _rec(mid: str, ts: int, source: str = "sdk", run_id: str | None = None, **tags: str) -> object:
    tier = ', "service_tier": "batch"' if source == "batch" else ""
    return api_record(
        (f'{{"input_tokens": 1000000, "output_tokens": 0{tier}}}').encode(),
        source=source, model=MODEL, ts_ms=ts, message_id=mid, request_id=f"req_{mid}",
        stop_reason="end_turn", tags=tags or None, run_id=run_id,
    )  # fmt: skip


@pytest.fixture
def path(tmp_path: Path) -> Path:
    p = tmp_path / "l.sqlite3"
    with SQLiteLedger(p) as led:
        led.save_runs([
            RunRow("r1", "eval", DAY1, budget=Decimal("2")),
            RunRow("r2", "step", DAY1, parent_id="r1"),
            RunRow("r3", "other", DAY2),
        ])  # fmt: skip
        led.add([
            _rec("m1", DAY1, run_id="r1", team="a"),
            _rec("m2", DAY1, run_id="r2", team="b"),
            _rec("m3", DAY2, run_id="r3", team="a"),
            _rec("m4", DAY2, source="batch"),
        ])  # type: ignore[list-item]  # fmt: skip
    return p


def test_records_filters(path: Path) -> None:
    with tokentrail.Ledger(path) as led:
        assert [r.message_id for r in led.records()] == ["m1", "m2", "m3", "m4"]
        assert [r.message_id for r in led.records(source="batch")] == ["m4"]
        assert [r.message_id for r in led.records(run="eval")] == ["m1", "m2"]
        assert [r.message_id for r in led.records(run="r2")] == ["m2"]
        assert [r.message_id for r in led.records(tags={"team": "a"})] == ["m1", "m3"]
        day = date(2026, 11, 3)
        assert [r.message_id for r in led.records(since=day, until=day)] == ["m3", "m4"]
        assert [r.message_id for r in led.records(limit=1)] == ["m1"]
        rec = led.records(run="step")[0]
        assert rec.source == "sdk"
        assert rec.request_id == "req_m2"
        assert dict(rec.tags) == {"team": "b"}
        assert rec.origin is None
        with pytest.raises(UserInputError):
            led.records(since=datetime(2026, 1, 1))


def test_report_and_runs(path: Path) -> None:
    with tokentrail.Ledger(path) as led:
        days = led.report("daily", tz="UTC")
        assert [(r.key, r.totals.requests) for r in days] == [("2026-11-02", 2), ("2026-11-03", 2)]
        assert days[0].totals.cost == 2 * Decimal(1_000_000) * 3 / 10**6
        (model,) = led.report("model")
        # the batch record is half price
        assert model.totals.cost == Decimal(3) * 3 + Decimal("1.5")
        with pytest.raises(UserInputError, match="unknown report kind"):
            led.report("weekly-ish")
        runs = {s.run.name: s for s in led.runs()}
        assert runs["eval"].requests == 2
        assert runs["eval"].cost == Decimal(6)
        assert runs["eval"].run.budget == Decimal(2)


def test_migration_0002_upgrades_an_old_ledger(tmp_path: Path) -> None:
    p = tmp_path / "old.sqlite3"
    db = sqlite3.connect(p)
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    name, script = MIGRATIONS[0]
    db.executescript(script)
    db.execute("INSERT INTO _migrations VALUES (?, 'then')", (name,))
    cols = [r[1] for r in db.execute("PRAGMA table_info(records)")]
    db.execute(
        f"INSERT INTO records ({', '.join(cols[1:])}) VALUES ({', '.join('?' * (len(cols) - 1))})",
        ["claude_code", "k1", "msg_old", None, DAY1, MODEL, "s", "/p", None, None, None, None,
         0, "end_turn", 1, 0, 10, 0, 0, 0, 0, 0, 5, 15, 0, 0,
         '{"input_tokens": 10, "output_tokens": 5}', 105000000, None, "/f.jsonl", 3],
    )  # fmt: skip
    db.commit()
    db.close()
    with SQLiteLedger(p) as led:
        assert led.applied_migrations() == [n for n, _ in MIGRATIONS]
        (rec,) = list(led.records())
    assert rec.source == "claude_code"
    assert rec.message_id == "msg_old"
    assert dict(rec.tags) == {}


def test_track_is_callable_after_importing_the_subpackage() -> None:
    import tokentrail.track as sub

    assert callable(tokentrail.track)
    assert callable(sub)
    with pytest.raises(TypeError, match="no messages resource"):
        tokentrail.track(object())


def test_track_names_resolve_in_any_import_order() -> None:
    import subprocess
    import sys

    code = (
        "import tokentrail; t = tokentrail.track; import tokentrail.track as m; "
        "assert callable(tokentrail.track) and tokentrail.track.flush and m.run; "
        "from tokentrail.track import track; assert callable(track); print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr


# -- report filters (source / run / tags) and the "run" kind ----------------------------

USD3 = Decimal(1_000_000) * 3 / 10**6  # 1M input tokens of Sonnet 4.6 at $3 / MTok
USD_BATCH = USD3 / 2  # the batch tier is half price


def test_report_source_run_and_tags_filters(path: Path) -> None:
    with tokentrail.Ledger(path) as led:
        days = led.report("daily", tz="UTC", source="sdk")
        assert [(r.key, r.totals.requests, r.totals.cost) for r in days] == [
            ("2026-11-02", 2, 2 * USD3),
            ("2026-11-03", 1, USD3),
        ]
        (batch,) = led.report("model", source="batch")
        assert (batch.key, batch.totals.requests, batch.totals.cost) == (MODEL, 1, USD_BATCH)
        (ev,) = led.report("model", run="eval")  # r1 and its nested r2
        assert (ev.totals.requests, ev.totals.cost) == (2, 2 * USD3)
        (step,) = led.report("month", run="r2", tz="UTC")
        assert (step.key, step.totals.requests) == ("2026-11", 1)
        assert led.report("day", run="no-such-run") == []
        (team,) = led.report("model", tags={"team": "a"})
        assert (team.totals.requests, team.totals.cost) == (2, 2 * USD3)
        assert led.report("model", tags={"team": "a"}, source="batch") == []
        day = date(2026, 11, 3)
        (late,) = led.report("day", tz="UTC", tags={"team": "a"}, since=day, until=day)
        assert (late.key, late.totals.requests) == ("2026-11-03", 1)
        (sess,) = led.report("session", source="sdk", tz="UTC")
        assert (sess.key, sess.totals.requests) == ("", 3)
        assert (sess.first_day, sess.last_day) == ("2026-11-02", "2026-11-03")


def test_report_run_kind(path: Path) -> None:
    with tokentrail.Ledger(path) as led:
        every = led.report("run")
        assert every == led.runs()
        assert {s.run.name: (s.requests, s.cost) for s in every} == {
            "eval": (2, 2 * USD3),
            "step": (1, USD3),
            "other": (1, USD3),
        }
        assert [s.run.id for s in led.report("run", run="eval")] == ["r1", "r2"]
        assert [s.run.id for s in led.report("run", run="r3")] == ["r3"]
        # a tag of the nested run's record: the parent is listed, counting that record only
        b = {s.run.id: (s.requests, s.cost) for s in led.report("run", tags={"team": "b"})}
        assert b == {"r1": (1, USD3), "r2": (1, USD3)}
        a = {s.run.id: s.requests for s in led.report("run", tags={"team": "a"})}
        assert a == {"r1": 1, "r3": 1}
        assert led.report("run", source="batch") == []
        day = date(2026, 11, 3)
        assert [s.run.id for s in led.report("run", since=day, tz="UTC")] == ["r3"]
        with pytest.raises(UserInputError, match="run"):
            led.report("runs")


_ZONES = ["UTC", "Europe/Paris", "America/St_Johns", "Asia/Kathmandu", "Pacific/Chatham"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    stamps=st.lists(
        st.tuples(
            st.integers(0, 10 * 86_400_000),  # ms after DAY1
            st.sampled_from(["s1", "s2", ""]),
            st.sampled_from([MODEL, "claude-haiku-4-5", "no-such-model"]),
            st.sampled_from(["end_turn", None]),
        ),
        max_size=30,
    ),
    zone=st.sampled_from(_ZONES),
    lo=st.integers(-1, 11),
    span=st.integers(0, 11),
)
def test_filtered_reports_equal_the_rollups(
    tmp_path: Path,
    stamps: list[tuple[int, str, str, str | None]],
    zone: str,
    lo: int,
    span: int,
) -> None:
    """Every record is ``sdk``: ``source="sdk"`` (read from the records) must give exactly
    the rollups' answer for every kind, zone and date range."""
    p = tmp_path / f"prop-{uuid.uuid4().hex}.sqlite3"
    recs = []
    for i, (off, session, model, stop) in enumerate(stamps):
        recs.append(
            api_record(
                b'{"input_tokens": 1234, "output_tokens": 56, "cache_read_input_tokens": 7}',
                source="sdk", model=model, ts_ms=DAY1 + off, message_id=f"m{i}",
                stop_reason=stop, session_id=session or None, project=f"/p/{session}",
            )
        )  # fmt: skip
    since = date(2026, 11, 2) + timedelta(days=lo)
    until = since + timedelta(days=span)
    with SQLiteLedger(p) as store:
        store.add(recs)
    with tokentrail.Ledger(p) as led:
        for kind in ("day", "month", "session", "project", "model"):
            for bounds in ({}, {"since": since, "until": until}):
                want = led.report(kind, tz=zone, **bounds)  # type: ignore[arg-type]
                got = led.report(kind, tz=zone, source="sdk", **bounds)  # type: ignore[arg-type]
                assert got == want, (kind, bounds)
