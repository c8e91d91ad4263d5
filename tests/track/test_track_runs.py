"""Runs: budgets refuse before sending, nesting rolls up, runs are stored in the ledger."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

import anthropic
import pytest
from _track_server import ReplayServer, json_reply

from tokentrail.errors import BudgetExceeded, TokentrailError, UserInputError
from tokentrail.ledger import SQLiteLedger
from tokentrail.track import BudgetWarning, current_run, flush, run, track

HAIKU = "claude-haiku-4-5-20251001"
# Haiku 4.5: $1 / MTok input, $5 / MTok output -> 150,000 in + 20,000 out = $0.25 a request.
USAGE_QUARTER = {"input_tokens": 150_000, "output_tokens": 20_000}
QUARTER = Decimal(150_000) * 1 / 10**6 + Decimal(20_000) * 5 / 10**6


def _serve_quarters(server: ReplayServer) -> None:
    n = iter(range(10**6))
    server.default = lambda _: json_reply(f"msg_{next(n)}", USAGE_QUARTER, HAIKU)


def _ask(client: Any) -> Any:
    return client.messages.create(
        model=HAIKU, max_tokens=10, messages=[{"role": "user", "content": "x"}]
    )


def test_quarter_rate_is_what_the_test_assumes() -> None:
    assert Decimal("0.25") == QUARTER


def test_budget_stops_a_ten_dollar_loop_at_one_dollar(
    server: ReplayServer, ledger_path: Path
) -> None:
    _serve_quarters(server)
    client = track(
        anthropic.Anthropic(api_key="k", base_url=server.url, max_retries=0), ledger=ledger_path
    )
    done: list[int] = []
    r = run("loop", budget="1.00")

    def loop() -> None:
        with r:
            for i in range(40):  # 40 x $0.25 = $10 without a budget
                _ask(client)
                done.append(i)

    with pytest.raises(BudgetExceeded) as info:
        loop()
    assert len(done) == 4
    assert len(server.requests) == 4  # the fifth request never reached the server
    assert r.cost == 4 * QUARTER == Decimal("1.00")
    assert r.status == "budget_exceeded"
    err = info.value
    assert isinstance(err, TokentrailError)
    assert (err.run, err.budget, err.cost) == ("loop", Decimal("1.00"), Decimal("1.00"))
    flush()
    with SQLiteLedger(ledger_path) as led:
        (summary,) = led.run_summaries()
    assert summary.run.status == "budget_exceeded"
    assert summary.requests == 4
    assert summary.cost == Decimal("1.00")
    assert summary.run.budget == Decimal("1.00")


def test_budget_is_checked_for_streams_before_sending(
    server: ReplayServer, ledger_path: Path
) -> None:
    _serve_quarters(server)
    client = track(anthropic.Anthropic(api_key="k", base_url=server.url), ledger=ledger_path)
    with run("s", budget=Decimal("0.10")):
        _ask(client)
        with pytest.raises(BudgetExceeded):
            client.messages.stream(
                model=HAIKU, max_tokens=10, messages=[{"role": "user", "content": "x"}]
            )
        with pytest.raises(BudgetExceeded):
            _ask(client)
    assert len(server.requests) == 1


def test_warn_mode_sends_and_warns(server: ReplayServer, ledger_path: Path) -> None:
    _serve_quarters(server)
    client = track(anthropic.Anthropic(api_key="k", base_url=server.url), ledger=ledger_path)
    with warnings.catch_warnings(record=True) as caught, run("w", budget=1, on_exceed="warn") as r:
        warnings.simplefilter("always")
        for _ in range(6):
            _ask(client)
    assert len(server.requests) == 6
    assert r.cost == 6 * QUARTER
    assert sum(issubclass(w.category, BudgetWarning) for w in caught) == 2


def test_nested_runs_roll_up_and_the_outer_budget_applies(
    server: ReplayServer, ledger_path: Path
) -> None:
    _serve_quarters(server)
    client = track(anthropic.Anthropic(api_key="k", base_url=server.url), ledger=ledger_path)
    with run("outer", budget="0.50", tags={"team": "a", "x": "outer"}) as outer:
        _ask(client)
        with run("inner", tags={"x": "inner"}) as inner:
            assert current_run() is inner
            assert inner.parent is outer
            _ask(client)
            with pytest.raises(BudgetExceeded) as info:
                _ask(client)
            assert info.value.run == "outer"
        assert current_run() is outer
    assert current_run() is None
    assert (outer.requests, inner.requests) == (2, 1)
    assert outer.cost == 2 * QUARTER
    assert inner.cost == QUARTER
    assert outer.usage.input_tokens == 300_000
    (rec,) = inner.records
    assert rec.source == "sdk"
    assert dict(rec.tags) == {"team": "a", "x": "inner", "run": "inner"}
    assert rec.model == HAIKU
    flush()
    with SQLiteLedger(ledger_path) as led:
        by_name = {s.run.name: s for s in led.run_summaries()}
    assert by_name["outer"].requests == 2  # includes the inner run's request
    assert by_name["inner"].requests == 1
    assert by_name["inner"].run.parent_id == by_name["outer"].run.id


def test_async_runs_and_tasks_inherit(server: ReplayServer, ledger_path: Path) -> None:
    _serve_quarters(server)

    async def main() -> None:
        client = track(
            anthropic.AsyncAnthropic(api_key="k", base_url=server.url), ledger=ledger_path
        )
        async with run("a", budget="0.50") as r:
            await asyncio.gather(*(client.messages.create(
                model=HAIKU, max_tokens=1, messages=[{"role": "user", "content": "x"}]
            ) for _ in range(2)))  # fmt: skip
            assert r.cost == 2 * QUARTER
            with pytest.raises(BudgetExceeded):
                await client.messages.create(
                    model=HAIKU, max_tokens=1, messages=[{"role": "user", "content": "x"}]
                )
            with pytest.raises(BudgetExceeded):
                async with client.messages.stream(
                    model=HAIKU, max_tokens=1, messages=[{"role": "user", "content": "x"}]
                ):
                    pass

    asyncio.run(main())
    assert len(server.requests) == 2


def test_threads_need_a_copied_context_to_inherit(ledger_path: Path) -> None:
    seen: list[object] = []
    with run("parent") as r:
        t1 = threading.Thread(target=lambda: seen.append(current_run()))
        ctx = contextvars.copy_context()
        t2 = threading.Thread(target=lambda: seen.append(ctx.run(current_run)))
        t1.start()
        t2.start()
        t1.join()
        t2.join()
    assert seen == [None, r] or seen == [r, None]


@pytest.mark.parametrize("bad", [1.5, "abc", "-1", "NaN"])
def test_bad_budgets_are_refused(bad: object) -> None:
    with pytest.raises(UserInputError):
        run("x", budget=bad)  # type: ignore[arg-type]


def test_run_cannot_be_entered_twice() -> None:
    r = run("once")
    with r:
        pass
    with pytest.raises(UserInputError), r:
        pass


def test_a_run_refused_at_once_is_still_listed(server: ReplayServer, ledger_path: Path) -> None:
    _serve_quarters(server)
    client = track(anthropic.Anthropic(api_key="k", base_url=server.url), ledger=ledger_path)

    def body() -> None:
        with run("zero", budget="0"):
            _ask(client)

    with pytest.raises(BudgetExceeded):
        body()
    assert server.requests == []
    flush()
    with SQLiteLedger(ledger_path) as led:
        (s,) = led.run_summaries("zero")
    assert (s.requests, s.cost, s.run.status) == (0, Decimal(0), "budget_exceeded")


def test_keep_records_false_still_counts(server: ReplayServer, ledger_path: Path) -> None:
    _serve_quarters(server)
    client = track(anthropic.Anthropic(api_key="k", base_url=server.url), ledger=ledger_path)
    with run("lean", keep_records=False) as r:
        _ask(client)
        _ask(client)
    assert (r.requests, r.cost, r.records) == (2, 2 * QUARTER, [])
    assert r.usage.output_tokens == 40_000


def test_unknown_model_is_unpriced_never_zero(server: ReplayServer, ledger_path: Path) -> None:
    server.push(json_reply("msg_unk", USAGE_QUARTER, "claude-from-the-future-9"))
    client = track(anthropic.Anthropic(api_key="k", base_url=server.url), ledger=ledger_path)
    with run("u", budget="1") as r:
        msg = _ask(client)
    assert msg.model == "claude-from-the-future-9"
    assert (r.requests, r.unpriced, r.cost) == (1, 1, Decimal(0))
    flush()
    with SQLiteLedger(ledger_path) as led:
        (s,) = led.run_summaries("u")
        (rec,) = list(led.records())
    assert (s.requests, s.unpriced) == (1, 1)
    assert rec.model == "claude-from-the-future-9"
