"""Property: whatever usage the API reports, the JSON and the streamed form of the same
response make identical ledger rows, priced as the pricing engine prices the wire usage."""

from __future__ import annotations

import itertools
import json
import sqlite3
import tempfile
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import anthropic
from _track_server import ReplayServer, json_reply, sse_reply
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokentrail import price, usage_from
from tokentrail.track import flush, track

MODELS = ["claude-sonnet-4-6", "claude-haiku-4-5-20251001", "claude-opus-4-6"]
tok = st.integers(min_value=0, max_value=120_000)
_ids = itertools.count()
MSGS = [{"role": "user", "content": "x"}]


@st.composite
def usages(draw: st.DrawFn) -> dict[str, Any]:
    five, hour = draw(tok), draw(tok)
    u: dict[str, Any] = {
        "input_tokens": draw(tok),
        "output_tokens": draw(tok),
        "cache_read_input_tokens": draw(tok),
        "cache_creation_input_tokens": five + hour,
        "service_tier": draw(st.sampled_from(["standard", "priority", None])),
    }
    if draw(st.booleans()):
        u["cache_creation"] = {"ephemeral_5m_input_tokens": five, "ephemeral_1h_input_tokens": hour}
    if draw(st.booleans()):
        u["server_tool_use"] = {
            "web_search_requests": draw(st.integers(0, 5)),
            "web_fetch_requests": draw(st.integers(0, 5)),
        }
    return u


_COLS = (
    "model",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_creation_tokens",
    "cache_5m_tokens",
    "cache_1h_tokens",
    "web_search_requests",
    "cost_pico",
    "stop_reason",
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model=st.sampled_from(MODELS), usage=usages())
def test_json_and_stream_rows_agree_and_match_the_engine(model: str, usage: dict[str, Any]) -> None:
    server = ReplayServer().start()
    try:
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "l.sqlite3"
            client = track(
                anthropic.Anthropic(api_key="k", base_url=server.url, max_retries=0), ledger=path
            )
            n = next(_ids)
            server.push(json_reply(f"msg_j{n}", usage, model), sse_reply(f"msg_s{n}", usage, model))
            ask: dict[str, Any] = {"model": model, "max_tokens": 1, "messages": MSGS}
            client.messages.create(**ask)
            for _ in client.messages.create(**ask, stream=True):
                pass
            assert flush(10)
            db = sqlite3.connect(path)
            rows = db.execute(
                f"SELECT {', '.join(_COLS)}, ts_ms FROM records ORDER BY id"
            ).fetchall()
            db.close()
    finally:
        server.stop()
    assert len(rows) == 2
    a, b = rows
    assert a[:-1] == b[:-1]
    at = datetime.fromtimestamp(a[-1] / 1000, tz=timezone.utc)
    expected = price(usage_from(json.dumps(usage)), model=model, at=at).total
    assert Decimal(a[_COLS.index("cost_pico")]).scaleb(-12) == expected
