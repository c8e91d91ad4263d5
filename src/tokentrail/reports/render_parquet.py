"""Parquet rendering of a report (optional extra ``tokentrail[parquet]``, i.e. pyarrow).

The same flat rows as the CSV (:func:`tokentrail.reports.fields.flat_rows`), with one
fixed schema per report kind whatever the data (:func:`tokentrail.reports.fields.columns`
and :func:`~tokentrail.reports.fields.column_type`): token counts int64, ``cost_usd`` and
other money ``decimal128(38, 12)`` (exact to the picodollar, null when unpriced), ratios
and rates float64, flags bool, the rest strings; null where a value does not apply.
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

from tokentrail.errors import UserInputError
from tokentrail.reports.fields import column_type, columns, flat_rows
from tokentrail.reports.model import Report

__all__ = ["write_parquet"]

_PICO = Decimal(10) ** -12


def _arrow_type(pa: Any, name: str) -> Any:
    return {
        "int": pa.int64(),
        "decimal": pa.decimal128(38, 12),
        "float": pa.float64(),
        "bool": pa.bool_(),
        "string": pa.string(),
    }[column_type(name)]


def _value(kind: str, v: Any) -> Any:
    if v is None:
        return None
    if kind == "decimal":
        return Decimal(v).quantize(_PICO)
    if kind == "float":
        return float(v)  # float ok: ratios (cache_hit_ratio); money is "decimal"
    if kind == "string":
        return str(v)
    return v


def write_parquet(report: Report, path: str | os.PathLike[str], breakdown: bool = False) -> None:
    """Write ``report`` to ``path`` as one Parquet table."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise UserInputError("--parquet needs pyarrow: pip install 'tokentrail[parquet]'") from exc
    rows = flat_rows(report, breakdown)
    names = columns(report.kind)
    arrays = []
    for name in names:
        kind = column_type(name)
        values = [_value(kind, r[name]) for r in rows]
        arrays.append(pa.array(values, type=_arrow_type(pa, name)))
    table = pa.Table.from_arrays(arrays, names=names)
    try:
        pq.write_table(table, os.fspath(path))
    except OSError as exc:
        raise UserInputError(f"cannot write {os.fspath(path)}: {exc}") from exc
