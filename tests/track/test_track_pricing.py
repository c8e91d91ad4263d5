"""Pricing never runs on the caller's thread while the catalog loads; run figures wait."""

from __future__ import annotations

import queue
import threading
from decimal import Decimal
from pathlib import Path

import anthropic
import pytest
from _track_server import MODEL, USAGE_PLAIN, ReplayServer, json_reply

from tokentrail.track import flush, recorder, run, track


def test_first_requests_are_priced_in_the_background(
    server: ReplayServer, ledger_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert recorder._READY.wait(30)  # the import-time warm-up is over: it cannot interfere
    jobs: queue.SimpleQueue[object] = queue.SimpleQueue()
    monkeypatch.setattr(recorder, "_READY", threading.Event())  # the catalog is "loading"
    monkeypatch.setattr(recorder, "_JOBS", jobs)
    monkeypatch.setattr(recorder, "_warm_up", lambda: None)
    caller = threading.get_ident()
    priced_on: list[int] = []
    real = recorder._cost_of

    def cost_of(rec: object) -> int | None:
        priced_on.append(threading.get_ident())
        return real(rec)

    monkeypatch.setattr(recorder, "_cost_of", cost_of)
    client = track(anthropic.Anthropic(api_key="k", base_url=server.url), ledger=ledger_path)
    server.push(json_reply("msg_bg", USAGE_PLAIN))
    with run("bg", budget="1") as r:
        client.messages.create(
            model=MODEL, max_tokens=1, messages=[{"role": "user", "content": "x"}]
        )
        assert priced_on == []  # returned without pricing on this thread
        assert r._pending == 1
        worker = threading.Timer(0.2, lambda: jobs.get()())  # type: ignore[operator]
        worker.start()
        cost = r.cost  # waits for the background price
        worker.join()
    # Sonnet 4.6: $3 / MTok input, $15 / MTok output.
    assert cost == (Decimal(2095) * 3 + Decimal(503) * 15) / Decimal(10**6)
    assert (r.requests, r.usage.input_tokens, r._pending) == (1, 2095, 0)
    assert priced_on
    assert caller not in priced_on
    assert flush(10)
