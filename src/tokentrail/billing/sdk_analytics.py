"""The Analytics API through the ``anthropic`` SDK, which has it
(``client.beta.organization.analytics.usage.list`` / ``.cost.list``, with their beta header):
each page as the JSON object the API sent (``SyncReportPageCursor`` dumped), for
:func:`tokentrail.billing.parse.analytics_rows`. Without the SDK installed, :func:`sdk_pages`
returns None and :mod:`tokentrail.billing.pull` calls the endpoint over httpx itself.

The SDK retries 429 / 5xx on its own (twice: the report is a beta, a failure only a note).
Its errors become :class:`~tokentrail.billing.client.AdminApiError` lines naming the status,
never the key.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

from tokentrail.billing.client import AdminApiError
from tokentrail.billing.key import AdminKey

__all__ = ["sdk_pages"]

#: Retries the SDK makes for the Analytics API (a beta whose failure is only a note).
_RETRIES = 2


def sdk_pages(
    key: AdminKey,
    base_url: str,
    kind: str,
    path: str,
    *,
    starting_at: str,
    ending_at: str,
    group_by: list[str],
) -> Iterator[Any] | None:
    """Pages of the Analytics ``kind`` (``usage`` / ``cost``) report, or None without the SDK."""
    try:
        anthropic: Any = importlib.import_module("anthropic")
    except ImportError:
        return None
    return _pages(anthropic, key, base_url, kind, path, starting_at, ending_at, group_by)


def _pages(
    anthropic: Any,
    key: AdminKey,
    base_url: str,
    kind: str,
    path: str,
    starting_at: str,
    ending_at: str,
    group_by: list[str],
) -> Iterator[Any]:
    client = anthropic.Anthropic(
        api_key=key.header_value(), base_url=base_url, max_retries=_RETRIES
    )
    try:
        resource = getattr(client.beta.organization.analytics, kind)
        first = resource.list(
            starting_at=starting_at,
            ending_at=ending_at,
            group_by=group_by,
            time_bucket_width="1d",
        )
        for page in first.iter_pages():
            yield page.model_dump(mode="json")
    except anthropic.APIStatusError as exc:
        raise AdminApiError(f"{path}: HTTP {exc.status_code}", int(exc.status_code)) from None
    except anthropic.APIError as exc:
        raise AdminApiError(f"{path}: {type(exc).__name__} (through the SDK)") from None
    finally:
        client.close()
