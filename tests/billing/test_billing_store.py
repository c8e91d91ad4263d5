"""The stored buckets (:class:`BillingStore` on SQLite): a pulled range is replaced whole,
other ranges stay, a failure mid-write leaves the previous rows, amounts stay text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tokentrail.ledger import SQLiteLedger
from tokentrail.ledger.billing_store import CostBucket, SQLiteBillingStore, UsageBucket

DAY = 86_400_000


def _u(day: int, key: str, out: int) -> UsageBucket:
    return UsageBucket("1d", day * DAY, (day + 1) * DAY, model="m", api_key_id=key,
                       output_tokens=out)  # fmt: skip


def test_replace_is_per_range_and_keeps_other_ranges(tmp_path: Path) -> None:
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        store = SQLiteBillingStore(ledger)
        store.replace_usage("1d", 0, 3 * DAY, [_u(0, "a", 1), _u(1, "a", 2), _u(2, "b", 3)])
        store.replace_usage("1d", 1 * DAY, 2 * DAY, [_u(1, "a", 20), _u(1, "c", 5)])
        got = [(r.start_ms // DAY, r.api_key_id, r.output_tokens) for r in store.usage(0, 9 * DAY)]
        assert got == [(0, "a", 1), (1, "a", 20), (1, "c", 5), (2, "b", 3)]
        # a group repeated in one pull counts once (the last copy)
        store.replace_usage("1d", 0, DAY, [_u(0, "a", 7), _u(0, "a", 8)])
        assert [r.output_tokens for r in store.usage(0, DAY)] == [8]
        assert store.span() == (0, 3 * DAY)


def test_a_failure_mid_write_keeps_the_previous_rows(tmp_path: Path) -> None:
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        store = SQLiteBillingStore(ledger)
        store.replace_cost(0, DAY, [CostBucket(0, DAY, "12.5", model="m", token_type="t")])

        def rows() -> Iterator[CostBucket]:
            yield CostBucket(0, DAY, "99", model="m", token_type="t")
            raise RuntimeError("killed")

        with pytest.raises(RuntimeError):
            store.replace_cost(0, DAY, rows())
        assert [c.amount_cents for c in store.cost(0, DAY)] == ["12.5"]


def test_text_from_the_api_is_escaped_in_tables_and_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tokentrail.billing.report import reconcile
    from tokentrail.pricing import default_catalog
    from tokentrail.reports.render_reconcile import print_reconcile, reconcile_csv

    hostile = "=cmd|' /C calc'!A0\x1b[31m"
    rec = reconcile(default_catalog(), [], [_u(0, hostile, 5)], [], by="api-key")
    print_reconcile(rec)
    out = capsys.readouterr().out
    assert "\x1b[31m" not in out
    csv_text = reconcile_csv(rec)
    assert "\x1b" not in csv_text
    assert "\n'=cmd" in csv_text
