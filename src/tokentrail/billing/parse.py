"""Report pages -> stored rows, checked field by field.

Shapes follow the public reference (``ADMIN_API.md``). A field of the wrong type is one
:class:`~tokentrail.billing.client.AdminApiError` line naming the endpoint and the path of
the field (``data[2].results[0].output_tokens``); never a traceback, never a partial pull
(nothing is stored until every page of a report has been read). A dimension or count the
API leaves out is null / 0 (a dimension not grouped on is null).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from tokentrail.billing.client import AdminApiError
from tokentrail.ledger.billing_store import (
    COST_DIMS,
    USAGE_DIMS,
    AnalyticsBucket,
    CostBucket,
    UsageBucket,
)

__all__ = ["analytics_rows", "cost_rows", "parse_instant", "usage_rows"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MAX_COUNT = 10**15  # far above any real bucket; SQLite integers hold 9.2e18


def parse_instant(value: object, where: str) -> int:
    """RFC 3339 -> integer ms since the epoch (UTC)."""
    if not isinstance(value, str):
        raise AdminApiError(f"{where} is not an RFC 3339 time")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise AdminApiError(f"{where} is not an RFC 3339 time: {value[:40]!r}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return (dt - _EPOCH) // timedelta(milliseconds=1)


def _count(obj: dict[str, Any], key: str, where: str) -> int:
    v = obj.get(key)
    if v is None:
        return 0
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= _MAX_COUNT:
        raise AdminApiError(f"{where}.{key} is not a non-negative integer")
    return v


def _obj(obj: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    v = obj.get(key)
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise AdminApiError(f"{where}.{key} is not an object")
    return v


def _dim(obj: dict[str, Any], key: str, where: str) -> str | None:
    v = obj.get(key)
    if v is None or isinstance(v, str):
        return v
    raise AdminApiError(f"{where}.{key} is not a string or null")


def _dated(body: Any, path: str) -> Iterator[tuple[dict[str, Any], int, int, str]]:
    """Each ``data[i]`` object of a page with its ``starting_at`` / ``ending_at`` instants
    and its path (for messages)."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        raise AdminApiError(f"{path}: the response has no data list")
    for i, item in enumerate(data):
        where = f"{path}: data[{i}]"
        if not isinstance(item, dict):
            raise AdminApiError(f"{where} is not an object")
        start = parse_instant(item.get("starting_at"), f"{where}.starting_at")
        end = parse_instant(item.get("ending_at"), f"{where}.ending_at")
        yield item, start, end, where


def _results(body: Any, path: str) -> Iterator[tuple[int, int, dict[str, Any], str]]:
    """Each ``results[j]`` object of each bucket of a report page, with its bucket's
    instants and its path."""
    for bucket, start, end, where in _dated(body, path):
        results = bucket.get("results")
        if results is None:
            results = []
        if not isinstance(results, list):
            raise AdminApiError(f"{where}.results is not a list")
        for j, r in enumerate(results):
            w = f"{where}.results[{j}]"
            if not isinstance(r, dict):
                raise AdminApiError(f"{w} is not an object")
            yield start, end, r, w


def usage_rows(body: Any, width: str, path: str) -> list[UsageBucket]:
    """Rows of one usage-report page."""
    rows = []
    for start, end, r, w in _results(body, path):
        cc = _obj(r, "cache_creation", w)
        stu = _obj(r, "server_tool_use", w)
        dims = {d: _dim(r, d, w) for d in USAGE_DIMS}
        rows.append(
            UsageBucket(
                width,
                start,
                end,
                **dims,
                uncached_input_tokens=_count(r, "uncached_input_tokens", w),
                cache_5m_tokens=_count(cc, "ephemeral_5m_input_tokens", f"{w}.cache_creation"),
                cache_1h_tokens=_count(cc, "ephemeral_1h_input_tokens", f"{w}.cache_creation"),
                cache_read_tokens=_count(r, "cache_read_input_tokens", w),
                output_tokens=_count(r, "output_tokens", w),
                web_search_requests=_count(stu, "web_search_requests", f"{w}.server_tool_use"),
            )
        )
    return rows


def cents(value: object, where: str) -> str:
    """A cost ``amount`` (decimal string in cents) checked and kept as text."""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise AdminApiError(f"{where} is not a decimal string")
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise AdminApiError(f"{where} is not a decimal string: {str(value)[:40]!r}") from None
    if not d.is_finite():
        raise AdminApiError(f"{where} is not a finite amount")
    return str(value).strip() if isinstance(value, str) else format(d, "f")


def cost_rows(body: Any, path: str) -> list[CostBucket]:
    """Rows of one cost-report page."""
    rows = []
    for start, end, r, w in _results(body, path):
        dims = {d: _dim(r, d, w) for d in COST_DIMS}
        rows.append(CostBucket(start, end, cents(r.get("amount"), f"{w}.amount"), **dims))
    return rows


def analytics_rows(body: Any, kind: str, width: str, path: str) -> list[AnalyticsBucket]:
    """Items of one Analytics API page (``{starting_at, ending_at, group, usage|cost}``)."""
    rows = []
    for item, start, end, w in _dated(body, path):
        group = _obj(item, "group", w)
        payload = _obj(item, kind, w)
        if kind == "cost" and "amount" in payload:
            cents(payload["amount"], f"{w}.cost.amount")
        rows.append(
            AnalyticsBucket(
                kind,
                width,
                start,
                end,
                json.dumps(group, sort_keys=True, separators=(",", ":"), default=str),
                json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str),
            )
        )
    return rows
