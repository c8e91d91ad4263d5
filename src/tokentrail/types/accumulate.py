"""``UsageAccumulator``: the final usage of a streamed response, exactly as the SDK builds it.

Feed it the stream's events (dicts as decoded from SSE ``data:`` lines, or SDK event objects,
recognised by duck typing). Only two kinds matter:

* ``message_start`` — the snapshot starts as a loose copy of ``message.usage`` (its
  ``to_dict()``); ``id``, ``model`` and ``stop_reason`` are remembered. A second
  ``message_start`` is ignored, as in the SDK.
* ``message_delta`` — counts are cumulative, so they **overwrite**, never add:
  ``output_tokens`` always; ``input_tokens``, ``cache_creation_input_tokens``,
  ``cache_read_input_tokens``, ``server_tool_use``, ``output_tokens_details`` (and, beta only,
  ``iterations`` and ``fallback_credit``) only when the delta's value is not ``null``. Nothing
  else is touched (``cache_creation``, ``service_tier``, ``speed``, ``inference_geo`` keep their
  ``message_start`` values). ``stop_reason`` is set from the delta every time, even to ``None``.

Every other event type is ignored. A ``message_delta`` before any ``message_start`` raises
:class:`tokentrail.errors.UsageError` (the SDK raises too). Each event's usage is validated
strictly when it can be, else built loosely, like the SDK's handling of events.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pydantic

from tokentrail.errors import UsageError
from tokentrail.types._base import BaseModel
from tokentrail.types.beta import BetaMessageDeltaUsage, BetaUsage
from tokentrail.types.usage import MessageDeltaUsage, Usage

__all__ = ["UsageAccumulator"]

_OVERWRITE_IF_SET = (
    "input_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
    "server_tool_use",
    "output_tokens_details",
)
_BETA_OVERWRITE_IF_SET = ("iterations", "fallback_credit")


def _strict_or_loose(cls: type[BaseModel], data: Mapping[str, Any]) -> BaseModel:
    try:
        return cls.model_validate(data)
    except pydantic.ValidationError:
        return cls.loose(data)


def _event_dict(event: object) -> tuple[dict[str, Any], bool | None]:
    """The event as a dict, plus ``True``/``False`` when an SDK class says beta/GA."""
    if isinstance(event, Mapping):
        return dict(event), None
    for method, kwargs in (("to_dict", {}), ("model_dump", {"exclude_unset": True})):
        dump = getattr(event, method, None)
        if callable(dump):
            data = dump(**kwargs)
            if isinstance(data, Mapping):
                return dict(data), type(event).__name__.startswith("Beta")
    raise UsageError(f"cannot read a stream event from a {type(event).__name__}")


class UsageAccumulator:
    """Accumulates stream events into the response's final usage (tokens).

    ``beta=None`` (default) picks the flavour at ``message_start``: GA for an SDK event whose
    class is not ``Beta*``, beta (the superset) otherwise, including for dicts. Pass
    ``beta=False`` to mirror the GA SDK exactly on dict events (it never reads ``iterations``
    or ``fallback_credit`` from a delta).
    """

    def __init__(self, *, beta: bool | None = None) -> None:
        self._beta_choice = beta
        self._beta = True
        self._usage: Usage | BetaUsage | None = None
        self.message_id: str | None = None
        """``message.id`` from ``message_start``."""
        self.model: str | None = None
        """``message.model`` from ``message_start``, as reported."""
        self.stop_reason: str | None = None
        """Latest ``stop_reason`` (from ``message_start``, then each ``message_delta``)."""

    @property
    def started(self) -> bool:
        """Whether a ``message_start`` has been seen."""
        return self._usage is not None

    @property
    def usage(self) -> Usage | BetaUsage | None:
        """The usage so far (``None`` before ``message_start``); the live object, not a copy."""
        return self._usage

    def feed(self, event: object) -> None:
        """Apply one stream event (dict or SDK event object)."""
        data, is_beta = _event_dict(event)
        kind = data.get("type")
        if kind == "message_start":
            if self._usage is None:
                self._start(data, is_beta)
        elif kind == "message_delta":
            if self._usage is None:
                raise UsageError('stream event "message_delta" arrived before "message_start"')
            self._delta(data)

    def feed_all(self, events: Iterable[object]) -> UsageAccumulator:
        """Apply every event in order; returns ``self`` for chaining."""
        for event in events:
            self.feed(event)
        return self

    def _start(self, data: Mapping[str, Any], is_beta: bool | None) -> None:
        message = data.get("message")
        if not isinstance(message, Mapping):
            raise UsageError('"message_start" event without a message object')
        raw = message.get("usage")
        if not isinstance(raw, Mapping):
            raise UsageError('"message_start" event without message.usage')
        if self._beta_choice is not None:
            self._beta = self._beta_choice
        elif is_beta is not None:
            self._beta = is_beta
        cls: type[Usage] | type[BetaUsage] = BetaUsage if self._beta else Usage
        first = _strict_or_loose(cls, raw)
        self._usage = cls.loose(first.to_dict())
        self.message_id = _str_or_none(message.get("id"))
        self.model = _str_or_none(message.get("model"))
        self.stop_reason = _str_or_none(message.get("stop_reason"))

    def _delta(self, data: Mapping[str, Any]) -> None:
        usage = self._usage
        assert usage is not None
        raw = data.get("usage")
        raw_map: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        cls = BetaMessageDeltaUsage if self._beta else MessageDeltaUsage
        delta_usage = _strict_or_loose(cls, raw_map)
        delta = data.get("delta")
        stop = delta.get("stop_reason") if isinstance(delta, Mapping) else None
        self.stop_reason = _str_or_none(stop)
        usage.output_tokens = delta_usage.output_tokens  # type: ignore[attr-defined]
        names = _OVERWRITE_IF_SET + (_BETA_OVERWRITE_IF_SET if self._beta else ())
        for name in names:
            value = getattr(delta_usage, name, None)
            if value is not None:
                setattr(usage, name, value)


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None
