"""UsageRecord: the envelope's validation, normalisation and JSON form."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import tokentrail.types as tt
from tokentrail.errors import UsageError

USAGE = tt.Usage(input_tokens=1, output_tokens=2)
TS = datetime(2026, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))


def rec(**kw: Any) -> tt.UsageRecord:
    base: dict[str, Any] = {
        "source": "sdk",
        "model": "claude-opus-4-8",
        "usage": USAGE,
        "timestamp": TS,
    }
    base.update(kw)
    return tt.UsageRecord(**base)


def test_timestamp_normalised_to_utc() -> None:
    r = rec()
    assert r.timestamp == TS
    assert r.timestamp.tzinfo is timezone.utc
    assert r.timestamp.hour == 10


def test_naive_timestamp_refused() -> None:
    with pytest.raises(UsageError, match="timezone-aware"):
        rec(timestamp=datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"source": "email"}, "source"),
        ({"usage": {"input_tokens": 1}}, "usage"),
        ({"model": None}, "model"),
        ({"tags": {"a": 1}}, "tags"),
        ({"timestamp": "2026-01-01"}, "timestamp"),
    ],
)
def test_bad_fields_refused(kw: dict[str, Any], match: str) -> None:
    with pytest.raises(UsageError, match=match):
        rec(**kw)


def test_frozen_slotted_kw_only_and_hashable() -> None:
    r = rec(tags={"b": "2", "a": "1"}, agent=tt.AgentRef(id="a1", type="explore"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.model = "x"  # type: ignore[misc]
    assert not hasattr(r, "__dict__")
    with pytest.raises(TypeError):
        tt.UsageRecord("sdk", "m", USAGE, TS)  # type: ignore[misc]
    with pytest.raises(TypeError):
        r.tags["c"] = "3"  # type: ignore[index]
    assert list(r.tags) == ["a", "b"]
    assert r == rec(tags={"a": "1", "b": "2"}, agent=tt.AgentRef(id="a1", type="explore"))
    assert hash(r) == hash(rec(tags={"a": "1", "b": "2"}))
    assert len({r, r}) == 1


def test_origin_line_is_one_based() -> None:
    assert tt.Origin(path="x.jsonl", line=1).line == 1
    with pytest.raises(UsageError, match="1-based"):
        tt.Origin(path="x.jsonl", line=0)


def test_to_dict_is_json_ready() -> None:
    r = rec(
        message_id="msg_1",
        request_id="req_1",
        session_id="s",
        project="/home/u/p",
        git_branch="main",
        client_version="2.1.0",
        origin=tt.Origin(path="/logs/a.jsonl", line=3),
        agent=tt.AgentRef(id="a1"),
    )
    d = r.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["timestamp"] == "2026-03-01T10:00:00+00:00"
    assert d["usage"] == {"input_tokens": 1, "output_tokens": 2}
    assert d["origin"] == {"path": "/logs/a.jsonl", "line": 3}
    assert d["agent"] == {"id": "a1", "type": None}
    assert set(d) >= {f.name for f in dataclasses.fields(tt.UsageRecord)}
