"""The one mapping from report objects to named output fields (JSON, CSV, Parquet).

Field names are snake_case and follow the API's usage fields (``input_tokens``,
``cache_creation_input_tokens``, ``ephemeral_5m_input_tokens``...). Money is Decimal USD
here; renderers print it as an exact decimal string. ``cost_usd`` is ``None`` when every
request of the row is unpriced (never $0); ``cache_hit_ratio`` is a float in [0, 1] or
``None`` when the row read no input. ``flagged_requests`` counts the priced requests whose
cost rests on an assumption (price flags) and ``flags`` lists their flag codes, sorted (a
list in JSON, ``"a; b"`` in CSV and Parquet).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from tokentrail.ledger.totals import Totals
from tokentrail.reports.model import KINDS, Report, cache_hit_ratio, cost_or_none, priced_models

TYPE_CHECKING = False  # typing's constant without importing typing (~10 ms a run)
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "COLUMN_TYPES",
    "EXTRA_COLUMNS",
    "FIELD_NAMES",
    "INT_FIELDS",
    "column_type",
    "columns",
    "flat_rows",
    "totals_fields",
    "usd_str",
]

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
    "flagged_requests",
    "synthetic_messages",
)
#: Every field of a row, in output order: the numbers, then the flag codes.
FIELD_NAMES = (*INT_FIELDS, "cost_usd", "cache_hit_ratio", "flags")


def usd_str(value: Decimal) -> str:
    """Exact decimal string without exponent or trailing zeros (``"1.5366613"``, ``"0"``)."""
    s = format(value.normalize(), "f")
    return "0" if s in ("-0", "0") else s


def totals_fields(t: Totals) -> dict[str, Any]:
    """The fields of one row (money as Decimal or None, flag codes as a list)."""
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
        "flagged_requests": t.flagged,
        "synthetic_messages": t.synthetic,
        "cost_usd": cost_or_none(t),
        "cache_hit_ratio": _ratio(t),
        "flags": list(t.flags),
    }


def _ratio(t: Totals) -> float | None:
    r = cache_hit_ratio(t)
    return None if r is None else round(r, 6)  # the same value in JSON, CSV and Parquet


#: Kind-specific columns, after the key, in output order. Every row of a report of that
#: kind has all of them (``None`` / an empty cell where a value does not apply: an
#: inactive block has no burn rate).
EXTRA_COLUMNS: dict[str, tuple[str, ...]] = {
    "session": ("project", "first_activity", "last_activity"),
    "blocks": (
        "block_end",
        "first_activity",
        "last_activity",
        "is_active",
        "remaining_minutes",
        "tokens_per_minute",
        "cost_per_hour_usd",
        "projected_total_tokens",
        "projected_cost_usd",
    ),
}

if TYPE_CHECKING:
    from typing import Literal

    ColumnType = Literal["string", "int", "decimal", "float", "bool"]
else:  # a name for type checkers: plain ``str`` at run time (annotations are not evaluated)
    ColumnType = str

#: The type of every column but the key and the text columns (which are ``"string"``):
#: what Parquet stores (int64, decimal128(38, 12) USD, float64, bool).
COLUMN_TYPES: dict[str, ColumnType] = {
    **dict.fromkeys(INT_FIELDS, "int"),
    "cost_usd": "decimal",
    "cache_hit_ratio": "float",
    "is_active": "bool",
    "remaining_minutes": "int",
    "tokens_per_minute": "float",
    "cost_per_hour_usd": "decimal",
    "projected_total_tokens": "int",
    "projected_cost_usd": "decimal",
}


def columns(kind: str) -> list[str]:
    """The flat columns of a ``kind`` report, the same whatever the data.

    ``row_type``, the key (``date``, ``session_id``, ``model``...), the kind's
    :data:`EXTRA_COLUMNS`, ``models`` (the models used, ``"a; b"``), ``model`` (the model
    id of a breakdown row; absent from the ``model`` report, whose key it is), then
    :data:`FIELD_NAMES`.
    """
    key = KINDS[kind][0]
    per_model = [] if key == "model" else ["model"]
    return ["row_type", key, *EXTRA_COLUMNS.get(kind, ()), "models", *per_model, *FIELD_NAMES]


def column_type(name: str) -> ColumnType:
    """The type of column ``name`` (:data:`COLUMN_TYPES`, else ``"string"``)."""
    return COLUMN_TYPES.get(name, "string")


def flat_rows(report: Report, breakdown: bool) -> list[dict[str, Any]]:
    """One flat record per row (``row_type`` ``"row"``), per model of each row and of the
    totals when ``breakdown`` (``"model"``; not for the ``model`` report, one model per row
    already), and the totals (``"total"``). Every record has exactly :func:`columns`
    (``None`` where a value does not apply). ``models`` lists the models used
    (``<synthetic>`` left out); ``model`` is the model id of a breakdown row; ``flags``
    the flag codes, ``"; "``-separated (``""`` for none)."""
    names = columns(report.kind)
    key_name = report.key_name
    breakdown = breakdown and key_name != "model"
    out: list[dict[str, Any]] = []

    def record(kind: str, key: str, extra: Mapping[str, object], models: str, model: str | None,
               t: Totals) -> dict[str, Any]:  # fmt: skip
        rec: dict[str, Any] = dict.fromkeys(names)
        rec.update({n: extra.get(n) for n in EXTRA_COLUMNS.get(report.kind, ())})
        rec.update(row_type=kind, models=models, **totals_fields(t))
        rec["flags"] = "; ".join(t.flags)
        rec[key_name] = key
        if key_name != "model":
            rec["model"] = model
        return rec

    def add(kind: str, key: str, extra: Mapping[str, object], totals: Totals,
            models: Mapping[str, Totals]) -> None:  # fmt: skip
        out.append(record(kind, key, extra, "; ".join(priced_models(models)), None, totals))
        if breakdown:
            for m, t in sorted(models.items()):
                out.append(record("model", key, extra, "; ".join(priced_models({m: t})), m, t))

    for r in report.rows:
        add("row", r.key, r.extra, r.totals, r.models)
    add("total", "", {}, report.totals, report.models)
    return out
