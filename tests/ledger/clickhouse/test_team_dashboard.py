"""The dashboard on a chDB team ledger holding two pushed machines: the same pages as on
each machine's SQLite ledger (scoped with ``?machine=``), *Users* / *Machines* pages, the
``user`` / ``machine`` filters, the token (HTTP, as in ``tests/web/test_handler.py``)."""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tokentrail.errors import UserInputError
from tokentrail.ledger import SQLiteLedger, ingest_claude_code
from tokentrail.ledger.clickhouse.store import ClickHouseLedger
from tokentrail.ledger.push import push
from tokentrail.web.run import serve
from tokentrail.web.server import CSP, Dashboard, DashboardServer

TOKEN = "team-token-0123456789"


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for machine, seed in (("a", "3"), ("b", "4")):
        tree = tmp_path_factory.mktemp("tree") / machine
        subprocess.run(
            [sys.executable, "-m", "tokentrail.sample", str(tree), "--size", "300KB",
             "--seed", seed, "--quiet"],
            check=True,
        )  # fmt: skip
        out[machine] = tree
    return out


@pytest.fixture
def team(trees: dict[str, Path], tmp_path: Path, chdb_url: str) -> tuple[str, dict[str, Path]]:
    """(team URL, machine -> its SQLite ledger), both machines pushed twice."""
    store = ClickHouseLedger(chdb_url, machine="x", user="x")
    locals_ = {}
    for machine, tree in trees.items():
        path = tmp_path / f"{machine}.sqlite3"
        with SQLiteLedger(path) as local:
            ingest_claude_code(local, [tree])
            for _ in range(2):
                push(local, store, machine=machine, user=f"user-{machine}")
        locals_[machine] = path
    return chdb_url, locals_


def _main(html: str, machine: str = "") -> str:
    """The page's content after the picker (the picker has the team filters), without the
    ``machine`` filter its links keep."""
    main = html.split('<main id="main">', 1)[1]
    main = main.split("</form>", 1)[1] if "</form>" in main else main
    if machine:
        main = main.replace(f"&amp;machine={machine}", "").replace(f"?machine={machine}&amp;", "?")
        main = main.replace(f'?machine={machine}"', '"')
        main = main.replace(f'<input type="hidden" name="machine" value="{machine}">', "")
    return main


@pytest.mark.parametrize(
    "path", ["/", "/sessions", "/report/model", "/report/daily", "/report/project", "/runs",
             "/problems", "/blocks"],
)  # fmt: skip
def test_a_machine_of_the_team_shows_what_its_own_ledger_shows(
    team: tuple[str, dict[str, Path]], path: str
) -> None:
    url, locals_ = team
    on_team = Dashboard(url, TOKEN)
    for machine, local in locals_.items():
        params = {"period": "all", "tz": "UTC"}
        status, want = Dashboard(local, TOKEN).render(path, dict(params))
        assert status == 200, want
        status, got = on_team.render(path, {**params, "machine": machine})
        assert status == 200, got
        assert _main(got, machine) == _main(want)
    # and the whole team is both machines
    status, everyone = on_team.render("/report/machine", {"tz": "UTC"})
    assert status == 200
    assert 'href="/?tz=UTC&amp;machine=a"' in everyone
    assert 'href="/?tz=UTC&amp;machine=b"' in everyone


def test_session_page_on_the_team_ledger(team: tuple[str, dict[str, Path]]) -> None:
    url, locals_ = team
    with SQLiteLedger(locals_["a"]) as local:
        sid = local.last_session_id()
    assert sid
    params = {"id": sid, "tz": "UTC"}
    _, want = Dashboard(locals_["a"], TOKEN).render("/session", dict(params))
    status, got = Dashboard(url, TOKEN).render("/session", {**params, "machine": "a"})
    assert status == 200
    assert _main(got, "a") == _main(want)
    assert "/request?" in got  # each request linked to its explain page
    mid = re.search(r'href="/request\?[^"]*id=([^"&]+)', got)
    assert mid
    status, req = Dashboard(url, TOKEN).render("/request", {"id": mid.group(1)})
    assert status == 200
    assert "Cost, line by line" in req


