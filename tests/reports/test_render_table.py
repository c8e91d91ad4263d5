"""Table details: abbreviations that never read 1000.0K, half-up cents everywhere, session
labels that tell sessions apart, a narrow layout that keeps the key readable."""

from __future__ import annotations

import io
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from tokentrail.ledger import Totals
from tokentrail.reports import Report, ReportRow
from tokentrail.reports.render_table import _abbrev, render_table

SONNET = "claude-sonnet-4-5-20250929"


def _console(buf: io.StringIO, width: int) -> Console:
    return Console(file=buf, width=width, color_system=None, force_terminal=False)


def _render(report: Report, width: int, hints: io.StringIO | None = None) -> str:
    buf = io.StringIO()
    render_table(
        report, _console(buf, width), hints=None if hints is None else _console(hints, width)
    )
    return buf.getvalue()


def test_abbrev_rolls_over_to_the_next_unit() -> None:
    assert _abbrev(999) == "999"
    assert _abbrev(1000) == "1.0K"
    assert _abbrev(1050) == "1.1K"  # half-up
    assert _abbrev(999_949) == "999.9K"
    assert _abbrev(999_950) == "1.0M"
    assert _abbrev(999_960_000) == "1.0B"
    assert _abbrev(-999_950) == "-1.0M"


@given(st.integers(1000, 10**14))
def test_abbrev_is_the_half_up_tenth_of_its_unit(n: int) -> None:
    text = _abbrev(n)
    number, unit = Decimal(text[:-1]), text[-1]
    size = {"K": 10**3, "M": 10**6, "B": 10**9, "T": 10**12}[unit]
    assert Decimal(1) <= number < Decimal(1000) or unit == "T"
    # |n - shown| is at most half a tenth of the unit
    assert abs(Decimal(n) - number * size) * 20 <= size


def test_cost_and_burn_round_half_up_alike() -> None:
    cost = Decimal("0.165")
    t = Totals(requests=2, input_tokens=100, cost=cost)
    extra: dict[str, object] = {
        "block_end": "2026-01-01T15:00:00+00:00",
        "first_activity": "2026-01-01T10:00:00+00:00",
        "last_activity": "2026-01-01T11:00:00+00:00",
        "is_active": True,
        "remaining_minutes": 200,
        "tokens_per_minute": 1.667,
        "cost_per_hour_usd": cost,
        "projected_total_tokens": 400,
        "projected_cost_usd": Decimal("0.705"),
    }
    rows = [ReportRow("2026-01-01T10:00:00+00:00", t, {SONNET: t}, extra)]
    out = _render(Report("blocks", rows, t, {SONNET: t}, "UTC", {}), 150)
    assert "$0.17 " in out  # the cost cell
    assert "$0.17/h" in out
    assert "$0.71 by block end" in out
    assert "$0.16" not in out
    assert "$0.70" not in out


def _sessions(ids: list[str]) -> Report:
    t = Totals(requests=1, input_tokens=1_234_567, cost=Decimal("1.5"))
    rows = [ReportRow(i, t, {SONNET: t}, {"project": "/home/u/web_frontend"}) for i in ids]
    return Report("session", rows, t, {SONNET: t}, "UTC", {})


def test_session_labels_tell_sessions_apart() -> None:
    a = "4d3b8462-a000-4000-8000-000000000001"
    b = "4d3b8462-b000-4000-8000-000000000002"
    c = "9e11aa00-1111-4000-8000-000000000003"
    out = _render(_sessions([a, b, c]), 120)
    # 8 characters would show 4d3b8462 twice: every label grows to the first difference
    assert "4d3b8462-a web_frontend" in out
    assert "4d3b8462-b web_frontend" in out
    assert "9e11aa00-1 web_frontend" in out
    alone = _render(_sessions([a, c]), 120)
    assert "4d3b8462 web_frontend" in alone
    assert "9e11aa00 web_frontend" in alone
    assert a in _render(_sessions([a, c]), 150)  # the full layout shows the whole id


def test_narrow_terminal_keeps_the_session_label_on_one_line() -> None:
    hints = io.StringIO()
    out = _render(_sessions(["4d3b8462-0000-4000-8000-000000000001"]), 60, hints)
    assert "4d3b8462 web_frontend" in out
    assert all(len(line) <= 60 for line in out.splitlines())
    assert "narrow view" not in out  # a hint: on stderr, never in redirected output
    assert "narrow view" in hints.getvalue()
    assert "$1.50" in out


def test_a_sub_cent_cost_is_never_shown_as_zero() -> None:
    from tokentrail.reports.render_json import report_to_dict
    from tokentrail.reports.text import usd_cents

    assert usd_cents(Decimal("0.004")) == "<$0.01"
    assert usd_cents(Decimal("0.005")) == "$0.01"
    assert usd_cents(Decimal(0)) == "$0.00"
    tiny = Totals(requests=1, input_tokens=10, cost=Decimal("0.00003"))
    report = Report("daily", [ReportRow("2026-01-01", tiny, {SONNET: tiny})], tiny, [SONNET], "UTC")
    out = _render(report, 100)
    assert "<$0.01" in out
    assert "$0.00" not in out
    assert report_to_dict(report)["totals"]["cost_usd"] == "0.00003"  # JSON stays exact


def test_model_tables_drop_empty_synthetic_rows() -> None:
    syn = Totals(synthetic=3)
    t = Totals(requests=2, input_tokens=100, cost=Decimal("0.5"))
    total = t + syn
    rows = [ReportRow("<synthetic>", syn, {"<synthetic>": syn}), ReportRow(SONNET, t, {SONNET: t})]
    report = Report("model", rows, total, ["<synthetic>", SONNET], "UTC")
    for width in (80, 100, 140):
        assert "<synthetic>" not in _render(report, width)
    assert report.totals.synthetic == 3
    daily = Report(
        "daily", [ReportRow("2026-01-01", total, {"<synthetic>": syn, SONNET: t})], total, [], "UTC"
    )
    buf = io.StringIO()
    render_table(daily, _console(buf, 140), breakdown=True)
    assert "<synthetic>" not in buf.getvalue()
    assert "sonnet-4-5" in buf.getvalue()
