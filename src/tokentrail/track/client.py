"""``track(client)``: instrument an ``anthropic`` client in place so every response is recorded.

Works on ``Anthropic`` / ``AsyncAnthropic`` and any client with the same resources
(``AnthropicBedrock``, ``AnthropicVertex`` and their async forms): duck-typed on
``client.messages`` and ``client.beta.messages``. On each of those resources it wraps

* ``create`` — a ``Message`` is recorded when returned; with ``stream=True`` the returned
  ``Stream`` / ``AsyncStream`` (the same object) is tapped and recorded at ``message_stop``;
* ``stream`` — the ``MessageStreamManager``'s request is tapped the same way, so
  ``with client.messages.stream(...) as s`` records once the stream ends;
* ``parse`` — structured outputs: the returned ``ParsedMessage`` is recorded;
* ``client.with_options(...)`` / ``client.copy(...)`` — the new client is tracked too;
* ``with_raw_response.create`` — the raw response is parsed for the record (the SDK caches
  the parse, so the caller's ``.parse()`` returns the same object);
* ``with_streaming_response.create`` — the HTTP body is tapped as the caller reads it,
  whichever reader (``parse``, ``read``, ``json``, ``text``, ``iter_bytes`` / ``iter_text``
  / ``iter_lines``), streamed or not; a body left unread is read at close (see
  :mod:`tokentrail.track.body`).

The SDK's retries happen inside ``create``, so a call that succeeds after retries is one
record; a call that fails (4xx, 5xx after retries, connection error) records nothing and the
SDK's exception propagates unchanged. Return values are the SDK's own objects. The only
exception tokentrail adds is :class:`~tokentrail.errors.BudgetExceeded`, raised *before* a
request is sent. ``anthropic`` is never imported here: it stays an optional extra.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Mapping
from typing import Any, TypeVar

from tokentrail.track.body import tap_body
from tokentrail.track.recorder import CallInfo, Listener, Tracker
from tokentrail.track.writer import get_writer

__all__ = ["track"]

log = logging.getLogger("tokentrail.track")

C = TypeVar("C")

_RAW_HEADER = "X-Stainless-Raw-Response"
_MARK = "_tokentrail_tracker"


def track(
    client: C,
    *,
    ledger: object = None,
    tags: Mapping[str, str] | None = None,
    listeners: tuple[Listener, ...] = (),
) -> C:
    """Instrument ``client`` in place and return it (see the module docstring).

    ``ledger``: a path, ``None`` (``$TOKENTRAIL_LEDGER`` or the platform default) or an open
    ledger store. ``tags`` (str to str) are added to every record. ``listeners`` receive each
    ledger row and its cost in picodollars (e.g. :class:`tokentrail.track.otel.OTelExporter`).
    Tracking the same client again replaces its ledger, tags and listeners (never wraps twice).
    """
    resources = _resources(client)
    if not resources:
        raise TypeError(
            f"cannot track a {type(client).__name__}: it has no messages resource "
            "(expected an anthropic client)"
        )
    writer = get_writer(ledger)
    writer.warm()
    tracker = Tracker(writer, tags, listeners)
    _instrument_client(client, tracker)
    return client


def _instrument_client(client: Any, tracker: Tracker) -> None:
    for res in _resources(client):
        _instrument(res, tracker)
    # client.with_options(...) / client.copy(...) build a new client: track it the same way.
    try:
        already = _MARK in vars(client)
        client.__dict__[_MARK] = tracker
    except TypeError:  # no instance dict: copies cannot be followed
        return
    if already:
        return
    for name in ("copy", "with_options"):
        method = getattr(client, name, None)
        if callable(method):
            setattr(client, name, _copier(method, client))


def _copier(method: Any, client: Any) -> Any:
    @functools.wraps(method)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        new = method(*args, **kwargs)
        tracker: Tracker = client.__dict__[_MARK]
        try:
            _instrument_client(new, tracker)
        except Exception as exc:
            tracker._failed(exc)
        return new

    return wrapped


def _resources(client: object) -> list[Any]:
    out = []
    messages = getattr(client, "messages", None)
    if messages is not None and hasattr(messages, "create"):
        out.append(messages)
    beta = getattr(client, "beta", None)
    beta_messages = getattr(beta, "messages", None) if beta is not None else None
    if beta_messages is not None and hasattr(beta_messages, "create"):
        out.append(beta_messages)
    return out


def _instrument(res: Any, tracker: Tracker) -> None:
    already = _MARK in vars(res)
    res.__dict__[_MARK] = tracker
    if already:
        return
    for cached in ("with_raw_response", "with_streaming_response"):
        res.__dict__.pop(cached, None)
    res.create = _create(res, res.create)
    parse = getattr(res, "parse", None)  # structured outputs: posts itself, returns a message
    if callable(parse):
        res.parse = _create(res, parse)
    stream = getattr(res, "stream", None)
    if callable(stream):
        res.stream = _stream(res, stream)


def _tracker(res: Any) -> Tracker:
    t: Tracker = res.__dict__[_MARK]
    return t


def _raw_mode(kwargs: Mapping[str, Any]) -> str | None:
    headers = kwargs.get("extra_headers")
    if isinstance(headers, Mapping):
        value = headers.get(_RAW_HEADER)
        return value if isinstance(value, str) else None
    return None


def _create(res: Any, create: Any) -> Any:
    """Wrap ``create``; an async resource's ``create`` returns a coroutine (the SDK's
    decorators hide that from ``inspect``), handled by :func:`_finish_async`."""

    if inspect.iscoroutinefunction(inspect.unwrap(create)):

        @functools.wraps(create)
        async def awrapped(*args: Any, **kwargs: Any) -> Any:
            tracker = _tracker(res)
            tracker.before_request()  # raised when awaited, like the SDK's own errors
            call = _call(kwargs)
            return await _finish_async(tracker, create(*args, **kwargs), _raw_mode(kwargs), call)

        return awrapped

    @functools.wraps(create)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        tracker = _tracker(res)
        tracker.before_request()
        call = _call(kwargs)
        result = create(*args, **kwargs)
        if inspect.iscoroutine(result):  # an async create that inspect could not see through
            return _finish_async(tracker, result, _raw_mode(kwargs), call)
        _observe(tracker, result, _raw_mode(kwargs), call=call)
        return result

    return wrapped


async def _finish_async(tracker: Tracker, pending: Any, mode: str | None, call: CallInfo) -> Any:
    result = await pending
    if mode == "raw" and _is_api_response(result):
        try:
            parsed = await result.parse()
            _observe(tracker, parsed, None, _header(result), call)
        except Exception as exc:
            tracker._failed(exc)
    else:
        _observe(tracker, result, mode, call=call)
    return result


def _call(kwargs: Mapping[str, Any]) -> CallInfo:
    model = kwargs.get("model")
    return CallInfo(model if isinstance(model, str) else None, kwargs.get("stream") is True)


def _is_api_response(obj: Any) -> bool:
    return hasattr(obj, "parse") and hasattr(obj, "http_response")


def _header(resp: Any) -> str | None:
    try:
        value = resp.http_response.headers.get("request-id")
    except Exception:
        return None
    return value if isinstance(value, str) else None


def _observe(
    tracker: Tracker,
    result: Any,
    mode: str | None,
    rid: str | None = None,
    call: CallInfo | None = None,
) -> None:
    """Record or tap whatever ``create`` returned; never raises."""
    try:
        if _is_api_response(result):
            if mode == "raw" and not inspect.iscoroutinefunction(result.parse):
                _observe(tracker, result.parse(), None, _header(result), call)
            else:  # with_streaming_response: the body is unread, whatever reads it is tapped
                tap_body(tracker, result, call)
        elif hasattr(type(result), "__stream__") and hasattr(result, "response"):
            if hasattr(type(result), "__anext__"):
                tracker.tap_async_stream(result, rid, call)
            else:
                tracker.tap_stream(result, rid, call)
        elif hasattr(result, "usage") and hasattr(result, "model"):
            tracker.record_message(result, rid, call)
    except Exception as exc:
        tracker._failed(exc)


def _stream(res: Any, stream: Any) -> Any:
    @functools.wraps(stream)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        tracker = _tracker(res)
        tracker.before_request()
        manager = stream(*args, **kwargs)
        try:
            model = kwargs.get("model")
            _tap_manager(tracker, manager, model if isinstance(model, str) else None)
        except Exception as exc:
            tracker._failed(exc)
        return manager

    return wrapped


def _tap_manager(tracker: Tracker, manager: Any, model: str | None) -> None:
    """Wrap the manager's private request callable so the stream it opens is tapped."""
    names = [n for n in vars(manager) if n.endswith("__api_request")]
    if len(names) != 1:
        log.warning(
            "tokentrail: cannot tap %s (unknown SDK layout); this stream is not tracked",
            type(manager).__name__,
        )
        tracker.errors += 1
        return
    name = names[0]
    request = getattr(manager, name)
    if inspect.isawaitable(request):  # AsyncMessageStreamManager holds the pending coroutine
        setattr(manager, name, _await_and_tap(tracker, request, model))
    elif callable(request):

        def srequest() -> Any:
            tracker.before_request()
            call = CallInfo(model, stream=True)
            raw = request()
            tracker.tap_stream(raw, call=call)
            return raw

        setattr(manager, name, srequest)


async def _await_and_tap(tracker: Tracker, pending: Any, model: str | None) -> Any:
    try:
        tracker.before_request()
    except BaseException:
        close = getattr(pending, "close", None)
        if callable(close):
            close()  # the request is never sent
        raise
    call = CallInfo(model, stream=True)
    raw = await pending
    tracker.tap_async_stream(raw, call=call)
    return raw
