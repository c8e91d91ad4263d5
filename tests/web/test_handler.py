"""The dashboard's HTTP handler: the token, the cookie, the headers, escaping, every page."""

from __future__ import annotations

import http.client
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from _web import EVIL_BRANCH, EVIL_CWD, EVIL_MODEL, EVIL_SESSION, TOKEN

from tokentrail.errors import UserInputError
from tokentrail.web.run import serve
from tokentrail.web.server import CSP, DashboardServer, is_loopback

PAGES = [
    "/", "/sessions", f"/session?id={EVIL_SESSION}", "/report/project", "/report/model",
    "/report/agent", "/report/branch", "/report/daily", "/report/weekly", "/report/monthly",
    "/blocks", "/runs", "/problems", "/prices", "/?period=7d", "/?period=month&tz=UTC",
    "/?period=custom&since=2026-01-01&until=2026-01-31", "/sessions?sort=cost&dir=asc&q=e5e5",
]  # fmt: skip


def get(
    srv: DashboardServer, path: str, cookie: str | None = TOKEN
) -> tuple[int, dict[str, str], str]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.server_address[1], timeout=30)
    name = f"tokentrail_token_{srv.server_address[1]}"
    headers = {"Cookie": f"{name}={cookie}"} if cookie is not None else {}
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    body = r.read().decode("utf-8")
    conn.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body


@pytest.mark.parametrize(
    "path", ["/", "/sessions", "/api/version", "/static/app.css", "/prices", "/nope"]
)
def test_no_token_is_401(server: DashboardServer, path: str) -> None:
    status, headers, body = get(server, path, cookie=None)
    assert status == 401
    assert "tokentrail" not in body.split("\n", 1)[1:]  # nothing of the page
    assert headers["content-security-policy"] == CSP
    assert get(server, path, cookie="wrong")[0] == 401
    assert get(server, path + ("&" if "?" in path else "?") + "token=wrong", None)[0] == 401


def test_token_sets_a_strict_cookie_and_redirects_without_it(server: DashboardServer) -> None:
    status, headers, _ = get(server, f"/sessions?period=7d&token={TOKEN}&tz=UTC", None)
    assert status == 303
    assert headers["location"] == "/sessions?period=7d&tz=UTC"
    cookie = headers["set-cookie"]
    assert cookie.startswith(f"tokentrail_token_{server.server_address[1]}={TOKEN};")
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_with_the_security_headers(server: DashboardServer, path: str) -> None:
    status, headers, body = get(server, path)
    assert status == 200, body
    assert headers["content-security-policy"] == CSP
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert body.startswith("<!doctype html>")
    assert " style=" not in body  # the CSP forbids inline style
    assert "<script>" not in body  # and inline script
    assert "onerror=" not in body.replace("onerror=&quot;", "")


@pytest.mark.parametrize(
    "path", ["/", "/report/model", "/report/project", "/report/branch", "/sessions",
             f"/session?id={EVIL_SESSION}"],
)  # fmt: skip
def test_log_text_is_escaped(server: DashboardServer, path: str) -> None:
    _, _, body = get(server, path)
    for evil in (EVIL_MODEL, EVIL_CWD, EVIL_BRANCH):
        assert evil not in body
    # every occurrence is escaped text, or percent-encoded in a link's query
    safe = ("&lt;script&gt;window.__pwned", "&lt;img src=x onerror=&quot;window.__pwned",
            "%3Cscript%3Ewindow.__pwned", "onerror%3D%22window.__pwned")  # fmt: skip
    rest = body
    for s in safe:
        rest = rest.replace(s, "")
    assert "window.__pwned" not in rest
    shown = {
        "/report/branch": "&lt;img src=x onerror=&quot;window.__pwned=3&quot;&gt;",
        "/report/project": "&lt;script&gt;window.__pwned=2&lt;/script&gt;",
        "/report/model": "&lt;script&gt;window.__pwned=1&lt;/script&gt;",
    }
    if path in shown:
        assert shown[path] in body


def test_static_files_and_version(server: DashboardServer) -> None:
    status, headers, body = get(server, "/static/app.js")
    assert status == 200
    assert headers["content-type"].startswith("text/javascript")
    assert "/api/version" in body
    status, headers, body = get(server, "/api/version")
    assert status == 200
    assert '"version"' in body
    assert get(server, "/static/../server.py")[0] == 404


@pytest.mark.parametrize("query", ["?period=year", "?tz=Mars/Base", "?period=custom&since=x",
                                   "?model=nosuchmodel", "?project=nosuchproject"])  # fmt: skip
def test_bad_view_is_400_with_one_message(server: DashboardServer, query: str) -> None:
    status, _, body = get(server, "/" + query)
    assert status == 400
    assert 'class="error"' in body


def test_unknown_session_and_page(server: DashboardServer) -> None:
    status, _, body = get(server, "/session?id=" + quote("<b>nope</b>"))
    assert status == 200
    assert "&lt;b&gt;nope&lt;/b&gt;" in body
    assert get(server, "/nope")[0] == 404


