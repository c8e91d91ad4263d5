from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tokentrail._money import cost, fmt_usd, to_decimal


def test_cost_is_exact() -> None:
    assert cost(1, Decimal("0.03")) == Decimal("0.00000003")
    assert cost(123_456_789, Decimal("18.75")) == Decimal("2314.814793750")
    assert cost(3, Decimal("3.75"), Decimal("0.55")) == Decimal("0.0000061875")


@given(st.integers(min_value=0, max_value=10**15), st.decimals("0", "1000", places=4))
def test_cost_scales_back_exactly(tokens: int, rate: Decimal) -> None:
    assert cost(tokens, rate) * 1_000_000 == tokens * rate


def test_floats_refused() -> None:
    with pytest.raises(TypeError):
        to_decimal(0.1)  # type: ignore[arg-type]
    assert to_decimal("0.10") == Decimal("0.1")


def test_fmt_usd() -> None:
    assert fmt_usd(Decimal("1234.5678")) == "$1,234.57"
    assert fmt_usd(Decimal("-0.005")) == "-$0.00"
