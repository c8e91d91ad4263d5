"""CSV rendering of a report, safe to open in a spreadsheet.

One line per row, per model of each row with ``breakdown`` (``row_type`` ``model``) and a
``total`` line; the columns are fixed per report kind
(:func:`tokentrail.reports.fields.columns`: ``row_type``, the key, kind-specific columns,
``models``, ``model``, then :data:`tokentrail.reports.fields.FIELD_NAMES`), whatever the
data; a value that does not apply is an empty cell. Money is an exact decimal string; an
unpriced cost is an empty cell. Any text cell starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return is prefixed with ``'`` (CSV formula injection: project paths,
branch names and model ids come from untrusted logs), and control or invisible characters
are escaped as in tables (:func:`tokentrail.reports.text.escape_controls`: a CSV printed on
a terminal must not run an escape sequence). Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from tokentrail.reports.fields import columns, flat_rows, usd_str
from tokentrail.reports.model import Report
from tokentrail.reports.text import escape_controls

__all__ = ["neutralize", "render_csv"]

_RISKY = ("=", "+", "-", "@", "\t", "\r")


def neutralize(text: str) -> str:
    """``text`` with a leading ``'`` if a spreadsheet could read it as a formula."""
    return "'" + text if text.startswith(_RISKY) else text


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Decimal):
        return usd_str(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(round(v, 6))
    return neutralize(escape_controls(v))


def render_csv(report: Report, breakdown: bool = False) -> str:
    """``report`` as CSV text (header first, ``\\r\\n`` line ends as RFC 4180 says)."""
    rows = flat_rows(report, breakdown)
    buf = io.StringIO()
    w = csv.writer(buf)
    header = columns(report.kind)
    w.writerow(header)
    for r in rows:
        w.writerow([_cell(r.get(k)) for k in header])
    return buf.getvalue()
