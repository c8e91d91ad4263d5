"""JSON rendering of a report: a stable, documented schema.

Shape (``schema_version`` 1)::

    {"schema_version": 1, "report": "daily", "timezone": "UTC", "filters": {...},
     "<rows>": [{"<key>": ..., <fields>, "models": [ids], <extra>,
                 "model_breakdowns": [{"model": id, <fields>}]}],
     "totals": {<fields>, "models": [ids]}}

``<rows>`` is ``daily``, ``weekly``, ``monthly``, ``sessions``, ``projects``, ``models``,
``blocks``, ``agents`` or ``branches``; ``<key>`` is ``date``, ``week`` (its first day),
``month``, ``session_id``, ``project``, ``model``, ``block_start``, ``agent`` or ``branch``.
``<fields>`` are :data:`tokentrail.reports.fields.FIELD_NAMES`: token counts as ints,
``cost_usd`` as an exact decimal string (``null`` when every request is unpriced),
``cache_hit_ratio`` as a number or ``null``. ``<extra>`` are the kind's
:data:`tokentrail.reports.fields.EXTRA_COLUMNS`, on every row (``null`` where a value does
not apply, e.g. the burn rate of an inactive block).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from tokentrail.reports.fields import EXTRA_COLUMNS, totals_fields, usd_str
from tokentrail.reports.model import SCHEMA_VERSION, Report, priced_models

__all__ = ["render_json", "report_to_dict"]


def _plain(v: Any) -> Any:
    if isinstance(v, Decimal):
        return usd_str(v)
    if isinstance(v, float):
        return round(v, 6)
    return v


def _fields(t: Any) -> dict[str, Any]:
    return {k: _plain(v) for k, v in totals_fields(t).items()}


def report_to_dict(report: Report) -> dict[str, Any]:
    """The JSON-ready dict of ``report`` (money as strings, ratios rounded to 6 places)."""
    rows: list[dict[str, Any]] = []
    for r in report.rows:
        row: dict[str, Any] = {report.key_name: r.key, **_fields(r.totals)}
        row["models"] = priced_models(r.models)
        row.update({k: _plain(r.extra.get(k)) for k in EXTRA_COLUMNS.get(report.kind, ())})
        row["model_breakdowns"] = [{"model": m, **_fields(t)} for m, t in sorted(r.models.items())]
        rows.append(row)
    return {
        "schema_version": SCHEMA_VERSION,
        "report": report.kind,
        "timezone": report.timezone,
        "filters": {k: _plain(v) for k, v in report.filters.items()},
        report.list_name: rows,
        "totals": {**_fields(report.totals), "models": priced_models(report.models)},
    }


def render_json(report: Report) -> str:
    """``report`` as indented JSON text."""
    return json.dumps(report_to_dict(report), indent=2)
