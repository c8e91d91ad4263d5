"""The dashboard's HTTP server: the standard library's ``ThreadingHTTPServer``.

Why the standard library and not an ASGI stack (Starlette + uvicorn): the dashboard is a
handful of server-rendered GET pages for one local user; ``http.server`` serves them with
no new runtime dependency, no event loop and nothing to keep up to date, and each request
runs on its own thread with its own read-only SQLite connection.

Security: a random token (:func:`secrets.token_urlsafe`) is printed once in the URL;
``/?token=…`` sets it as an ``HttpOnly; SameSite=Strict`` cookie and redirects to the same
URL without it. Every other request without a valid cookie gets 401, whatever the bind
(compared with :func:`hmac.compare_digest`). Every response carries a strict
Content-Security-Policy (no inline script or style), ``nosniff`` and ``no-referrer``.
The ledger is opened read-only per request (:func:`tokentrail.ledger.uri.connect_readonly`):
a running ingest is never blocked. A team ledger URL (``chdb://``, ``clickhouse://``) is
served through the store protocol (:mod:`tokentrail.web.team`), with *Users* and
*Machines* pages and ``user`` / ``machine`` filters.
"""

from __future__ import annotations

import contextlib
import hmac
import sqlite3
from collections.abc import Callable
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from tokentrail.errors import TokentrailError
from tokentrail.ledger.readonly import ReadOnlyLedger
from tokentrail.web.html import NAV, page
from tokentrail.web.state import View, parse_view
from tokentrail.web.team import TeamLedger, TeamSource

#: What a page reads: a read-only SQLite ledger or a team ledger.
Source = ReadOnlyLedger | TeamSource
#: The navigation bar of a team ledger: the local one, plus users and machines.
TEAM_NAV = (*NAV[:6], ("/report/user", "Users"), ("/report/machine", "Machines"), *NAV[6:])

