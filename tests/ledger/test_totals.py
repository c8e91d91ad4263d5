"""Totals, AggregateRow, AggregateQuery (and the report value classes built on the same
Frozen base) behave as the frozen dataclasses they replaced."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from datetime import date, timezone
from decimal import Decimal
from typing import Any

import pytest

from tokentrail.ledger import AggregateQuery, AggregateRow, Totals
from tokentrail.ledger.protocol import Totals as ProtocolTotals
from tokentrail.ledger.totals import fold_totals, usd_from_pico
from tokentrail.reports import Report, ReportOptions, ReportRow


def _values() -> list[Any]:
    t = Totals(3, 1, 0, 1, 10, 20, 5, 15, 30, 40, 2, 1, Decimal("0.125"))
    return [
        t,
        AggregateRow("2026-01-01", t, {"m": t}, "proj", "2026-01-01", "2026-01-02"),
        AggregateQuery("session", timezone.utc, date(2026, 1, 1), None, ("m",), "p", "s"),
        ReportRow("k", t, {"m": t}, {"project": "p"}),
        Report("daily", [ReportRow("k", t, {})], t, {"m": t}, "UTC", {"since": None}),
        ReportOptions(timezone.utc, date(2026, 1, 1), None, "p", ("m",), "desc", 6, 5, {}),
    ]


def test_one_class_everywhere() -> None:
    assert Totals is ProtocolTotals


@pytest.mark.parametrize("value", _values(), ids=lambda v: type(v).__name__)
def test_frozen_value_semantics(value: Any) -> None:
    cls = type(value)
    fields = cls.__match_args__
    again = cls(*(getattr(value, f) for f in fields))
    assert again == value
    assert again is not value
    assert (value == object()) is False
    changed = [getattr(value, f) for f in fields]
    changed[-1] = "something else"
    assert value != cls(*changed)
    assert repr(value).startswith(f"{cls.__name__}({fields[0]}=")
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, fields[0], None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        delattr(value, fields[0])
    with pytest.raises(AttributeError):
        value.not_a_field = 1
    assert pickle.loads(pickle.dumps(value)) == value
    assert copy.deepcopy(value) == value
    assert not hasattr(value, "__dict__")


def test_keywords_defaults_and_hashing() -> None:
    t = Totals(requests=2, cost=Decimal("1.5"))
    assert t == Totals(2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Decimal("1.5"))
    assert hash(t) == hash(Totals(requests=2, cost=Decimal("1.50")))
    assert {t, Totals(requests=2, cost=Decimal("1.5"))} == {t}
    assert Totals().cost == Decimal(0)
    assert AggregateQuery() == AggregateQuery("day", None, None, None, (), None, None)
    assert ReportRow("k", t, {}).extra == {}
    assert ReportOptions().filters == {}
    assert ReportOptions().order == "asc"
    with pytest.raises(TypeError):
        hash(AggregateRow("k", t, {}))  # a dict field, as with the dataclass
    match t:
        case Totals(requests, synthetic):
            assert (requests, synthetic) == (2, 0)


def test_sums_are_exact_left_folds() -> None:
    a = Totals(1, 0, 1, 0, 10, 3, 1, 2, 100, 7, 1, 0, usd_from_pico(1_234_567))
    b = Totals(2, 1, 0, 2, 20, 6, 2, 4, 200, 14, 0, 1, usd_from_pico(10**12 + 1))
    assert a + b == Totals(3, 1, 1, 2, 30, 9, 3, 6, 300, 21, 1, 1, Decimal("1.000001234568"))
    assert fold_totals(a, [b, a]) == a + b + a
    assert fold_totals(a, []) is a
    assert fold_totals(Totals(), [a]) == Totals() + a
    assert (a + b).total_tokens == 30 + 9 + 300 + 21
    assert usd_from_pico(1) == Decimal("1E-12")
