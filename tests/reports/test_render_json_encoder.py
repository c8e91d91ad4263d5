"""render_json's direct encoder writes exactly what json.dumps(..., indent=2) writes."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tokentrail.ledger import Totals
from tokentrail.reports import Report, ReportRow, render_json, report_to_dict
from tokentrail.reports.render_json import _dumps

_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=40,
)


def _encode(value: Any) -> str:
    out: list[str] = []
    _dumps(value, "\n", out)
    return "".join(out)


@settings(max_examples=400, deadline=None)
@given(_values)
def test_the_encoder_matches_the_standard_one(value: Any) -> None:
    assert _encode(value) == json.dumps(value, indent=2)


def test_lists_of_flat_dicts_with_brackets_and_separators_in_their_strings() -> None:
    tricky = ["}", "{", "},\n  {", '"}', "}, {", "\\", "\u2028", "\x1b"]
    rows = [dict.fromkeys(tricky, v) for v in [*tricky, 1, None, 2.5, True]]
    for value in (rows, [rows], {"rows": rows, "n": 1}, (rows[0], rows[1]), [{}, *rows]):
        assert _encode(value) == json.dumps(value, indent=2)


def test_odd_values_fall_back_to_the_standard_encoder() -> None:
    t = Totals(1, cost=Decimal("0.5"))
    report = Report("session", [ReportRow("s", t, {"m": t}, {"project": 7, "odd": {1: 2}})],
                    t, {"m": t}, "UTC", {"since": None, "n": (1, 2), 3: "int key"})  # fmt: skip
    assert render_json(report) == json.dumps(report_to_dict(report), indent=2)
    assert '"3": "int key"' in render_json(report)
