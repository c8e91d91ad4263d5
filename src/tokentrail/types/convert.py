"""``usage_from``: one entry point from anything that carries a usage to a tokentrail model.

Accepted inputs:

* a tokentrail :class:`Usage` / :class:`BetaUsage` (kept as is in loose mode);
* an ``anthropic`` SDK object — recognised by duck typing (a ``to_dict`` or ``model_dump``
  method), never by importing the SDK. A class named ``Usage`` maps to our GA :class:`Usage`,
  anything else (``BetaUsage``, ...) to :class:`BetaUsage`. An object with a ``usage``
  attribute and no ``input_tokens`` (a ``Message``) is read through its ``usage``;
* a mapping, or JSON text (``str`` / ``bytes``) holding an object → :class:`BetaUsage` (the
  superset). A mapping without ``input_tokens``/``output_tokens`` but with a ``usage`` mapping
  (a whole message) is read through ``usage``.

Loose by default (what ingest uses): unknown Literal values, unknown iteration kinds and extra
keys are kept. Strict on request: pydantic validation exactly as the SDK's ``model_validate``.
In loose mode a nested object may lack some of its keys (old payloads carry
``server_tool_use`` without ``web_fetch_requests``); they count as 0. Both modes then check
the token counts: a missing ``input_tokens``/``output_tokens``, a
non-object where an object belongs, or a non-integer count raises
:class:`tokentrail.errors.UsageError`; a negative or boolean count raises
:class:`tokentrail.errors.TokenCountError`. The message names the field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pydantic

from tokentrail.errors import TokenCountError, UsageError
from tokentrail.types._base import BaseModel, dump_object
from tokentrail.types.beta import BetaUsage
from tokentrail.types.counts import count_of
from tokentrail.types.usage import Usage

__all__ = ["usage_from"]

_TOP_COUNTS = ("cache_creation_input_tokens", "cache_read_input_tokens")
_ITER_COUNTS = ("cache_creation_input_tokens", "cache_read_input_tokens", "input_tokens")
_KNOWN_KINDS = frozenset({"message", "compaction", "advisor_message", "fallback_message"})
_NESTED_COUNTS: dict[str, tuple[str, ...]] = {
    "cache_creation": ("ephemeral_1h_input_tokens", "ephemeral_5m_input_tokens"),
    "server_tool_use": ("web_fetch_requests", "web_search_requests"),
    "output_tokens_details": ("thinking_tokens",),
}
_STR_FIELDS = ("inference_geo", "service_tier", "speed")


def usage_from(x: object, *, strict: bool = False) -> Usage | BetaUsage:
    """Read a usage from ``x`` (see the module docstring for what is accepted).

    ``strict=False`` (default) parses loosely like the SDK's ``construct``; ``strict=True``
    validates like its ``model_validate``. Raises :class:`UsageError` (bad JSON, not an object,
    missing or mistyped field) or :class:`TokenCountError` (negative or boolean count).
    """
    cls, data = _classify(x)
    if isinstance(data, BaseModel):
        if strict:
            return _validate(cls, data.to_dict(warnings=False))
        _check(data)
        return data  # type: ignore[return-value]
    _reject_bools(data)
    model = _validate(cls, data) if strict else cls.loose(data)
    _check(model)
    return model


def _classify(x: object, depth: int = 0) -> tuple[type[Usage] | type[BetaUsage], Any]:
    if depth > 2:
        raise UsageError("cannot find a usage: nested too deep")
    if isinstance(x, Usage):
        return Usage, x
    if isinstance(x, BetaUsage):
        return BetaUsage, x
    if isinstance(x, (str, bytes, bytearray, memoryview)):
        text = bytes(x) if isinstance(x, memoryview) else x
        try:
            parsed = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise UsageError(f"usage is not valid JSON: {exc}") from None
        except RecursionError:
            raise UsageError("usage is not valid JSON: nested too deeply") from None
        if not isinstance(parsed, Mapping):
            raise UsageError(f"usage JSON must be an object, got {type(parsed).__name__}")
        return _classify(parsed, depth + 1)
    if isinstance(x, Mapping):
        inner = x.get("usage")
        if "input_tokens" not in x and "output_tokens" not in x and isinstance(inner, Mapping):
            return _classify(inner, depth + 1)
        if not all(isinstance(k, str) for k in x):
            raise UsageError("usage keys must be strings")
        return BetaUsage, dict(x)
    if not hasattr(x, "input_tokens") and hasattr(x, "usage"):
        return _classify(x.usage, depth + 1)
    if not callable(getattr(x, "to_dict", None)) and not callable(getattr(x, "model_dump", None)):
        raise UsageError(f"cannot read a usage from a {type(x).__name__}")
    data = dump_object(x)  # quietly: no pydantic warnings for unknown kinds / Literal values
    if not isinstance(data, Mapping):
        raise UsageError(f"{type(x).__name__} did not dump to a mapping")
    cls: type[Usage] | type[BetaUsage] = Usage if type(x).__name__ == "Usage" else BetaUsage
    return cls, dict(data)


def _validate(cls: type[Usage] | type[BetaUsage], data: object) -> Usage | BetaUsage:
    try:
        return cls.model_validate(data)
    except pydantic.ValidationError as exc:
        problems = []
        for err in exc.errors()[:3]:
            where = "usage"
            for part in err["loc"]:
                where += f"[{part}]" if isinstance(part, int) else f".{part}"
            problems.append(f"{where}: {err['msg']}")
        more = f" (and {exc.error_count() - 3} more)" if exc.error_count() > 3 else ""
        raise UsageError("invalid usage: " + "; ".join(problems) + more) from None


def _reject_bools(data: Mapping[str, Any]) -> None:
    def check(obj: object, names: tuple[str, ...], where: str) -> None:
        if isinstance(obj, Mapping):
            for n in names:
                if isinstance(obj.get(n), bool):
                    raise TokenCountError(f"{where}.{n} must be an integer, not a boolean")

    check(data, ("input_tokens", "output_tokens", *_TOP_COUNTS), "usage")
    for name, names in _NESTED_COUNTS.items():
        check(data.get(name), names, f"usage.{name}")
    items = data.get("iterations")
    if isinstance(items, list):
        for i, item in enumerate(items):
            check(item, (*_ITER_COUNTS, "output_tokens"), f"usage.iterations[{i}]")
            if isinstance(item, Mapping):
                names = _NESTED_COUNTS["cache_creation"]
                check(item.get("cache_creation"), names, f"usage.iterations[{i}].cache_creation")


def _required(obj: object, name: str, where: str) -> None:
    if count_of(obj, name, where=where) is None:
        raise UsageError(f"{where}.{name} is missing (or null); it is required")


def _nested(obj: object, name: str, where: str) -> None:
    value = getattr(obj, name, None)
    if value is None:
        return
    if not isinstance(value, BaseModel):
        raise UsageError(f"{where}.{name} must be an object, got {value!r}")
    for field in _NESTED_COUNTS[name]:  # absent keys are tolerated (older payloads lack some)
        count_of(value, field, where=f"{where}.{name}")


def _check(u: BaseModel) -> None:
    """Check the counts of a built usage (loose models can hold anything)."""
    _required(u, "input_tokens", "usage")
    _required(u, "output_tokens", "usage")
    for name in _TOP_COUNTS:
        count_of(u, name)
    for name in _NESTED_COUNTS:
        _nested(u, name, "usage")
    for name in _STR_FIELDS:
        value = getattr(u, name, None)
        if value is not None and not isinstance(value, str):
            raise UsageError(f"usage.{name} must be a string, got {value!r}")
    items = getattr(u, "iterations", None)
    if items is None:
        return
    if not isinstance(items, list):
        raise UsageError(f"usage.iterations must be a list, got {type(items).__name__}")
    for i, item in enumerate(items):
        where = f"usage.iterations[{i}]"
        if not isinstance(item, BaseModel):
            raise UsageError(f"{where} must be an object, got {item!r}")
        kind = getattr(item, "type", None)
        if not isinstance(kind, str):
            raise UsageError(f"{where}.type must be a string, got {kind!r}")
        for name in (*_ITER_COUNTS, "output_tokens"):
            if kind in _KNOWN_KINDS:
                _required(item, name, where)
            else:  # a kind the API added later: counts it carries must still be valid
                count_of(item, name, where=where)
        _nested(item, "cache_creation", where)
        model = getattr(item, "model", None)
        if model is not None and not isinstance(model, str):
            raise UsageError(f"{where}.model must be a string, got {model!r}")
