"""The dashboard in a real headless Chromium (Debian's, driven by Playwright): every page
loads with no console error, the overview's total is ``daily --json``'s to the cent, a
session page lists its requests, planted script never runs, no token means 401, and the
page picks up a new ingest without a reload."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from _web import EVIL_SESSION, TOKEN, base_url

from tokentrail.web.server import DashboardServer

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]  # fmt: skip

PAGES = [
    "/", "/sessions", "/report/project", "/report/model", "/report/agent", "/report/branch",
    "/report/daily", "/report/weekly", "/report/monthly", "/blocks", "/runs", "/problems",
    "/prices",
    f"/session?id={EVIL_SESSION}", "/request?id=msg_evil_1", "/?period=7d&tz=UTC",
]  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install playwright)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, server: DashboardServer) -> Iterator[tuple[Any, list[str]]]:
    """A logged-in page (the token URL visited once) and the console errors it collects."""
    ctx = browser.new_context()
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    resp = pg.goto(f"{base_url(server)}/?token={TOKEN}")
    assert resp is not None
    assert resp.status == 200
    assert "token=" not in pg.url
    yield pg, errors
    ctx.close()


def _daily_total(ledger: Path, tmp: Path) -> str:
    env = dict(os.environ, HOME=str(tmp), TZ="UTC", TOKENTRAIL_LEDGER=str(ledger),
               CLAUDE_CONFIG_DIR=str(tmp / "none"), XDG_CONFIG_HOME=str(tmp / "cfg"))  # fmt: skip
    env.pop("TOKENTRAIL_CONFIG", None)
    cmd = [sys.executable, "-m", "tokentrail", "daily", "--json", "--no-ingest"]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, check=True)
    total = Decimal(json.loads(r.stdout)["totals"]["cost_usd"])
    return f"${total.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def test_every_page_loads_without_console_errors(
    page: tuple[Any, list[str]], server: DashboardServer
) -> None:
    pg, errors = page
    for path in PAGES:
        resp = pg.goto(base_url(server) + path)
        assert resp is not None
        assert resp.status == 200, path
        pg.wait_for_load_state("load")
        assert pg.locator("main h1").count() == 1, path
        assert pg.evaluate("typeof window.__pwned") == "undefined", path
        assert errors == [], (path, errors)


def test_overview_total_is_daily_json_total(
    page: tuple[Any, list[str]], server: DashboardServer, web_ledger: Path, tmp_path: Path
) -> None:
    pg, _ = page
    pg.goto(base_url(server) + "/")
    shown = pg.locator("#total-cost").inner_text()
    assert shown == _daily_total(web_ledger, tmp_path)


def test_session_drill_down_shows_its_requests(
    page: tuple[Any, list[str]], server: DashboardServer
) -> None:
    pg, errors = page
    pg.goto(base_url(server) + "/sessions?sort=requests&dir=desc")
    link = pg.locator("table.data tbody a").first
    link.click()
    pg.wait_for_load_state("load")
    assert "/session?" in pg.url
    assert pg.locator("table.requests tbody tr").count() > 0
    assert pg.locator("svg.chart").count() >= 1
    assert errors == []


def test_planted_script_is_text(page: tuple[Any, list[str]], server: DashboardServer) -> None:
    pg, _ = page
    for path in ("/report/model", "/report/project", "/report/branch",
                 f"/session?id={EVIL_SESSION}", "/"):  # fmt: skip
        pg.goto(base_url(server) + path)
        assert pg.evaluate("typeof window.__pwned") == "undefined"
        assert pg.locator("main script").count() == 0
        assert pg.locator("main img").count() == 0
    pg.goto(base_url(server) + "/report/model")
    assert "<script>window.__pwned=1</script>" in pg.locator("main").inner_text()
    pg.goto(base_url(server) + "/report/branch")
    assert 'onerror="window.__pwned=3"' in pg.locator("main").inner_text()


def test_without_the_token_401(browser: Any, server: DashboardServer) -> None:
    ctx = browser.new_context()
    try:
        pg = ctx.new_page()
        resp = pg.goto(base_url(server) + "/")
        assert resp is not None
        assert resp.status == 401
        resp = pg.goto(base_url(server) + "/?token=not-the-token")
        assert resp is not None
        assert resp.status == 401
        assert ctx.request.get(base_url(server) + "/api/version").status == 401
    finally:
        ctx.close()


def test_serve_ingest_every_updates_the_open_page(browser: Any, tmp_path: Path) -> None:
    import signal

    from _web import _line, write_evil

    tree = tmp_path / "tree"
    write_evil(tree)
    env = dict(os.environ, HOME=str(tmp_path), TZ="UTC", CLAUDE_CONFIG_DIR=str(tree))
    env.update(TOKENTRAIL_LEDGER=str(tmp_path / "l.sqlite3"), XDG_CONFIG_HOME=str(tmp_path))
    env.pop("TOKENTRAIL_CONFIG", None)
    p = subprocess.Popen(
        [sys.executable, "-m", "tokentrail", "serve", "--port", "0", "--ingest-every", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    ctx = browser.new_context()
    try:
        assert p.stdout is not None
        url = p.stdout.readline().strip()
        pg = ctx.new_page()
        errors: list[str] = []
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pg.goto(url)
        pg.wait_for_selector("#total-cost", timeout=20_000)  # the first ingest, no reload
        before = pg.locator("main").inner_text()
        extra = _line(5, "claude-opus-4-5-20251101")
        extra["requestId"] = "req_live"
        extra["message"]["id"] = "msg_live"  # type: ignore[index]
        with (tree / "projects" / "-tmp-evil" / f"{EVIL_SESSION}.jsonl").open("a") as f:
            f.write(json.dumps(extra) + "\n")
        pg.wait_for_function(
            "() => document.querySelector('main').innerText.includes('claude-opus-4-5')"
            " || document.querySelector('main').innerText.includes('opus-4-5')",
            timeout=20_000,
        )
        assert pg.locator("main").inner_text() != before
        assert pg.evaluate("typeof window.__pwned") == "undefined"
        assert errors == []
    finally:
        ctx.close()
        p.send_signal(signal.SIGINT)
        try:
            p.communicate(timeout=30)
        finally:
            p.kill()
    assert p.returncode == 130


def test_report_html_file_opens_clean_with_the_right_total(
    browser: Any, web_ledger: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    env = dict(os.environ, HOME=str(tmp_path), TZ="UTC", TOKENTRAIL_LEDGER=str(web_ledger))
    env.update(CLAUDE_CONFIG_DIR=str(tmp_path / "none"), XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    env.pop("TOKENTRAIL_CONFIG", None)
    cmd = [sys.executable, "-m", "tokentrail", "report", "--html", str(out)]
    subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, check=True)
    ctx = browser.new_context()
    try:
        pg = ctx.new_page()
        errors: list[str] = []
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(out.as_uri())
        assert pg.locator("#total-cost").inner_text() == _daily_total(web_ledger, tmp_path)
        # the inline stylesheet applied (its hash is in the file's policy)
        assert (
            pg.evaluate("getComputedStyle(document.querySelector('.card')).borderRadius") == "6px"
        )
        assert pg.evaluate("typeof window.__pwned") == "undefined"
        assert pg.locator("table.data tbody tr").count() > 0
        assert errors == []
    finally:
        ctx.close()
