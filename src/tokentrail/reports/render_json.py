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
``cache_hit_ratio`` as a number or ``null``, ``flagged_requests`` (requests priced on an
assumption) and ``flags`` (their flag codes, a sorted list). ``<extra>`` are the kind's
:data:`tokentrail.reports.fields.EXTRA_COLUMNS`, on every row (``null`` where a value does
not apply, e.g. the burn rate of an inactive block).
"""

from __future__ import annotations

from decimal import Decimal

from tokentrail.reports.fields import EXTRA_COLUMNS, totals_fields, usd_str
from tokentrail.reports.model import SCHEMA_VERSION, Report, priced_models

TYPE_CHECKING = False  # typing's constant without importing typing (~10 ms a run)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["render_json", "report_to_dict"]

_quote: Any
c_make_encoder: Any
try:  # the C encoder json.encoder itself uses, without importing the json package (and re)
    import _json

    _quote = _json.encode_basestring_ascii
    c_make_encoder = _json.make_encoder
except ImportError:  # pragma: no cover - not CPython
    from json.encoder import py_encode_basestring_ascii as _quote

    c_make_encoder = None


def _plain(v: Any) -> Any:
    if isinstance(v, Decimal):
        return usd_str(v)
    if isinstance(v, float):
        return round(v, 6)
    return v


def _fields(t: Any) -> dict[str, Any]:
    d = totals_fields(t)
    for k, v in d.items():
        if type(v) is not int:
            d[k] = _plain(v)  # same keys: assigning values while iterating is safe
    return d


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


class _Unusual(Exception):
    """A value :func:`_dumps` leaves to :func:`json.dumps`."""


_SCALARS = frozenset({str, int, float, bool, type(None)})
_STR = frozenset({str})
_DICT = frozenset({dict})
_ENCODERS: dict[str, Any] = {}


def _no_default(o: Any) -> Any:
    raise _Unusual


def _run(values: dict[str, Any] | list[Any] | tuple[Any, ...], inner: str) -> str:
    """Scalar ``values`` as ``json.dumps(..., indent=2)`` writes them at indentation
    ``inner``, without the brackets: the C encoder with ``"," + inner`` between items."""
    enc = _ENCODERS.get(inner)
    if enc is None:
        sep = "," + inner
        if c_make_encoder is not None:
            enc = c_make_encoder(None, _no_default, _quote, None, ": ", sep, False, False, True)
        else:  # pragma: no cover - CPython always has the C encoder
            import json

            enc = json.JSONEncoder(separators=(sep, ": ")).iterencode  # (values, _one_shot)
        _ENCODERS[inner] = enc
    return "".join(enc(values, False))[1:-1]


def _flat_dicts(items: list[Any] | tuple[Any, ...]) -> bool:
    """Whether ``items`` are all non-empty dicts of str keys and plain values."""
    if not _DICT.issuperset(map(type, items)):
        return False
    return all(
        d and _SCALARS.issuperset(map(type, d.values())) and _STR.issuperset(map(type, d))
        for d in items
    )


def _dict_list(items: list[Any] | tuple[Any, ...], pad: str, inner: str) -> str:
    """A list of :func:`_flat_dicts` as ``json.dumps(..., indent=2)`` writes it at ``pad``,
    from one C call: every dict's items are separated by ``"," + inner2`` already, and the
    list's own separators are the only places where ``}`` + that separator + ``{`` occur
    (a separator holds a newline, which no encoded string holds; a flat dict's values end
    in ``"``, a digit or a letter), so one replace indents them one level less."""
    inner2 = inner + "  "
    body = _run(items, inner2)[1:-1]  # without the first "{" and the last "}"
    body = body.replace("}," + inner2 + "{", inner + "}," + inner + "{" + inner2)
    return "[" + inner + "{" + inner2 + body + inner + "}" + pad + "]"


def _dumps(obj: Any, pad: str, out: list[str]) -> None:
    """Append ``obj`` as ``json.dumps(obj, indent=2)`` writes it at indentation ``pad``
    (``"\\n"`` plus two spaces per level) to ``out``. Runs of plain values (str, int,
    float, bool, None) are written by the C encoder; containers (dict with str keys, list,
    tuple) here; anything else raises :class:`_Unusual`."""
    t = type(obj)
    if t in _SCALARS:
        out.append(_run([obj], pad))  # the one item of a list, without the brackets
        return
    if t is not dict and t is not list and t is not tuple:
        raise _Unusual
    close = "}" if t is dict else "]"
    if not obj:
        out.append("{}" if t is dict else "[]")
        return
    inner = pad + "  "
    if _SCALARS.issuperset(map(type, obj.values() if t is dict else obj)) and (
        t is not dict or _STR.issuperset(map(type, obj))
    ):  # flat: one C call
        out.append(("{" if t is dict else "[") + inner + _run(obj, inner) + pad + close)
        return
    if t is not dict and _flat_dicts(obj):
        out.append(_dict_list(obj, pad, inner))
        return
    comma = "," + inner
    out.append(("{" if t is dict else "[") + inner)
    first = True
    run: Any = {} if t is dict else []
    items = obj.items() if t is dict else enumerate(obj)
    for k, v in items:
        tv = type(v)
        if t is dict and type(k) is not str:
            raise _Unusual
        if tv in _SCALARS:
            if t is dict:
                run[k] = v
            else:
                run.append(v)
            continue
        if run:
            if not first:
                out.append(comma)
            out.append(_run(run, inner))
            run = {} if t is dict else []
            first = False
        if not first:
            out.append(comma)
        if t is dict:
            out.append(_quote(str(k)) + ": ")
        _dumps(v, inner, out)
        first = False
    if run:
        if not first:
            out.append(comma)
        out.append(_run(run, inner))
    out.append(pad + close)


def render_json(report: Report) -> str:
    """``report`` as indented JSON text: exactly ``json.dumps(report_to_dict(report),
    indent=2)``, written by a direct encoder for the plain values a report holds (the
    standard encoder's indented mode is pure Python and several times slower)."""
    data = report_to_dict(report)
    out: list[str] = []
    try:
        _dumps(data, "\n", out)
    except (_Unusual, RecursionError):
        import json

        return json.dumps(data, indent=2)
    return "".join(out)
