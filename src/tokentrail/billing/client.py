"""A small Admin API client over the ``anthropic`` SDK's HTTP layer (httpx).

The installed SDK (2.10) has no method for the Admin usage / cost reports (only the
Analytics beta, read through it by :mod:`tokentrail.billing.sdk_analytics`; see
``ADMIN_API.md``), so those are called here with the documented headers: ``x-api-key``,
``anthropic-version: 2023-06-01`` (and ``anthropic-beta`` where a report needs it).
:meth:`AdminClient.pages` follows ``has_more`` / ``next_page`` to the end.

Failures: 429 waits ``retry-after`` (seconds or an HTTP date, capped) and 5xx / connection
errors back off exponentially, both at most :data:`MAX_ATTEMPTS` times in all; 401 / 403 /
404 / other 4xx and a body that is not a JSON object raise :class:`AdminApiError`, one line
naming the endpoint and what is wrong. The key never appears in an error, a log or output:
text from the server is scrubbed of it before use.
"""

from __future__ import annotations

import email.utils
import importlib
import json
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from tokentrail.billing.key import AdminKey
from tokentrail.errors import TokentrailError, UserInputError

__all__ = [
    "ANTHROPIC_VERSION",
    "DEFAULT_BASE_URL",
    "MAX_ATTEMPTS",
    "AdminApiError",
    "AdminClient",
]

DEFAULT_BASE_URL = "https://api.anthropic.com"
ANTHROPIC_VERSION = "2023-06-01"
#: Tries per request (the first plus retries) on 429, 5xx and connection errors.
MAX_ATTEMPTS = 6
#: Longest single wait, in seconds, whatever ``retry-after`` asks.
MAX_WAIT = 120.0  # float ok: seconds
#: Most pages followed for one report (a server that never stops is an error, not a hang).
MAX_PAGES = 10_000


class AdminApiError(TokentrailError):
    """The Admin / Analytics API refused a request or answered something unreadable;
    ``status`` is the HTTP status (None for a transport failure or a bad body)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def _http() -> Any:
    """The SDK's HTTP library (``httpx2`` in the SDK builds that vendor it, else ``httpx``)."""
    for name in ("httpx2", "httpx"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise UserInputError(
        "tokentrail billing needs the anthropic SDK's HTTP layer (httpx): "
        "pip install 'tokentrail[anthropic]'"
    )


def _clean(text: str, key: AdminKey, limit: int = 200) -> str:
    """Server text made safe for one line: the key removed, control characters dropped."""
    secret = key.header_value()
    if secret:
        text = text.replace(secret, "<redacted>")
    text = "".join(c if c.isprintable() else " " for c in text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _retry_after(value: str | None, now: float) -> float | None:  # float ok: seconds
    if not value:
        return None
    try:
        return max(0.0, float(value))  # float ok: seconds
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


class AdminClient:
    """GET requests to the Admin API at ``base_url`` with ``key``.

    ``sleep`` is called for every wait (tests pass a recorder); ``on_retry(path, status,
    wait)`` is told of each retry (progress lines).
    """

    def __init__(
        self,
        key: AdminKey,
        base_url: str = DEFAULT_BASE_URL,
        *,
        sleep: Callable[[float], None] = time.sleep,
        on_retry: Callable[[str, int | None, float], None] | None = None,
        timeout: float = 60.0,  # float ok: seconds
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self._key = key
        self.base_url = base_url.rstrip("/")
        self._sleep = sleep
        self._on_retry = on_retry
        self._max_attempts = max(1, max_attempts)
        self._httpx = _http()
        self._client = self._httpx.Client(timeout=timeout, follow_redirects=False)

    def __enter__(self) -> AdminClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def __repr__(self) -> str:
        return f"AdminClient({self.base_url!r})"

    def _headers(self, beta: str | None) -> dict[str, str]:
        h = {
            "x-api-key": self._key.header_value(),
            "anthropic-version": ANTHROPIC_VERSION,
            "accept": "application/json",
            "user-agent": "tokentrail-billing",
        }
        if beta:
            h["anthropic-beta"] = beta
        return h

    def get(self, path: str, params: list[tuple[str, str]], beta: str | None = None) -> Any:
        """One GET, retried on 429 / 5xx / connection errors; the parsed JSON object."""
        url = self.base_url + path
        status: int | None = None
        for attempt in range(self._max_attempts):
            wait: float | None = None  # float ok: seconds
            try:
                resp = self._client.get(url, params=params, headers=self._headers(beta))
            except self._httpx.HTTPError as exc:
                status, reason = None, f"{type(exc).__name__}: {_clean(str(exc), self._key)}"
            else:
                status = int(resp.status_code)
                if status == 200:
                    return self._parse(path, resp.content)
                reason = self._reason(resp)
                if status == 429:
                    wait = _retry_after(resp.headers.get("retry-after"), time.time())
                elif status < 500:
                    raise self._refused(path, status, reason)
            if attempt + 1 >= self._max_attempts:
                break
            delay = min(MAX_WAIT, wait if wait is not None else 0.5 * 2**attempt)
            if self._on_retry is not None:
                self._on_retry(path, status, delay)
            self._sleep(delay)
        what = f"HTTP {status}" if status is not None else "no response"
        raise AdminApiError(
            f"{path}: {what} after {self._max_attempts} attempts ({reason})", status
        )

    def pages(
        self, path: str, params: list[tuple[str, str]], beta: str | None = None
    ) -> Iterator[Any]:
        """Every page of a paginated report (``has_more`` / ``next_page``), in order."""
        token: str | None = None
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            body = self.get(path, params + ([("page", token)] if token else []), beta)
            yield body
            more = body.get("has_more")
            token = body.get("next_page")
            if more is False or (more is None and not token):  # as the SDK's page cursor
                return
            if not isinstance(token, str) or not token:
                raise AdminApiError(f"{path}: has_more is true but next_page is missing")
            if token in seen:
                raise AdminApiError(f"{path}: next_page repeats an earlier page (a loop)")
            seen.add(token)
        raise AdminApiError(f"{path}: more than {MAX_PAGES} pages")

    def _parse(self, path: str, content: bytes) -> Any:
        try:  # decimals stay exact, even a money amount sent as a JSON number
            body = json.loads(content, parse_float=Decimal)
        except (ValueError, UnicodeDecodeError):
            raise AdminApiError(f"{path}: the response is not JSON") from None
        if not isinstance(body, dict):
            raise AdminApiError(f"{path}: the response is not a JSON object")
        return body

    def _reason(self, resp: Any) -> str:
        try:
            err = json.loads(resp.content).get("error", {})
            msg = f"{err.get('type', '')}: {err.get('message', '')}".strip(": ")
        except (ValueError, AttributeError, UnicodeDecodeError):
            msg = ""
        return _clean(msg or str(resp.reason_phrase or ""), self._key)

    def _refused(self, path: str, status: int, reason: str) -> AdminApiError:
        detail = f" ({reason})" if reason else ""
        if status == 401:
            msg = (
                f"the Admin API refused the key (HTTP 401{detail}): an Admin key "
                "(sk-ant-admin…) is needed in ANTHROPIC_ADMIN_KEY or --admin-key-file"
            )
        elif status == 403:
            msg = f"{path}: the key may not read this (HTTP 403{detail})"
        else:
            msg = f"{path}: HTTP {status}{detail}"
        return AdminApiError(msg, status)
