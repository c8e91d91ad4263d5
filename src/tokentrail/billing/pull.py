"""``billing pull``: fetch the usage report, the cost report and (when allowed) the
Analytics API for a range of UTC days, and store them (replacing the range).

Each report is read to its last page first, then stored in one transaction
(:class:`~tokentrail.ledger.billing_store.BillingStore`): a pull that fails or is killed
half-way stores nothing of that report, and a re-pull replaces what an earlier one stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from tokentrail.billing.client import AdminApiError, AdminClient
from tokentrail.billing.key import AdminKey
from tokentrail.billing.parse import analytics_rows, cost_rows, usage_rows
from tokentrail.billing.sdk_analytics import sdk_pages
from tokentrail.ledger.billing_store import (
    USAGE_DIMS,
    AnalyticsBucket,
    BillingStore,
    CostBucket,
    UsageBucket,
)

__all__ = [
    "ANALYTICS_BETA",
    "COST_PATH",
    "FAST_MODE_BETA",
    "USAGE_GROUPS",
    "USAGE_PATH",
    "PullResult",
    "day_ms",
    "pull",
]

USAGE_PATH = "/v1/organizations/usage_report/messages"
COST_PATH = "/v1/organizations/cost_report"
ANALYTICS_PATHS = {
    "usage": "/v1/organizations/analytics/usage",
    "cost": "/v1/organizations/analytics/cost",
}
FAST_MODE_BETA = "fast-mode-2026-02-01"
ANALYTICS_BETA = "analytics-usage-cost-2026-08-24"
#: The usage report's groups (``speed`` is asked for apart: it needs the fast-mode beta).
USAGE_GROUPS = tuple(d for d in USAGE_DIMS if d != "speed")
COST_GROUPS = ("workspace_id", "description")
ANALYTICS_GROUPS = ("model", "api_key_id", "workspace_id", "service_tier")
#: Buckets per page asked for (the documented maxima).
LIMITS = {"1d": 31, "1h": 168}


def day_ms(d: date) -> int:
    """Midnight UTC of ``d`` in ms since the epoch."""
    return int(datetime(d.year, d.month, d.day, tzinfo=timezone.utc).timestamp()) * 1000


def _rfc3339(d: date) -> str:
    return f"{d.isoformat()}T00:00:00Z"


@dataclass
class PullResult:
    """What a pull stored: rows per report, pages read, and notes (analytics not allowed,
    speed not grouped)."""

    since: date
    until: date
    usage_rows: int = 0
    hourly_rows: int = 0
    cost_rows: int = 0
    analytics_rows: dict[str, int] = field(default_factory=dict)
    pages: int = 0
    notes: list[str] = field(default_factory=list)


def _analytics_pages(
    client: AdminClient,
    key: AdminKey | None,
    kind: str,
    path: str,
    params: list[tuple[str, str]],
    since: date,
    end: date,
) -> list[Any]:
    """Through the SDK when it is installed and ``key`` is given, else over httpx."""
    if key is not None:
        pages = sdk_pages(
            key,
            client.base_url,
            kind,
            path,
            starting_at=_rfc3339(since),
            ending_at=_rfc3339(end),
            group_by=list(ANALYTICS_GROUPS),
        )
        if pages is not None:
            return list(pages)
    return list(client.pages(path, params, ANALYTICS_BETA))


def pull(
    client: AdminClient,
    store: BillingStore,
    since: date,
    until: date,
    *,
    hourly: bool = False,
    analytics: bool = True,
    progress: Callable[[str], None] | None = None,
    key: AdminKey | None = None,
) -> PullResult:
    """Pull and store the UTC days ``since``..``until`` (both included). With ``key`` the
    Analytics API is read through the ``anthropic`` SDK (when installed). A bucket outside
    the days asked for is not stored (a re-pull of its own days replaces it)."""
    say = progress or (lambda _msg: None)
    end = until + timedelta(days=1)
    lo, hi = day_ms(since), day_ms(end)
    res = PullResult(since, until)
    base = [("starting_at", _rfc3339(since)), ("ending_at", _rfc3339(end))]

    for width in ("1d", "1h") if hourly else ("1d",):
        rows_u: list[UsageBucket] = []
        params = [*base, ("bucket_width", width), ("limit", str(LIMITS[width]))]
        groups = [("group_by[]", g) for g in USAGE_GROUPS]
        try:
            pages = list(
                client.pages(
                    USAGE_PATH, [*params, *groups, ("group_by[]", "speed")], FAST_MODE_BETA
                )
            )
        except AdminApiError as exc:
            if exc.status != 400:
                raise
            res.notes.append("usage report: speed not accepted as a group (fast mode unknown)")
            pages = list(client.pages(USAGE_PATH, params + groups))
        for body in pages:
            rows_u.extend(r for r in usage_rows(body, width, USAGE_PATH) if lo <= r.start_ms < hi)
        res.pages += len(pages)
        n = store.replace_usage(width, lo, hi, rows_u)
        if width == "1d":
            res.usage_rows = n
        else:
            res.hourly_rows = n
        say(f"usage report ({width}): {len(pages)} pages, {n} rows")

    rows_c: list[CostBucket] = []
    params = [*base, ("bucket_width", "1d"), ("limit", "31")]
    pages = list(client.pages(COST_PATH, params + [("group_by[]", g) for g in COST_GROUPS]))
    for body in pages:
        rows_c.extend(r for r in cost_rows(body, COST_PATH) if lo <= r.start_ms < hi)
    res.pages += len(pages)
    res.cost_rows = store.replace_cost(lo, hi, rows_c)
    say(f"cost report: {len(pages)} pages, {res.cost_rows} rows")

    if analytics:
        for kind, path in ANALYTICS_PATHS.items():
            params = [*base, ("time_bucket_width", "1d")]
            params += [("group_by[]", g) for g in ANALYTICS_GROUPS]
            rows_a: list[AnalyticsBucket] = []
            try:
                pages = _analytics_pages(client, key, kind, path, params, since, end)
            except AdminApiError as exc:  # a beta: only a refused key stops the pull
                if exc.status == 401:
                    raise
                if exc.status in (403, 404):
                    why = f"not available to this key (HTTP {exc.status})"
                else:
                    why = f"not read ({exc})"
                res.notes.append(f"analytics {kind}: {why}; skipped")
                continue
            for body in pages:
                rows_a.extend(
                    r for r in analytics_rows(body, kind, "1d", path) if lo <= r.start_ms < hi
                )
            res.pages += len(pages)
            res.analytics_rows[kind] = store.replace_analytics(kind, "1d", lo, hi, rows_a)
            say(f"analytics {kind}: {len(pages)} pages, {res.analytics_rows[kind]} rows")
    return res