def test_non_loopback_bind_is_refused(tmp_path: Path) -> None:
    assert is_loopback("127.0.0.1")
    assert is_loopback("::1")
    assert is_loopback("localhost")
    assert not is_loopback("0.0.0.0")
    with pytest.raises(UserInputError, match="--allow-remote"):
        serve(tmp_path / "l.sqlite3", host="0.0.0.0", port=0)


def _env(tmp: Path, ledger: Path) -> dict[str, str]:
    import os

    env = dict(os.environ)
    env.update(HOME=str(tmp), TZ="UTC", TOKENTRAIL_LEDGER=str(ledger),
               CLAUDE_CONFIG_DIR=str(tmp / "none"), XDG_CONFIG_HOME=str(tmp / "cfg"))  # fmt: skip
    env.pop("TOKENTRAIL_CONFIG", None)
    return env


def test_serve_prints_the_url_first_and_stops_on_ctrl_c(web_ledger: Path, tmp_path: Path) -> None:
    import re
    import signal

    p = subprocess.Popen(
        [sys.executable, "-m", "tokentrail", "serve", "--port", "0", "--no-open"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(tmp_path, web_ledger),
    )  # fmt: skip
    try:
        assert p.stdout is not None
        first = p.stdout.readline().strip()
        m = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/\?token=([A-Za-z0-9_-]{20,})", first)
        assert m, first
        conn = http.client.HTTPConnection("127.0.0.1", int(m[1]), timeout=30)
        conn.request("GET", "/")
        assert conn.getresponse().status == 401
        conn.close()
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
    finally:
        p.kill()
    assert p.returncode == 130
    assert len(err.strip().splitlines()) == 1
    assert m[2] not in out + err  # the token is printed once, in the URL line only


def test_serve_refuses_a_remote_bind_in_one_line(web_ledger: Path, tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "tokentrail", "serve", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True, text=True, env=_env(tmp_path, web_ledger), timeout=60,
    )  # fmt: skip
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1
    assert r.stdout == ""


def test_report_html_is_one_self_contained_file(web_ledger: Path, tmp_path: Path) -> None:
    import json

    out = tmp_path / "report.html"
    env = _env(tmp_path, web_ledger)
    r = subprocess.run([sys.executable, "-m", "tokentrail", "report", "--html", str(out)],
                       capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert r.returncode == 0, r.stderr
    text = out.read_text(encoding="utf-8")
    assert "<style>" in text
    assert "<script" not in text
    assert 'src="/' not in text
    assert 'href="/' not in text
    assert EVIL_MODEL not in text
    assert EVIL_CWD not in text
    daily = subprocess.run([sys.executable, "-m", "tokentrail", "daily", "--json", "--no-ingest"],
                           capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    from decimal import ROUND_HALF_UP, Decimal

    total = Decimal(json.loads(daily.stdout)["totals"]["cost_usd"])
    cents = total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert f'id="total-cost">${cents:,}' in text
    assert EVIL_SESSION in text


def test_problems_page_lists_the_bad_line_by_file(server: DashboardServer) -> None:
    status, _, body = get(server, "/problems")
    assert status == 200
    assert f"-tmp-evil/{EVIL_SESSION}.jsonl" in body
    assert "invalid_json" in body
    assert "<b>broken" not in body


def test_prices_page_lists_the_catalog(server: DashboardServer) -> None:
    _, _, body = get(server, "/prices")
    assert "claude-opus-4-5" in body
    assert 'href="https://' in body
    assert 'href="javascript' not in body.lower()


def test_session_page_has_context_curve_cost_chart_and_requests(server: DashboardServer) -> None:
    _, _, body = get(server, f"/session?id={EVIL_SESSION}")
    assert "Context per call (main thread)" in body
    assert "3 conversation calls" in body
    assert "Cost per request" in body
    assert "Cache economics" in body
    assert body.count("<tr>") >= 3 + 1
    assert "never stored" not in body  # no response text, ever


def test_heatmap_cells_add_up_to_the_total(web_ledger: Path) -> None:
    from decimal import Decimal

    from tokentrail.ledger.readonly import ReadOnlyLedger
    from tokentrail.ledger.uri import connect_readonly
    from tokentrail.reports.build import build_report
    from tokentrail.web.overview import hour_grid
    from tokentrail.web.state import parse_view

    with ReadOnlyLedger(connect_readonly(str(web_ledger))) as src:
        for params in ({"tz": "UTC"}, {"tz": "Asia/Kolkata"}, {"tz": "America/St_Johns"}):
            view = parse_view(params)
            opts = view.options(src)
            grid = hour_grid(src, view, opts.models, opts.project)
            total = sum((v for row in grid for v in row), Decimal(0))
            assert total == build_report(src, "daily", opts).totals.cost


def test_a_missing_ledger_is_a_message_not_an_error(tmp_path: Path) -> None:
    from tokentrail.web.server import Dashboard

    status, html = Dashboard(tmp_path / "none.sqlite3", TOKEN).render("/", {})
    assert status == 200
    assert "No ledger yet" in html
    assert not (tmp_path / "none.sqlite3").exists()  # never created by reading


def test_serve_on_a_file_that_is_no_ledger_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"not a database at all" * 100)
    r = subprocess.run(
        [sys.executable, "-m", "tokentrail", "serve", "--port", "0", "--ledger", str(bad)],
        capture_output=True, text=True, env=_env(tmp_path, bad), timeout=60,
    )  # fmt: skip
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr


def test_runs_page_lists_runs_with_budget(tmp_path: Path) -> None:
    from decimal import Decimal

    from tokentrail.ledger import SQLiteLedger
    from tokentrail.ledger.runs import RunRow, save_runs
    from tokentrail.web.server import Dashboard

    path = tmp_path / "runs.sqlite3"
    with SQLiteLedger(path) as ledger, ledger._db:
        save_runs(
            ledger._db,
            [
                RunRow("r1", "<script>window.__pwned=4</script>", 1_767_225_600_000,
                       budget=Decimal("2.50"), tags={"team": "<b>x</b>"}),
                RunRow("r2", "child", 1_767_225_601_000, parent_id="r1"),
            ],
        )  # fmt: skip
    status, html = Dashboard(path, TOKEN).render("/runs", {})
    assert status == 200, html
    assert "&lt;script&gt;window.__pwned=4&lt;/script&gt;" in html
    assert "<script>window" not in html
    assert "team=&lt;b&gt;x&lt;/b&gt;" in html
    assert "$2.50" in html
    assert "child" in html


def test_session_rows_link_to_the_request_page_with_its_explain_lines(
    server: DashboardServer,
) -> None:
    _, _, body = get(server, f"/session?id={EVIL_SESSION}")
    assert 'href="/request?id=msg_evil_1"' in body
    status, _, page = get(server, "/request?id=msg_evil_1")
    assert status == 200
    assert "req_evil_1" in page
    assert "Cost, line by line" in page
    assert "cache read" in page.lower()
    status, _, page = get(server, "/request?id=msg_evil_0")  # the planted model: unpriced
    assert status == 200
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert "<script>window" not in page
    _, _, page = get(server, "/request?id=nope")
    assert "No record with id" in page


def test_other_methods_are_refused(server: DashboardServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=30)
    conn.request("POST", "/", body=b"x")
    assert conn.getresponse().status == 401
    conn.close()
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=30)
    name = f"tokentrail_token_{server.server_address[1]}"
    conn.request("DELETE", "/", headers={"Cookie": f"{name}={TOKEN}"})
    r = conn.getresponse()
    assert r.status == 405
    assert r.getheader("Content-Security-Policy") == CSP
    conn.close()


def test_a_cookie_of_another_port_is_not_enough(server: DashboardServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=30)
    conn.request("GET", "/", headers={"Cookie": f"tokentrail_token_1={TOKEN}"})
    assert conn.getresponse().status == 401
    conn.close()


def test_a_bug_in_a_page_is_a_500_without_traceback(
    server: DashboardServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(path: str, params: dict[str, str]) -> tuple[int, str]:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(server.dashboard, "render", boom)
    status, headers, body = get(server, "/")
    assert status == 500
    assert "secret detail" not in body
    assert headers["content-security-policy"] == CSP
    assert "Traceback" not in capsys.readouterr().err


def test_a_background_ingest_error_is_shown_on_the_pages(web_ledger: Path) -> None:
    from tokentrail.web.server import Dashboard

    d = Dashboard(web_ledger, TOKEN)
    d.ingest_error = "disk full <b>"
    _, html = d.render("/report/model", {})
    assert "The background ingest failed: disk full &lt;b&gt;" in html


def test_view_state_round_trips_through_the_query() -> None:
    from datetime import date
    from urllib.parse import parse_qsl

    from tokentrail.web.state import parse_view

    today = date(2026, 3, 15)
    v = parse_view({"period": "7d", "tz": "UTC", "project": "/a&b"}, today)
    assert (v.start, v.end) == (date(2026, 3, 9), None)
    assert parse_view(dict(parse_qsl(v.query()[1:])), today) == v
    assert parse_view({"period": "month"}, today).start == date(2026, 3, 1)
    assert parse_view({"period": "30d"}, today).start == date(2026, 2, 14)
    v = parse_view({"period": "all", "since": "2026-01-02"}, today)  # dates win
    assert (v.period, v.start, v.end) == ("custom", date(2026, 1, 2), None)
    assert "since=2026-01-02" in v.query()
    assert "since" not in v.query(period="7d")
    assert parse_view({}, today).query() == ""
    with pytest.raises(UserInputError):
        parse_view({"period": "custom", "since": "2026-02-02", "until": "2026-02-01"}, today)


@pytest.mark.parametrize("path", [p.split("?")[0] for p in PAGES if "id=" not in p])
def test_every_page_renders_on_an_empty_ledger(tmp_path: Path, path: str) -> None:
    from tokentrail.ledger import SQLiteLedger
    from tokentrail.web.server import Dashboard

    db = tmp_path / "empty.sqlite3"
    SQLiteLedger(db).close()
    status, html = Dashboard(db, TOKEN).render(path, {})
    assert status == 200, html
    assert 'class="error"' not in html
