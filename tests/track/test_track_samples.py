"""Every usage sample of the SDK facts (``tests/data/sdk/samples.jsonl``), served as JSON
and as SSE through the real client: one record each, tokens as on the wire, priced like the
engine prices the wire."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import anthropic
from _track_server import MODEL, ReplayServer, json_reply, sse_reply

from tokentrail import price, usage_from
from tokentrail.errors import TokentrailError
from tokentrail.track import flush, track

# Test data of the repository (tests/data/README.md): a missing file fails, never skips.
SAMPLES_FILE = Path(__file__).resolve().parents[1] / "data" / "sdk" / "samples.jsonl"
SAMPLES = [json.loads(x) for x in SAMPLES_FILE.read_text().splitlines() if x]


MSGS = [{"role": "user", "content": "x"}]


def _billed(wire: dict[str, Any], field: str) -> int:
    """Billed tokens of one field: the sum over ``iterations`` when the usage has any (the
    top level leaves compaction iterations out), else the top-level count."""
    its = wire.get("iterations")
    if isinstance(its, list) and its:
        return sum(int(it.get(field) or 0) for it in its)
    return int(wire.get(field) or 0)


def test_every_sample_over_json_and_sse(server: ReplayServer, ledger_path: Path) -> None:
    client = track(anthropic.Anthropic(api_key="k", base_url=server.url), ledger=ledger_path)
    beta = client.beta.messages
    for i, sample in enumerate(SAMPLES):
        wire = sample["wire"]
        server.push(json_reply(f"msg_j{i}", wire), sse_reply(f"msg_s{i}", wire))
        ask: dict[str, Any] = {"model": MODEL, "max_tokens": 1, "messages": MSGS}
        beta.create(**ask)
        with beta.stream(**ask) as s:
            s.until_done()
    assert flush(30)
    db = sqlite3.connect(ledger_path)
    db.row_factory = sqlite3.Row
    rows = {r["message_id"]: dict(r) for r in db.execute("SELECT * FROM records")}
    db.close()
    assert len(rows) == 2 * len(SAMPLES)
    for i, sample in enumerate(SAMPLES):
        wire = sample["wire"]
        j, s = rows[f"msg_j{i}"], rows[f"msg_s{i}"]
        for row in (j, s):
            assert row["input_tokens"] == _billed(wire, "input_tokens"), sample["name"]
            assert row["output_tokens"] == _billed(wire, "output_tokens"), sample["name"]
            assert row["cache_read_tokens"] == _billed(wire, "cache_read_input_tokens")
        assert j["cost_pico"] == s["cost_pico"], sample["name"]
        at = datetime.fromtimestamp(j["ts_ms"] / 1000, tz=timezone.utc)
        try:
            expected: Decimal | None = price(usage_from(json.dumps(wire)), model=MODEL, at=at).total
        except TokentrailError:
            expected = None
        got = None if j["cost_pico"] is None else Decimal(j["cost_pico"]).scaleb(-12)
        assert got == expected, sample["name"]