__all__ = ["COOKIE", "CSP", "Dashboard", "DashboardServer", "ledger_version"]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
#: The cookie's name is this plus ``_PORT``: cookies do not tell ports apart, and two
#: dashboards on one host must not overwrite each other's token.
COOKIE = "tokentrail_token"
_STATIC = {
    "app.css": "text/css; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}


def ledger_version(path: Path) -> str:
    """A value that changes whenever the ledger file (or its WAL) is written."""
    parts = []
    for p in (path, Path(f"{path}-wal")):
        try:
            st = p.stat()
        except OSError:
            parts.append("-")
            continue
        parts.append(f"{st.st_mtime_ns:x}.{st.st_size:x}")
    return "_".join(parts)


class Dashboard:
    """What the pages need: the ledger (a path, or a team ledger URL) and the token (no
    HTTP here, so tests and ``report --html`` can render pages directly)."""

    def __init__(self, ledger: Path | str, token: str) -> None:
        self.team = TeamLedger(ledger) if isinstance(ledger, str) else None
        self.ledger = Path() if isinstance(ledger, str) else ledger
        self.token = token
        #: The last background ingest's error (``--ingest-every``), shown on every page.
        self.ingest_error: str | None = None

    def version(self) -> str:
        """A value that changes whenever the ledger is written."""
        return self.team.version() if self.team is not None else ledger_version(self.ledger)

    def open(self, view: View | None = None) -> Source | None:
        """A read-only connection to the ledger, or None when it does not exist yet (a
        team ledger: its reads, scoped to the view's user / machine)."""
        from tokentrail.ledger.uri import connect_readonly

        if self.team is not None:
            return self.team.source(view.machine if view else "", view.user if view else "")
        if not self.ledger.exists():
            return None
        return ReadOnlyLedger(connect_readonly(str(self.ledger), 10.0))

    def render(self, path: str, params: dict[str, str]) -> tuple[int, str]:
        """(status, HTML) of a page."""
        from tokentrail.web import pages
        from tokentrail.web.overview import overview_body
        from tokentrail.web.request import request_body
        from tokentrail.web.runs import runs_body

        routes: dict[str, tuple[str, Callable[[Source, View], str]]] = {
            "/": ("Overview", lambda s, v: overview_body(s, v)),
            "/sessions": ("Sessions", lambda s, v: pages.sessions_body(s, v, params)),
            "/session": ("Session", lambda s, v: pages.session_body(s, v, params.get("id", ""))),
            "/blocks": ("5-hour blocks", lambda s, v: pages.blocks_body(s, v)),
            "/problems": ("Problems", lambda s, v: pages.problems_body(s.problems())),
            "/runs": ("Runs", lambda s, v: runs_body(s.run_summaries())),
            "/request": ("Request", lambda s, v: request_body(s, v, params.get("id", ""))),
        }
        for kind in pages.GENERIC_KINDS:
            title = {
                "project": "Projects",
                "model": "Models",
                "agent": "Agents",
                "branch": "Branches",
            }.get(kind, kind.capitalize())
            routes[f"/report/{kind}"] = (title, _kind_page(kind))
        if self.team is not None:
            routes["/report/user"] = ("Users", _kind_page("user"))
            routes["/report/machine"] = ("Machines", _kind_page("machine"))
        nav = TEAM_NAV if self.team is not None else NAV
        if path == "/prices":
            return 200, page("Prices", pages.prices_body(), active="/prices", nav=nav)
        if path not in routes:
            return 404, page("Not found", '<p class="empty">No such page.</p>', live=False, nav=nav)
        title, body = routes[path]
        try:
            if path == "/blocks" and "period" not in params:
                params = {**params, "period": "30d"}  # all blocks of a big ledger: ask for them
            view = parse_view(params)
        except TokentrailError as exc:
            return 400, page("Bad request", f'<p class="error">{_esc(exc)}</p>', nav=nav)
        extra = (
            {"id": params["id"]} if path in ("/session", "/request") and "id" in params else None
        )
        form = pages.picker(view, path, extra, team=self.team is not None)
        active = "/sessions" if path in ("/session", "/request") else path
        try:
            source = self.open(view)
        except sqlite3.Error as exc:
            return 503, page(title, f'<p class="error">cannot read the ledger: {_esc(exc)}</p>')
        if source is None:
            msg = f"No ledger yet at {self.ledger}: run tokentrail ingest (or --ingest-every)."
            return 200, page(
                title,
                f'<p class="empty">{_esc(msg)}</p>',
                active=active,
                picker=form,
                query=view.query(),
                nav=nav,
            )
        try:
            with source, source.snapshot():
                html = body(source, view)
        except TokentrailError as exc:
            return 400, page(
                title,
                f'<p class="error">{_esc(exc)}</p>',
                active=active,
                picker=form,
                query=view.query(),
                nav=nav,
            )
        except sqlite3.Error as exc:
            return 503, page(title, f'<p class="error">cannot read the ledger: {_esc(exc)}</p>')
        if self.ingest_error:
            note = f"The background ingest failed: {self.ingest_error} (it will try again)."
            html = f'<p class="error">{_esc(note)}</p>' + html
        return 200, page(title, html, active=active, picker=form, query=view.query(), nav=nav)


def _kind_page(kind: str) -> Callable[[Source, View], str]:
    from tokentrail.web.pages import kind_body

    return lambda s, v: kind_body(s, v, kind)


def _esc(value: object) -> str:
    from tokentrail.web.html import esc

    return esc(value)


class DashboardServer(ThreadingHTTPServer):
    """The HTTP server of one :class:`Dashboard`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], dashboard: Dashboard) -> None:
        self.dashboard = dashboard
        super().__init__(address, Handler)
        self.cookie = f"{COOKIE}_{self.server_address[1]}"

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet: a client that went away is no error of the dashboard's (and a traceback
        on the terminal helps nobody)."""


class Handler(BaseHTTPRequestHandler):
    """GET only; see the module doc for the token rule and the headers."""

    server: DashboardServer
    server_version = "tokentrail"
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the URLs may carry the token, which is never logged."""

    def _send(
        self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Cache-Control", "no-store")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _authorized(self) -> bool:
        raw = self.headers.get("Cookie")
        if not raw:
            return False
        try:
            jar = SimpleCookie(raw)
        except CookieError:
            return False
        morsel = jar.get(self.server.cookie)
        return morsel is not None and _same(morsel.value, self.server.dashboard.token)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_POST(self) -> None:
        """Nothing is written through the dashboard: 405 (401 without the token)."""
        if not self._authorized():
            return self._deny()
        self._send(405, b"405 Method Not Allowed\n", "text/plain; charset=utf-8",
                   {"Allow": "GET, HEAD"})  # fmt: skip

    do_PUT = do_DELETE = do_PATCH = do_POST

    def do_GET(self) -> None:
        """Answer a GET; an unexpected error is a 500 page, never a traceback."""
        try:
            self._get()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser went away
        except Exception:
            body = b"500 Internal Server Error: the page could not be built.\n"
            with contextlib.suppress(OSError):
                self._send(500, body, "text/plain; charset=utf-8")

    def _get(self) -> None:
        url = urlsplit(self.path)
        pairs = parse_qsl(url.query, keep_blank_values=True)
        params: dict[str, str] = {}
        for k, v in pairs:
            params.setdefault(k, v)
        token = self.server.dashboard.token
        if "token" in params:
            if not _same(params["token"], token):
                return self._deny()
            rest = urlencode([(k, v) for k, v in pairs if k != "token"])
            cookie = f"{self.server.cookie}={token}; HttpOnly; SameSite=Strict; Path=/"
            location = url.path + (f"?{rest}" if rest else "")
            return self._send(303, b"", "text/plain", {"Location": location, "Set-Cookie": cookie})
        if not self._authorized():
            return self._deny()
        if url.path == "/favicon.ico":
            return self._static("favicon.svg")
        if url.path.startswith("/static/"):
            return self._static(url.path.removeprefix("/static/"))
        if url.path == "/api/version":
            v = self.server.dashboard.version()
            return self._send(200, f'{{"version": "{v}"}}'.encode(), "application/json")
        status, html = self.server.dashboard.render(url.path, params)
        self._send(status, html.encode("utf-8"), "text/html; charset=utf-8")

    def _deny(self) -> None:
        body = b"401 Unauthorized: open the URL tokentrail serve printed (it carries the token).\n"
        self._send(HTTPStatus.UNAUTHORIZED, body, "text/plain; charset=utf-8")

    def _static(self, name: str) -> None:
        if name not in _STATIC:
            return self._send(404, b"not found\n", "text/plain; charset=utf-8")
        data = resources.files("tokentrail.web").joinpath("static").joinpath(name).read_bytes()
        self._send(200, data, _STATIC[name])


def _same(given: str, token: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), token.encode())


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address or ``localhost``."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def packaged_css() -> str:
    """The stylesheet (inlined by ``report --html``)."""
    return (
        resources.files("tokentrail.web").joinpath("static").joinpath("app.css").read_text("utf-8")
    )
