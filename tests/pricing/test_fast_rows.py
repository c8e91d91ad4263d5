"""``Pricer.cost_rows`` (the fused loop the ledger prices with) equals ``price()``."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tokentrail.pricing import Pricer, price
from tokentrail.pricing.fast import CostRow

_PRICER = Pricer()
_MODELS = ["claude-opus-4-6", "claude-sonnet-4-5", "claude-3-sonnet-20240229", "claude-opus-5",
           "claude-haiku-4-5", "claude-sonnet-4-20250514"]  # fmt: skip
_DAYS = [date(2024, 12, 3), date(2025, 6, 1), date(2026, 2, 5), date(2026, 3, 13),
         date(2026, 8, 1)]  # fmt: skip
_N = st.sampled_from([0, 3, 1500, 199_999, 250_000])


def _row(u: dict[str, Any], model: str, day: date, stop: str | None) -> CostRow:
    split = u.get("cache_creation") or {}
    flat = u.get("cache_creation_input_tokens")
    hour = min(split.get("ephemeral_1h_input_tokens", 0), flat if flat is not None else 1 << 60)
    five = (flat - hour) if flat is not None else split.get("ephemeral_5m_input_tokens", 0)
    stu = u.get("server_tool_use") or {}
    return (
        model, (day - date(1970, 1, 1)).days, u["input_tokens"], five, hour,
        u.get("cache_read_input_tokens", 0), u["output_tokens"], u.get("speed"),
        u.get("service_tier"), u.get("inference_geo"), stu.get("web_search_requests", 0),
        json.dumps(u).encode(), stop,
    )  # fmt: skip


_OPTIONAL = {
    "speed": st.sampled_from(["fast", "standard"]),
    "service_tier": st.sampled_from(["batch", "priority", "standard"]),
    "inference_geo": st.sampled_from(["us", "global"]),
    "server_tool_use": st.builds(lambda n: {"web_search_requests": n}, st.integers(0, 2)),
    "cache_read_input_tokens": _N,
}


@st.composite
def _usage(draw: st.DrawFn) -> dict[str, Any]:
    """A usage object: the required counts, a cache-write shape (none, flat total only,
    5m/1h split only, both agreeing, both disagreeing), then any of the optional fields."""
    five, hour, extra = draw(_N), draw(_N), draw(st.sampled_from([0, 11]))
    writes: dict[str, Any] = draw(
        st.sampled_from(
            [
                {},
                {"cache_creation_input_tokens": five + hour},
                {"cache_creation": {"ephemeral_5m_input_tokens": five,
                                    "ephemeral_1h_input_tokens": hour}},
                {"cache_creation_input_tokens": five + hour + extra,
                 "cache_creation": {"ephemeral_5m_input_tokens": five,
                                    "ephemeral_1h_input_tokens": hour}},
            ]
        )
    )  # fmt: skip
    chosen = draw(st.lists(st.sampled_from(sorted(_OPTIONAL)), unique=True))
    return {
        "input_tokens": draw(_N),
        "output_tokens": draw(_N),
        **writes,
        **{k: draw(_OPTIONAL[k]) for k in chosen},
    }


_REC = st.tuples(
    _usage(),
    st.sampled_from(_MODELS),
    st.sampled_from(_DAYS),
    st.sampled_from([None, "end_turn", "refusal"]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_REC, min_size=1, max_size=8))
def test_cost_rows_equal_price(recs: list[tuple[dict[str, Any], str, date, str | None]]) -> None:
    got = Pricer().cost_rows([_row(*r) for r in recs])
    for (u, model, day, stop), res in zip(recs, got, strict=True):
        b = price(u, model=model, at=day, stop_reason=stop)
        assert res is not None
        assert res == (int(b.total * 10**12), b.flag_codes)


def test_cost_rows_leaves_what_it_cannot_settle_to_the_caller() -> None:
    u = {"input_tokens": 1, "output_tokens": 1}
    day = date(2026, 8, 1)
    rows = [
        _row(u, "claude-opus-9", day, None),  # unknown model
        _row({**u, "output_tokens": 60_000_000}, "claude-opus-5", day, None),  # above limits
        (*_row(u, "claude-opus-5", day, None)[:11], b"[1, 2]", None),  # not a usage object
        _row(u, "<synthetic>", day, None),
        _row(u, "claude-opus-5", day, None),
    ]
    got = _PRICER.cost_rows(rows)
    assert got[:4] == [None, None, None, None]
    assert got[4] is not None
