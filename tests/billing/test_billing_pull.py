"""``tokentrail billing pull`` against a real local server: stored rows, re-pulls that never
double, a pull killed with SIGKILL and run again, refusals, the key never shown."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from _fake_admin import A_COST, A_USAGE, COST, USAGE, serve
from _scenario import ADMIN_KEY, DAYS, MODEL, Run, fake

SINCE, UNTIL = DAYS[0], DAYS[3]


def _pull(run: Run, url: str, ledger: Path, *extra: str) -> tuple[int, str, str]:
    return run("billing", "pull", "--since", SINCE, "--until", UNTIL, "--base-url", url,
               "--ledger", str(ledger), *extra)  # fmt: skip


def _tables(ledger: Path) -> dict[str, list[tuple[object, ...]]]:
    db = sqlite3.connect(ledger)
    try:
        return {
            t: sorted(db.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
            for t in ("billing_usage", "billing_cost", "billing_analytics")
        }
    finally:
        db.close()


def test_pull_stores_every_page_once(run: Run, ledger: Path) -> None:
    with serve(fake()) as f:
        code, out, err = _pull(run, f.url, ledger)
    assert code == 0, err
    assert out.strip() == (
        f"pulled {SINCE}..{UNTIL}: 5 usage rows, 8 cost rows, analytics usage 1, "
        "analytics cost 1 (8 pages)"
    )
    assert "usage report (1d): 4 pages, 5 rows" in err
    sent = [q for p, q, _ in f.requests if p == USAGE]
    assert ("group_by[]", "inference_geo") in sent[0]
    assert ("group_by[]", "speed") in sent[0]
    assert dict(sent[0])["starting_at"] == f"{SINCE}T00:00:00Z"
    assert dict(sent[0])["ending_at"] == f"{DAYS[4]}T00:00:00Z"
    t = _tables(ledger)
    assert len(t["billing_usage"]) == 5
    db = sqlite3.connect(ledger)
    total = db.execute("SELECT sum(output_tokens) FROM billing_usage").fetchone()[0]
    amounts = [r[0] for r in db.execute("SELECT amount_cents FROM billing_cost")]
    db.close()
    assert total == 500 + 50 + 1000 + 100 + 100000
    assert "150.1" in amounts  # the API's decimal string, kept as text


def test_pulling_twice_never_doubles(run: Run, ledger: Path) -> None:
    with serve(fake()) as f:
        assert _pull(run, f.url, ledger)[0] == 0
        first = _tables(ledger)
        assert _pull(run, f.url, ledger, "--quiet")[0] == 0
    assert _tables(ledger) == first


def test_a_re_pull_replaces_the_range(run: Run, ledger: Path) -> None:
    with serve(fake()) as f:
        assert _pull(run, f.url, ledger)[0] == 0
    smaller = fake()
    smaller.pages[USAGE] = smaller.pages[USAGE][:1]
    smaller.pages[USAGE][0] = {**smaller.pages[USAGE][0], "has_more": False, "next_page": None}
    with serve(smaller) as f:
        assert _pull(run, f.url, ledger)[0] == 0
    assert len(_tables(ledger)["billing_usage"]) == 2  # the first day's two rows only


def test_analytics_403_is_a_note_and_speed_rejected_falls_back(run: Run, ledger: Path) -> None:
    fk = fake()
    fk.status[A_USAGE] = 403
    fk.status[A_COST] = 404
    fk.reject_speed = True
    with serve(fk) as f:
        code, out, err = _pull(run, f.url, ledger)
    assert code == 0
    assert "analytics usage: not available to this key (HTTP 403)" in err
    assert "analytics cost: not available to this key (HTTP 404)" in err
    assert "speed not accepted" in err
    assert "5 usage rows, 8 cost rows (" in out


def test_bad_key_is_one_line_exit_2_and_never_shown(run: Run, ledger: Path) -> None:
    fk = fake()
    fk.status[USAGE] = 401
    with serve(fk) as f:
        code, out, err = _pull(run, f.url, ledger)
    assert code == 2
    lines = [x for x in err.splitlines() if x.startswith("tokentrail: error:")]
    assert len(lines) == 1
    assert "refused the key (HTTP 401" in lines[0]
    assert "Traceback" not in err
    assert ADMIN_KEY not in out + err
    assert ADMIN_KEY.encode() not in ledger.read_bytes()


def test_no_key_is_one_line(run: Run, ledger: Path, tmp_path: Path) -> None:
    code, _, err = run("billing", "pull", "--ledger", str(ledger), key=None)
    assert code == 2
    assert "no Admin API key: set ANTHROPIC_ADMIN_KEY" in err
    code, _, err = run("billing", "pull", "--admin-key-file", str(tmp_path / "nope"), key=None)
    assert code == 2
    assert "--admin-key-file" in err


def test_the_key_file_is_used_and_never_echoed(run: Run, ledger: Path, tmp_path: Path) -> None:
    (tmp_path / "secret").mkdir()
    keyfile = tmp_path / "secret" / "admin.key"
    keyfile.write_text(ADMIN_KEY + "\n")
    with serve(fake()) as f:
        code, out, err = _pull(run, f.url, ledger, "--admin-key-file", str(keyfile))
    assert code == 0
    # x-api-key over httpx; the SDK (Analytics API) sends it as a bearer token
    sent = {
        h.get("x-api-key") or h["authorization"].removeprefix("Bearer ") for *_, h in f.requests
    }
    assert sent == {ADMIN_KEY}
    assert any(p == A_USAGE and "authorization" in h for p, _, h in f.requests)
    assert ADMIN_KEY not in out + err
    for p in ledger.parent.iterdir():
        if p.is_file():
            assert ADMIN_KEY.encode() not in p.read_bytes(), p


def test_a_pull_killed_mid_way_then_run_again_never_doubles(run: Run, ledger: Path) -> None:
    with serve(fake()) as f:
        assert _pull(run, f.url, ledger, "--quiet")[0] == 0
        once = _tables(ledger)
    fk = fake()
    fk.stall[(COST, "p1")] = 30.0  # the usage report is stored, the cost report hangs
    env = {**os.environ, "ANTHROPIC_ADMIN_KEY": ADMIN_KEY}
    with serve(fk) as f:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tokentrail", "billing", "pull", "--since", SINCE, "--until",
             UNTIL, "--base-url", f.url, "--ledger", str(ledger)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while not any(p == COST and dict(q).get("page") == "p1" for p, q, _ in fk.requests):
            assert time.monotonic() < deadline, "the pull never reached the cost report"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert _tables(ledger) == once
    with serve(fake()) as f:
        assert _pull(run, f.url, ledger, "--quiet")[0] == 0
    assert _tables(ledger) == once
    db = sqlite3.connect(ledger)
    models = {r[0] for r in db.execute("SELECT DISTINCT model FROM billing_usage")}
    db.close()
    assert models == {MODEL}


def test_a_malformed_page_stores_nothing_of_that_report(run: Run, ledger: Path) -> None:
    fk = fake()
    fk.faults[(COST, "p1")] = [(200, {}, b'{"data": [{"starting_at": 5}], "has_more": false}')]
    with serve(fk) as f:
        code, _, err = _pull(run, f.url, ledger)
    assert code == 2
    assert "starting_at is not an RFC 3339 time" in err
    assert "Traceback" not in err
    t = _tables(ledger)
    assert len(t["billing_usage"]) == 5  # stored before the cost report was read
    assert t["billing_cost"] == []


def test_hourly_buckets_are_stored_apart(run: Run, ledger: Path) -> None:
    with serve(fake()) as f:
        code, out, _ = _pull(run, f.url, ledger, "--hourly", "--no-analytics")
    assert code == 0
    assert "5 usage rows, 5 hourly rows, 8 cost rows (" in out
    sent = [
        dict(q)["bucket_width"] for p, q, _ in f.requests if p == USAGE and "page" not in dict(q)
    ]
    assert sent == ["1d", "1h"]
    db = sqlite3.connect(ledger)
    widths = dict(db.execute("SELECT width, count(*) FROM billing_usage GROUP BY width").fetchall())
    db.close()
    assert widths == {"1d": 5, "1h": 5}


def test_buckets_outside_the_days_asked_for_are_not_stored(run: Run, ledger: Path) -> None:
    with serve(fake()) as f:  # serves 2026-11-02..05 whatever is asked
        for _ in range(2):
            code, _, err = run("billing", "pull", "--since", DAYS[1], "--until", DAYS[2],
                               "--base-url", f.url, "--ledger", str(ledger), "-q")  # fmt: skip
            assert code == 0, err
    days = {r[1] for r in _tables(ledger)["billing_usage"]}
    assert len(days) == 2  # 11-03 and 11-04 only, stored once
