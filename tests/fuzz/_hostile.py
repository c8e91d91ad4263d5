"""Hypothesis strategies for hostile Claude Code log lines: what anyone who can write a
file under ~/.claude could put there. Each generated line knows what it must become:
``("record", dedup key)``, ``("problem", None)`` or ``("ignored", None)``."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from hypothesis import strategies as st

MODELS = ["claude-sonnet-4-5-20250929", "claude-opus-4-5-20251101", "claude-haiku-4-5-20251001"]
HOSTILE_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from([
        "\x1b]0;owned\x07", "evil\u202elive", "zero\u200bwidth", "line\u2028break",
        "<script>alert(1)</script>", "=cmd|' /C calc'!A0", ":smile: [bold]x[/bold]",
        "x" * 5000, "",
    ]),
)  # fmt: skip
# Timestamps: ordinary ones, and the extremes a broken clock or a hand-edited file gives.
GOOD_TIMES = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31)).map(
    lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
)
TIMESTAMPS = st.one_of(
    GOOD_TIMES,
    st.sampled_from([
        "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1970-01-01T00:00:00Z",
        "2026-02-30T00:00:00Z", "not a time", "2026-05-04T09:00:00+14:00",
        "2026-05-04T09:00:00-12:00",
    ]),
)  # fmt: skip
COUNT = st.one_of(st.integers(0, 200_000), st.sampled_from([0, 1, 999_999_999, 1_000_000_000]))
BAD_COUNT = st.one_of(
    st.integers(max_value=-1),
    st.integers(min_value=1_000_000_001),
    st.floats(allow_nan=True),
    st.text(max_size=5),
    st.none(),
    st.lists(st.integers(), max_size=2),
)


def nested(depth: int, leaf: str = "0") -> str:
    """JSON text nested ``depth`` levels deep (arrays)."""
    return "[" * depth + leaf + "]" * depth


@st.composite
def usage(draw: st.DrawFn) -> dict[str, Any]:
    cw5 = draw(COUNT)
    cw1 = min(draw(COUNT), 1_000_000_000 - cw5)  # their sum is a count too
    u: dict[str, Any] = {
        "input_tokens": draw(COUNT),
        "output_tokens": draw(COUNT),
        "cache_read_input_tokens": draw(COUNT),
        "cache_creation_input_tokens": cw5 + cw1,
        "cache_creation": {"ephemeral_5m_input_tokens": cw5, "ephemeral_1h_input_tokens": cw1},
    }
    if draw(st.booleans()):
        u["server_tool_use"] = {"web_search_requests": draw(st.integers(0, 50))}
    return u


def _assistant(mid: str, rid: str, ts: str, u: Any, model: str, **extra: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "type": "assistant",
        "uuid": f"u-{mid}-{rid}",
        "sessionId": "5b0e8c3a-1111-4222-8333-444455556666",
        "timestamp": ts,
        "cwd": "/home/alice/src/shop",
        "requestId": rid,
        "message": {"id": mid, "model": model, "stop_reason": "end_turn", "usage": u},
    }
    line.update(extra)
    return line


@st.composite
def line(draw: st.DrawFn) -> tuple[bytes, str, str | None]:
    """(the line's bytes without its newline, what it must become, dedup key)."""
    kind = draw(st.sampled_from(
        ["good", "good", "good", "hostile_text", "bad_count", "no_message", "message_not_object",
         "usage_not_object", "deep", "deep_usage", "not_json", "not_utf8", "user", "progress",
         "odd_time", "empty"]
    ))  # fmt: skip
    mid = f"msg_{draw(st.integers(0, 6))}"
    rid = f"req_{draw(st.integers(0, 2))}"
    ts = draw(GOOD_TIMES)
    model = draw(st.sampled_from(MODELS))
    if kind == "good":
        obj = _assistant(mid, rid, ts, draw(usage()), model)
        return json.dumps(obj).encode(), "record", f"{mid}|{rid}"
    if kind == "hostile_text":
        obj = _assistant(mid, rid, ts, draw(usage()), draw(HOSTILE_TEXT) or "m",
                         cwd=draw(HOSTILE_TEXT), gitBranch=draw(HOSTILE_TEXT))  # fmt: skip
        return json.dumps(obj).encode(), "record", f"{mid}|{rid}"
    if kind == "odd_time":
        obj = _assistant(mid, rid, draw(TIMESTAMPS), draw(usage()), model)
        return json.dumps(obj).encode(), "record_or_problem", f"{mid}|{rid}"
    if kind == "bad_count":
        u = draw(usage())
        name = draw(st.sampled_from(["input_tokens", "output_tokens", "cache_read_input_tokens"]))
        # null is a valid cache read count (the SDK's Optional[int]), never a required one
        bad = (
            BAD_COUNT
            if name != "cache_read_input_tokens"
            else BAD_COUNT.filter(lambda v: v is not None)
        )
        u[name] = draw(bad)
        return json.dumps(_assistant(mid, rid, ts, u, model)).encode(), "problem", None
    if kind == "no_message":
        obj = _assistant(mid, rid, ts, {}, model)
        del obj["message"]
        return json.dumps(obj).encode(), "problem", None
    if kind == "message_not_object":
        obj = _assistant(mid, rid, ts, {}, model)
        obj["message"] = draw(st.sampled_from([None, [], "text", 3]))
        return json.dumps(obj).encode(), "problem", None
    if kind == "usage_not_object":
        obj = _assistant(mid, rid, ts, draw(st.sampled_from([[], "x", 5, True])), model)
        return json.dumps(obj).encode(), "problem", None
    if kind == "deep":
        depth = draw(st.integers(2000, 5000))  # past what the decoder follows
        typ = draw(st.sampled_from(["progress", "assistant", "user"]))
        return f'{{"type":"{typ}","data":{nested(depth)}}}'.encode(), "problem", None
    if kind == "deep_usage":
        depth = draw(st.integers(2000, 5000))  # past what the decoder follows
        obj = _assistant(mid, rid, ts, {"input_tokens": 1, "output_tokens": 1}, model)
        text = json.dumps(obj).replace(
            '"output_tokens": 1', f'"output_tokens": 1, "x": {nested(depth)}'
        )
        return text.encode(), "problem", None
    if kind == "not_json":
        return (
            draw(st.sampled_from([b"{", b"not json", b'{"type": "assistant"', b"[1,2"])),
            "problem",
            None,
        )
    if kind == "not_utf8":
        return b'{"type":"user","x":"\xff\xfe"}', "problem", None
    if kind == "user":
        obj = {"type": "user", "timestamp": ts, "message": {"role": "user", "content": "hi"}}
        return json.dumps(obj).encode(), "ignored", None
    if kind == "progress":
        return json.dumps({"type": "progress", "data": {"x": [1, 2]}}).encode(), "ignored", None
    return b"   ", "ignored", None


@st.composite
def transcript(draw: st.DrawFn) -> tuple[bytes, list[tuple[str, str | None]]]:
    """A file's bytes (maybe with a BOM, CRLF line ends) and what each line must become."""
    lines = draw(st.lists(line(), min_size=1, max_size=25))
    crlf = draw(st.booleans())
    bom = b"\xef\xbb\xbf" if draw(st.booleans()) else b""
    end = b"\r\n" if crlf else b"\n"
    data = bom + b"".join(raw + end for raw, _, _ in lines)
    return data, [(fate, key) for _, fate, key in lines]
