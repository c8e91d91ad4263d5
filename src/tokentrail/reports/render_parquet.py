"""Parquet rendering of a report (optional extra ``tokentrail[parquet]``, i.e. pyarrow).

The same flat rows as the CSV (:func:`tokentrail.reports.fields.flat_rows`), typed: token
counts int64, ``cost_usd`` and other money ``decimal128(38, 12)`` (exact to the
picodollar, null when unpriced), ratios and rates float64, flags bool, the rest strings.
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

from tokentrail.errors import UserInputError
from tokentrail.reports.fields import flat_rows
from tokentrail.reports.model import Report

__all__ = ["write_parquet"]

_PICO = Decimal(10) ** -12


def _type(pa: Any, values: list[Any]) -> Any:
    sample = [v for v in values if v is not None]
    if not sample:
        return pa.string()
    if all(isinstance(v, bool) for v in sample):
        return pa.bool_()
    if all(isinstance(v, int) and not isinstance(v, bool) for v in sample):
        return pa.int64()
    if all(isinstance(v, Decimal) for v in sample):
        return pa.decimal128(38, 12)
    if all(isinstance(v, (int, float)) for v in sample):
        return pa.float64()
    return pa.string()


def write_parquet(report: Report, path: str | os.PathLike[str], breakdown: bool = False) -> None:
    """Write ``report`` to ``path`` as one Parquet table."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise UserInputError("--parquet needs pyarrow: pip install 'tokentrail[parquet]'") from exc
    rows = flat_rows(report, breakdown)
    names = list(rows[0])
    arrays = []
    for name in names:
        values = [r.get(name) for r in rows]
        typ = _type(pa, values)
        if pa.types.is_decimal(typ):
            values = [None if v is None else v.quantize(_PICO) for v in values]
        elif pa.types.is_string(typ):
            values = [None if v is None else str(v) for v in values]
        elif pa.types.is_floating(typ):
            values = [None if v is None else float(v) for v in values]
        arrays.append(pa.array(values, type=typ))
    table = pa.Table.from_arrays(arrays, names=names)
    try:
        pq.write_table(table, os.fspath(path))
    except OSError as exc:
        raise UserInputError(f"cannot write {os.fspath(path)}: {exc}") from exc
