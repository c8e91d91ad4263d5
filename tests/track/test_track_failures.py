"""A response tokentrail cannot record is one warning line (the reason, no traceback), a
count in ``Tracker.errors``, and nothing else: the user's call is never touched."""

from __future__ import annotations

import logging
import warnings
from types import SimpleNamespace
from typing import Any

import msgspec
import pytest

from tokentrail.track.recorder import Tracker, _reason, _usage_bytes


class _NullWriter:
    def submit(self, *args: Any) -> None:  # pragma: no cover - never reached
        raise AssertionError("nothing may be written")


def test_a_response_without_usage_says_so() -> None:
    with pytest.raises(ValueError, match="no usage object"):
        _usage_bytes(None)


class _U(msgspec.Struct):
    input_tokens: int


def test_a_bad_usage_value_names_its_field() -> None:
    with pytest.raises(msgspec.ValidationError) as info:
        msgspec.json.decode(b'{"input_tokens": "x"}', type=_U)
    assert _reason(info.value) == (
        "bad usage in the response: Expected `int`, got `str` - at `usage.input_tokens`"
    )


def test_sdk_dumps_of_odd_values_raise_no_warnings() -> None:
    anthropic = pytest.importorskip("anthropic")
    odd = anthropic.types.Usage.construct(input_tokens=-5, output_tokens="x")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert msgspec.json.decode(_usage_bytes(odd)) == {"input_tokens": -5, "output_tokens": "x"}


def test_failures_log_one_line_without_a_traceback(caplog: pytest.LogCaptureFixture) -> None:
    tracker = Tracker.__new__(Tracker)
    tracker.errors = 0
    tracker.writer = _NullWriter()  # type: ignore[assignment]
    tracker.tags = {}
    tracker.listeners = ()
    message = SimpleNamespace(model="claude-sonnet-4-5", id="msg_1", usage=None, stop_reason=None)
    with caplog.at_level(logging.WARNING, logger="tokentrail.track"):
        tracker.record_message(message)
    assert tracker.errors == 1
    (rec,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert rec.getMessage() == (
        "tokentrail: could not record a response: the response has no usage object"
    )
    assert rec.exc_info is None
