"""The billed side on the team ledger (chDB): the fake Admin API of ``tests/billing`` pulled
into a chDB ledger gives the same ``billing`` reports and ``reconcile`` as SQLite; a re-pull
replaces its days whole; a pull interrupted mid-way (or a generation never committed, even
after a merge) is never seen, and running it again gives the exact rows."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "billing"))

from _fake_admin import COST, USAGE, serve
from _scenario import ADMIN_KEY, DAYS, KEY, fake, fill_ledger

from tokentrail.cli import main
from tokentrail.errors import LedgerError
from tokentrail.ledger import SQLiteLedger
from tokentrail.ledger.billing_store import (
    CostBucket,
    UsageBucket,
    billing_store_for,
)
from tokentrail.ledger.clickhouse.billing import ClickHouseBillingStore
from tokentrail.ledger.clickhouse.store import ClickHouseLedger
from tokentrail.ledger.push import push

Run = Callable[..., tuple[int, str, str]]
SINCE, UNTIL = DAYS[0], DAYS[3]
DAY = 86_400_000


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", ADMIN_KEY)
    monkeypatch.delenv("TOKENTRAIL_LEDGER", raising=False)

    def go(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return go


def _pull(run: Run, url: str, ledger: str, *extra: str) -> tuple[int, str, str]:
    return run("billing", "pull", "--since", SINCE, "--until", UNTIL, "--base-url", url,
               "--ledger", ledger, "--quiet", *extra)  # fmt: skip


def _json(run: Run, *args: str) -> Any:
    code, out, err = run(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def _stored(url: str) -> tuple[list[UsageBucket], list[CostBucket]]:
    with ClickHouseLedger(url) as team:
        store = billing_store_for(team)
        assert isinstance(store, ClickHouseBillingStore)
        return store.usage(0, 2**62), store.cost(0, 2**62)


@pytest.fixture
def both(run: Run, tmp_path: Path, chdb_url: str) -> tuple[str, str]:
    """A SQLite ledger and a chDB team ledger holding the same records and the same pull."""
    local = tmp_path / "ledger.sqlite3"
    fill_ledger(local)
    with SQLiteLedger(local) as src, ClickHouseLedger(chdb_url, machine="m", user="u") as team:
        push(src, team, machine="m", user="u")
    with serve(fake()) as f:
        for target in (str(local), chdb_url):
            code, _, err = _pull(run, f.url, target)
            assert code == 0, err
    return str(local), chdb_url


@pytest.mark.parametrize(
    "args",
    [
        ("billing", "daily"),
        ("billing", "model"),
        ("billing", "api-key"),
        ("billing", "workspace", "--since", DAYS[0], "--until", DAYS[1]),
        ("reconcile",),
        ("reconcile", "--keys", KEY),
        ("reconcile", "--by", "api-key", "--keys", KEY),
        ("reconcile", "--by", "model", "--catalog-check"),
    ],
)
def test_a_team_ledger_reports_what_sqlite_reports(
    run: Run, both: tuple[str, str], args: tuple[str, ...]
) -> None:
    local, team = both
    on_sqlite = _json(run, *args, "--ledger", local)
    on_team = _json(run, *args, "--ledger", team)
    assert on_team == on_sqlite
    rows = on_sqlite.get("rows") or next(v for v in on_sqlite.values() if isinstance(v, list))
    assert rows  # something was compared


def test_the_stored_rows_match_sqlite_and_amounts_stay_exact(both: tuple[str, str]) -> None:
    local, team = both
    with SQLiteLedger(Path(local)) as led:
        want = billing_store_for(led)
        want_rows = (want.usage(0, 2**62), want.cost(0, 2**62), want.span())
    with ClickHouseLedger(team) as led:
        got = billing_store_for(led)
        assert (got.usage(0, 2**62), got.cost(0, 2**62), got.span()) == want_rows
    assert "150.1" in {c.amount_cents for c in want_rows[1]}


def test_a_re_pull_never_doubles_and_replaces_its_days_whole(run: Run, chdb_url: str) -> None:
    with serve(fake()) as f:
        assert _pull(run, f.url, chdb_url)[0] == 0
        once = _stored(chdb_url)
        assert len(once[0]) == 5
        assert len(once[1]) == 8
        assert _pull(run, f.url, chdb_url)[0] == 0
    assert _stored(chdb_url) == once
    with ClickHouseLedger(chdb_url) as team:  # the superseded generation was cleaned up
        assert team.query("SELECT count() FROM {db}.billing_usage")[0][0] == 5
    smaller = fake()
    smaller.pages[USAGE] = smaller.pages[USAGE][:1]
    smaller.pages[USAGE][0] = {**smaller.pages[USAGE][0], "has_more": False, "next_page": None}
    with serve(smaller) as f:
        assert _pull(run, f.url, chdb_url)[0] == 0
    usage, cost = _stored(chdb_url)
    assert len(usage) == 2  # the first day's two rows only: the other days emptied whole
    assert cost == once[1]
    # a pull of one day leaves the other days as they were
    with serve(fake()) as f:
        assert _pull(run, f.url, chdb_url)[0] == 0
        code, _, err = run("billing", "pull", "--since", DAYS[1], "--until", DAYS[1],
                           "--base-url", f.url, "--ledger", chdb_url, "-q")  # fmt: skip
        assert code == 0, err
    assert _stored(chdb_url) == once


def test_a_pull_interrupted_mid_way_then_run_again_is_exact(
    run: Run, chdb_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serve(fake()) as f:
        assert _pull(run, f.url, chdb_url)[0] == 0
    once = _stored(chdb_url)
    # a different bill this time; the cost report's commit never happens (the process dies
    # between inserting the rows and committing the generation)
    changed = fake()
    changed.pages[COST] = changed.pages[COST][:1]
    changed.pages[COST][0] = {**changed.pages[COST][0], "has_more": False, "next_page": None}
    real_insert = ClickHouseLedger.insert

    def dying(self: ClickHouseLedger, table: str, rows: Any, columns: Any) -> None:
        if table == "billing_pulls" and rows and rows[0][0] == "cost_report":
            raise LedgerError("killed")
        real_insert(self, table, rows, columns)

    monkeypatch.setattr(ClickHouseLedger, "insert", dying)
    with serve(changed) as f:
        code, _, err = _pull(run, f.url, chdb_url)
    assert code != 0
    assert "killed" in err
    assert "Traceback" not in err
    usage, cost = _stored(chdb_url)
    assert cost == once[1]  # the half-written re-pull is invisible
    assert usage == once[0]
    monkeypatch.setattr(ClickHouseLedger, "insert", real_insert)
    with ClickHouseLedger(chdb_url) as team:  # merges never fold it into the committed rows
        team.command("OPTIMIZE TABLE {db}.billing_cost FINAL")
    assert _stored(chdb_url)[1] == once[1]
    with serve(fake()) as f:
        assert _pull(run, f.url, chdb_url)[0] == 0
    assert _stored(chdb_url) == once


def test_store_replace_is_per_range_and_an_uncommitted_generation_is_never_read(
    chdb_url: str,
) -> None:
    def u(day: int, key: str, out: int) -> UsageBucket:
        return UsageBucket("1d", day * DAY, (day + 1) * DAY, model="m", api_key_id=key,
                           output_tokens=out)  # fmt: skip

    with ClickHouseLedger(chdb_url) as team:
        store = ClickHouseBillingStore(team)
        assert store.span() is None
        store.replace_usage("1d", 0, 3 * DAY, [u(0, "a", 1), u(1, "a", 2), u(2, "b", 3)])
        store.replace_usage("1d", DAY, 2 * DAY, [u(1, "a", 20), u(1, "c", 5)])
        got = [(r.start_ms // DAY, r.api_key_id, r.output_tokens) for r in store.usage(0, 9 * DAY)]
        assert got == [(0, "a", 1), (1, "a", 20), (1, "c", 5), (2, "b", 3)]
        store.replace_usage("1d", 0, DAY, [u(0, "a", 7), u(0, "a", 8)])  # last copy wins
        assert [r.output_tokens for r in store.usage(0, DAY)] == [8]
        assert store.span() == (0, 3 * DAY)
        # rows of a generation that was never committed (a pull killed before its commit)
        orphan = [["1d", 0, DAY, "{}", *([None] * 7), 0, 0, 0, 0, 999, 0, 2**63]]
        cols = ["width", "bucket_ms", "end_ms", "grp", "model", "api_key_id", "workspace_id",
                "service_tier", "context_window", "inference_geo", "speed",
                "uncached_input_tokens", "cache_5m_tokens", "cache_1h_tokens",
                "cache_read_tokens", "output_tokens", "web_search_requests", "gen"]  # fmt: skip
        team.insert("billing_usage", orphan, cols)
        team.command("OPTIMIZE TABLE {db}.billing_usage FINAL")
        assert [r.output_tokens for r in store.usage(0, DAY)] == [8]
        # cost amounts: exact, any decimal the API sends within 20 places
        store.replace_cost(0, DAY, [CostBucket(0, DAY, "0.00000000000000000001", model="m"),
                                    CostBucket(0, DAY, "150.10", model="n")])  # fmt: skip
        assert [c.amount_cents for c in store.cost(0, DAY)] == ["0.00000000000000000001", "150.1"]
        with pytest.raises(LedgerError, match="exactly"):
            store.replace_cost(0, DAY, [CostBucket(0, DAY, "1e-21", model="m")])
        assert len(store.cost(0, DAY)) == 2
        assert "billing_pulls" in {str(r[0]) for r in team.query("SHOW TABLES FROM {db}")}
        assert "0002_billing" in team.applied_migrations()


def test_nothing_pulled_yet_is_one_line(run: Run, chdb_url: str) -> None:
    code, out, err = run("reconcile", "--ledger", chdb_url)
    assert code != 0
    assert "nothing pulled into the ledger yet" in err
    assert "Traceback" not in err
    code, out, err = run("billing", "daily", "--ledger", chdb_url, "--json")
    assert code == 0, err
    assert json.loads(out)["totals"] is not None
