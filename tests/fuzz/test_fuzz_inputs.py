"""Fuzzing the other doors untrusted data comes in by: a usage to price (``price``,
``usage_from``) and the status line hook's stdin and transcript. Anything at all gives a
result or a tokentrail error, never another exception."""

from __future__ import annotations

import contextlib
import io
import json
import os
from datetime import timezone
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tokentrail
from tokentrail.errors import TokentrailError
from tokentrail.ledger import SQLiteLedger
from tokentrail.reports.hook import hook_line, read_hook_input, transcript_context
from tokentrail.reports.statusline import make_look

EXAMPLES = int(os.environ.get("TOKENTRAIL_FUZZ_EXAMPLES", "100"))
SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
USAGE_KEYS = st.sampled_from([
    "input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens",
    "cache_creation", "server_tool_use", "iterations", "service_tier", "speed", "inference_geo",
])  # fmt: skip
USAGE = st.dictionaries(USAGE_KEYS, JSON | st.integers(0, 10**7), max_size=8)
DEEP = st.integers(1000, 5000).map(lambda n: "[" * n + "]" * n)


@SETTINGS
@given(usage=st.one_of(USAGE, JSON, DEEP, st.binary(max_size=50)))
def test_pricing_any_usage_is_a_result_or_a_tokentrail_error(usage: Any) -> None:
    with contextlib.suppress(TokentrailError):
        tokentrail.price(usage, model="claude-sonnet-4-5")
    with contextlib.suppress(TokentrailError):
        tokentrail.usage_from(usage)


@SETTINGS
@given(
    stdin=st.one_of(
        JSON.map(json.dumps), DEEP, st.text(max_size=40),
        st.fixed_dictionaries({}, optional={
            "session_id": JSON | st.text(max_size=12),
            "transcript_path": JSON | st.text(max_size=12),
            "model": JSON, "cwd": JSON, "workspace": JSON,
        }).map(json.dumps),
    ),
    tail=st.lists(st.one_of(
        JSON.map(json.dumps), DEEP,
        st.builds(
            lambda u, m: json.dumps({"type": "assistant", "message": {"usage": u, "model": m}}),
            USAGE | JSON, JSON | st.text(max_size=12),
        ),
    ), max_size=5),
)  # fmt: skip
def test_the_hook_answers_anything_on_stdin_and_in_the_transcript(
    tmp_path_factory: Any, stdin: str, tail: list[str]
) -> None:
    tmp = tmp_path_factory.mktemp("hook")
    transcript = tmp / "t.jsonl"
    transcript.write_text("\n".join(tail) + "\n")
    transcript_context(transcript)
    data = read_hook_input(io.StringIO(stdin))
    assert isinstance(data, dict)
    if "transcript_path" in data:
        data["transcript_path"] = str(transcript)
    ledger = tmp / "l.sqlite3"
    SQLiteLedger(ledger).close()
    line = hook_line(ledger, timezone.utc, make_look(), data, background=False)
    assert line is None or isinstance(line, str)


def test_a_real_path_in_the_hook_input_is_read(tmp_path: Path) -> None:
    transcript = tmp_path / "t.jsonl"
    usage = {"input_tokens": 10, "cache_read_input_tokens": 90, "output_tokens": 1}
    line = {"type": "assistant", "message": {"usage": usage, "model": "claude-sonnet-4-5"}}
    transcript.write_text(json.dumps(line) + "\n")
    assert transcript_context(transcript) == (100, "claude-sonnet-4-5")
