"""The one mapping from report objects to named output fields (JSON, CSV, Parquet).

Field names are snake_case and follow the API's usage fields (``input_tokens``,
``cache_creation_input_tokens``, ``ephemeral_5m_input_tokens``...). Money is Decimal USD
here; renderers print it as an exact decimal string. ``cost_usd`` is ``None`` when every
request of the row is unpriced (never $0); ``cache_hit_ratio`` is a float in [0, 1] or
``None`` when the row read no input.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tokentrail.ledger import Totals
from tokentrail.reports.model import Report, ReportRow, cache_hit_ratio, cost_or_none, priced_models

__all__ = ["FIELD_NAMES", "INT_FIELDS", "extra_names", "flat_rows", "totals_fields", "usd_str"]

#: Token and request counts (ints), in output order.
INT_FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
    "ephemeral_5m_input_tokens",
    "ephemeral_1h_input_tokens",
    "total_tokens",
    "web_search_requests",
    "web_fetch_requests",
    "requests",
    "incomplete_requests",
    "unpriced_requests",
    "synthetic_messages",
)
#: Every numeric field of a row, in output order.
FIELD_NAMES = (*INT_FIELDS, "cost_usd", "cache_hit_ratio")


def usd_str(value: Decimal) -> str:
    """Exact decimal string without exponent or trailing zeros (``"1.5366613"``, ``"0"``)."""
    s = format(value.normalize(), "f")
    return "0" if s in ("-0", "0") else s


def totals_fields(t: Totals) -> dict[str, Any]:
    """The numeric fields of one row (money as Decimal or None)."""
    return {
        "input_tokens": t.input_tokens,
        "output_tokens": t.output_tokens,
        "cache_creation_input_tokens": t.cache_creation_tokens,
        "cache_read_input_tokens": t.cache_read_tokens,
        "ephemeral_5m_input_tokens": t.cache_5m_tokens,
        "ephemeral_1h_input_tokens": t.cache_1h_tokens,
        "total_tokens": t.total_tokens,
        "web_search_requests": t.web_search_requests,
        "web_fetch_requests": t.web_fetch_requests,
        "requests": t.requests,
        "incomplete_requests": t.incomplete,
        "unpriced_requests": t.unpriced,
        "synthetic_messages": t.synthetic,
        "cost_usd": cost_or_none(t),
        "cache_hit_ratio": _ratio(t),
    }


def _ratio(t: Totals) -> float | None:
    r = cache_hit_ratio(t)
    return None if r is None else round(r, 6)  # the same value in JSON, CSV and Parquet


def extra_names(report: Report) -> list[str]:
    """Kind-specific columns, in first-seen order over the rows."""
    names: list[str] = []
    for r in report.rows:
        for k in r.extra:
            if k not in names:
                names.append(k)
    return names


def _row(
    report: Report, row_type: str, key: str, model: str, t: Totals, extra: dict[str, Any]
) -> dict[str, Any]:
    out: dict[str, Any] = {"row_type": row_type, report.key_name: key}
    for name in extra_names(report):
        out[name] = extra.get(name)
    out["model"] = model
    out.update(totals_fields(t))
    return out


def flat_rows(report: Report, breakdown: bool) -> list[dict[str, Any]]:
    """One flat record per row (``row_type`` ``"row"``), per model of each row when
    ``breakdown`` (``"model"``), and the totals (``"total"``). ``model`` holds the models
    used (``"a; b"``) on aggregate rows and the model id on breakdown rows."""
    out: list[dict[str, Any]] = []

    def add(kind: str, key: str, r: ReportRow | None, totals: Totals, models: Any) -> None:
        extra = dict(r.extra) if r is not None else {}
        out.append(_row(report, kind, key, "; ".join(priced_models(models)), totals, extra))
        if breakdown:
            for m, t in sorted(models.items()):
                out.append(_row(report, "model", key, m, t, extra))

    for r in report.rows:
        add("row", r.key, r, r.totals, r.models)
    add("total", "", None, report.totals, report.models)
    return out