def test_users_page_and_filters(team: tuple[str, dict[str, Path]]) -> None:
    url, _ = team
    d = Dashboard(url, TOKEN)
    status, users = d.render("/report/user", {})
    assert status == 200
    assert "user-a" in users
    assert "user-b" in users
    assert 'href="/report/user' in users
    assert 'href="/report/machine' in users
    assert 'name="user"' in users
    assert 'name="machine"' in users
    _, only_a = d.render("/report/user", {"user": "user-a"})
    assert "user-a" in _main(only_a)
    assert "user-b" not in _main(only_a)
    _, nobody = d.render("/report/machine", {"machine": "nope"})
    assert "machine=a" not in _main(nobody)


def test_sqlite_dashboard_has_no_team_pages(team: tuple[str, dict[str, Path]]) -> None:
    d = Dashboard(team[1]["a"], TOKEN)
    status, page = d.render("/", {})
    assert status == 200
    assert "/report/user" not in page
    assert 'name="machine"' not in page
    assert d.render("/report/user", {})[0] == 404


@pytest.fixture
def server(team: tuple[str, dict[str, Path]]) -> Iterator[DashboardServer]:
    srv = DashboardServer(("127.0.0.1", 0), Dashboard(team[0], TOKEN))
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _get(srv: DashboardServer, path: str, cookie: str | None = TOKEN) -> tuple[int, str, str]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.server_address[1], timeout=30)
    name = f"tokentrail_token_{srv.server_address[1]}"
    conn.request("GET", path, headers={"Cookie": f"{name}={cookie}"} if cookie else {})
    r = conn.getresponse()
    body = r.read().decode("utf-8")
    conn.close()
    return r.status, r.getheader("Content-Security-Policy") or "", body


@pytest.mark.parametrize(
    "path", ["/", "/sessions", "/report/user", "/report/machine?user=user-b",
             "/report/daily?machine=a&period=all&tz=UTC", "/blocks", "/runs", "/problems",
             "/prices", "/api/version"],
)  # fmt: skip
def test_pages_over_http(server: DashboardServer, path: str) -> None:
    assert _get(server, path, cookie=None)[0] == 401
    status, csp, body = _get(server, path)
    assert status == 200, body
    assert csp == CSP
    if path != "/api/version":
        assert body.startswith("<!doctype html>")


def test_version_changes_when_a_machine_pushes(
    team: tuple[str, dict[str, Path]], trees: dict[str, Path], tmp_path: Path
) -> None:
    d = Dashboard(team[0], TOKEN)
    before = d.version()
    assert d.version() == before
    with SQLiteLedger(tmp_path / "c.sqlite3") as local:
        ingest_claude_code(local, [trees["a"]])
        push(local, ClickHouseLedger(team[0]), machine="c", user="user-c")
    assert d.version() != before


def test_ingest_every_is_refused_on_a_team_ledger(team: tuple[str, dict[str, Path]]) -> None:
    with pytest.raises(UserInputError, match="--ingest-every"):
        serve(team[0], port=0, ingest_every=5)


def test_the_html_report_of_the_team_is_that_of_one_ledger_with_both_trees(
    team: tuple[str, dict[str, Path]], trees: dict[str, Path], tmp_path: Path
) -> None:
    """``report --html`` on a team ledger: the same document as a SQLite ledger that
    ingested both machines' logs (the shared stylesheet, overview and sessions)."""
    from tokentrail.cli.html_report import write_html
    from tokentrail.web.export import report_html
    from tokentrail.web.state import parse_view
    from tokentrail.web.team import TeamSource

    view = parse_view({"period": "all", "tz": "UTC"})
    with SQLiteLedger(tmp_path / "both.sqlite3") as both:
        ingest_claude_code(both, list(trees.values()))
        want = report_html(both, view)
    store = ClickHouseLedger(team[0], machine="x", user="x")
    got = report_html(TeamSource(store, threading.Lock()), view)
    store.close()
    assert got == want
    out = tmp_path / "team.html"
    write_html(str(out), team[0], since=None, until=None, tz="UTC")
    assert (
        re.findall(r"\$[\d,]+\.\d\d", out.read_text())[:1]
        == re.findall(r"\$[\d,]+\.\d\d", want)[:1]
    )
