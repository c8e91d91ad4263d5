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

Every other event type is ignored. Errors (:class:`tokentrail.errors.UsageError`, naming the
event by its 1-based position in what was fed): a ``message_delta`` before any
``message_start``, a ``message_start`` without a ``message.usage`` object, a ``message_delta``
whose ``usage`` is missing or not an object (the SDK raises ``AttributeError`` on the last
two; silently dropping the delta would lose its output count).

Validation, like the SDK where it can be:

* **SDK event objects** are taken as the SDK built them (no re-validation), so the result is
  the SDK's own, value for value.
* **dict events**: the event's ``usage`` is validated strictly (pydantic lax mode: ``"5"`` and
  ``5.0`` become ``5``) and built loosely when that fails. The SDK validates the *whole* event
  instead, so when the usage is valid but another part of the event is not (an unknown
  ``stop_reason``, a malformed ``container``), the SDK keeps the usage's values as sent
  (``"5"``, ``1.0``) where tokentrail holds the coerced ``int``. Only such non-``int`` wire
  values differ, and only in their Python type; integer counts (all the API sends) are
  identical either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pydantic

from tokentrail.errors import UsageError
from tokentrail.types._base import BaseModel, dump_object
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


def _build(cls: type[BaseModel], data: Mapping[str, Any], *, validate: bool) -> BaseModel:
    """Strict when ``validate`` and the data validates, else loose."""
    if validate:
        try:
            return cls.model_validate(data)
        except pydantic.ValidationError:
            pass
    return cls.loose(data)


def _event_dict(event: object) -> tuple[dict[str, Any], bool | None]:
    """The event as a dict, plus ``True``/``False`` when an SDK class says beta/GA.

    The flag is ``None`` for a mapping (a decoded SSE event).
    """
    if isinstance(event, Mapping):
        return dict(event), None
    data = dump_object(event)
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
        self._fed = 0

    @property
    def started(self) -> bool:
        """Whether a ``message_start`` has been seen."""
        return self._usage is not None

    @property
    def usage(self) -> Usage | BetaUsage | None:
        """The usage so far (``None`` before ``message_start``); the live object, not a copy."""
        return self._usage

    def feed(self, event: object) -> None:
        """Apply one stream event (dict or SDK event object); see the module docstring."""
        self._fed += 1
        data, is_beta = _event_dict(event)
        kind = data.get("type")
        if kind == "message_start":
            if self._usage is None:
                self._start(data, is_beta)
        elif kind == "message_delta":
            if self._usage is None:
                raise UsageError(
                    f'stream event #{self._fed} "message_delta" arrived before "message_start"'
                )
            self._delta(data, validate=is_beta is None)

    def feed_all(self, events: Iterable[object]) -> UsageAccumulator:
        """Apply every event in order; returns ``self`` for chaining."""
        for event in events:
            self.feed(event)
        return self

    def _start(self, data: Mapping[str, Any], is_beta: bool | None) -> None:
        where = f'stream event #{self._fed} "message_start"'
        message = data.get("message")
        if not isinstance(message, Mapping):
            raise UsageError(f"{where} has no message object")
        raw = message.get("usage")
        if not isinstance(raw, Mapping):
            raise UsageError(f"{where} has no message.usage object (got {raw!r})")
        if self._beta_choice is not None:
            self._beta = self._beta_choice
        elif is_beta is not None:
            self._beta = is_beta
        cls: type[Usage] | type[BetaUsage] = BetaUsage if self._beta else Usage
        first = _build(cls, raw, validate=is_beta is None)
        self._usage = cls.loose(first.to_dict(warnings=False))
        self.message_id = _str_or_none(message.get("id"))
        self.model = _str_or_none(message.get("model"))
        self.stop_reason = _str_or_none(message.get("stop_reason"))

    def _delta(self, data: Mapping[str, Any], *, validate: bool) -> None:
        usage = self._usage
        assert usage is not None
        raw = data.get("usage")
        if not isinstance(raw, Mapping):
            what = "has no usage" if raw is None else f"has a usage that is not an object: {raw!r}"
            raise UsageError(f'stream event #{self._fed} "message_delta" {what}')
        cls = BetaMessageDeltaUsage if self._beta else MessageDeltaUsage
        delta_usage = _build(cls, raw, validate=validate)
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
