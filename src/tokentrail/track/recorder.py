"""Turns one completed API response into a ledger record, run figures and exports.

:class:`Tracker` is what an instrumented client calls: :meth:`Tracker.before_request` (the
budget check, the only thing allowed to raise into the user's call) and the ``record_*`` /
``tap_*`` methods after a response. Everything after the request is wrapped so that a bug
or a bad payload is logged on ``tokentrail.track`` and counted in :attr:`Tracker.errors`,
never raised: the user's call returns exactly what the SDK returned.

Streams are tapped, not replaced: the SDK stream's own iterator is wrapped in place, only
``message_start`` / ``message_delta`` events are fed to :class:`~tokentrail.types.UsageAccumulator`,
and the record is made at ``message_stop``. A stream the caller abandons after
``message_start`` (``close()``, ``break``, garbage collection) is recorded when it is closed,
as incomplete (``stop_reason`` unset): its input was billed. A stream closed before any
event was read (``with client.messages.stream(...) as s: pass``) is read at close up to its
``message_start`` and recorded the same way. A stream that *fails* (an
``error`` event, a lost connection) is not a completed request and records nothing; the
SDK's exception reaches the caller unchanged. A complete non-streamed ``Message`` (parsed or
read from the raw body) is a finished request whatever its ``stop_reason`` (``null``
included); a stream is finished once its ``stop_reason`` arrived.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Iterator, Mapping
from typing import Any

import msgspec

from tokentrail.ingest.api_records import api_record
from tokentrail.ledger.costing import Coster
from tokentrail.track.runs import Run, current_run
from tokentrail.track.writer import LedgerWriter
from tokentrail.types import UsageAccumulator

__all__ = ["CallInfo", "Listener", "Tracker"]

log = logging.getLogger("tokentrail.track")

_enc = msgspec.json.Encoder()
_USAGE_EVENTS = frozenset({"message_start", "message_delta"})
#: Events read, at most, to find the ``message_start`` of a stream closed before reading.
_START_EVENTS = 8

#: A callback receiving every record (e.g. the OpenTelemetry exporter): the ledger row
#: (:class:`~tokentrail.ingest.records.CCRecord`), its cost in picodollars (``None`` =
#: unpriced) and the :class:`CallInfo` of the request.
Listener = Callable[[Any, "int | None", "CallInfo"], None]


class CallInfo:
    """What the tracker knows about a request besides its response: the ``request_model``
    asked for, ``started_ns`` (``time.time_ns()`` when the call began) and ``ended_ns``
    (set when the response completed), and whether it was streamed."""

    __slots__ = ("ended_ns", "request_model", "started_ns", "stream")

    def __init__(self, request_model: str | None = None, stream: bool = False) -> None:
        self.request_model = request_model
        self.started_ns = time.time_ns()
        self.ended_ns = 0
        self.stream = stream


def _reason(exc: BaseException) -> str:
    """A one-line reason: msgspec names the JSON path of a bad usage value."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, msgspec.ValidationError):
        return f"bad usage in the response: {text.replace('$', 'usage', 1)}"
    return text


def _usage_bytes(usage: Any) -> bytes:
    """The usage object as JSON bytes, fields as sent (SDK model, tokentrail model or dict)."""
    if usage is None:
        raise ValueError("the response has no usage object")
    if isinstance(usage, Mapping):
        return _enc.encode(dict(usage))
    to_dict = getattr(usage, "to_dict", None)
    if callable(to_dict):
        try:  # an odd value sent by the API is kept as sent, without pydantic's warnings
            return _enc.encode(to_dict(warnings=False))
        except TypeError:
            return _enc.encode(to_dict())
    return _enc.encode(usage.model_dump(exclude_unset=True, by_alias=True, warnings=False))


_COSTER: list[Coster] = []  # one shared, catalog-loaded pricer for every tracker
_PRICE_LOCK = threading.Lock()
_READY = threading.Event()  # set once the pricing thread has loaded the catalog (or failed)
_JOBS: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
_START_LOCK = threading.Lock()
_THREAD: list[threading.Thread] = []


def _warm_up() -> None:
    """Start the pricing thread once: it loads the price catalog (reading and validating a
    data file, tens of ms of CPU) off the caller's thread, then prices the records that
    completed before it was ready. The caller's thread or event loop never loads it."""
    with _START_LOCK:
        if _READY.is_set() or (_THREAD and _THREAD[0].is_alive()):
            return
        t = threading.Thread(target=_pricing_loop, name="tokentrail-pricing", daemon=True)
        _THREAD[:] = [t]
    t.start()


def _pricing_loop() -> None:
    try:
        from tokentrail.pricing import Pricer

        coster = Coster(Pricer())
        if not _COSTER:
            _COSTER.append(coster)
    except Exception as exc:  # retried (and reported) by the first job
        log.debug("tokentrail: price catalog warm-up failed: %r", exc)
    _READY.set()
    while True:
        _JOBS.get()()  # jobs never raise (see Tracker._price_later)


def _cost_of(rec: Any) -> int | None:
    if not _COSTER:
        _COSTER.append(Coster())
    with _PRICE_LOCK:  # the fast pricer caches plans in a dict: one thread at a time
        return _COSTER[0].cost(rec)[0]


class Tracker:
    """Records responses of one instrumented client into ``writer`` with ``tags``."""

    def __init__(
        self,
        writer: LedgerWriter,
        tags: Mapping[str, str] | None = None,
        listeners: tuple[Listener, ...] = (),
    ) -> None:
        self.writer = writer
        self.tags = {str(k): str(v) for k, v in (tags or {}).items()}
        self.listeners = listeners
        self.errors = 0
        _warm_up()

    # -- before -----------------------------------------------------------------------

    def before_request(self) -> None:
        """Raise :class:`~tokentrail.errors.BudgetExceeded` if a current run is over budget."""
        r = current_run()
        while r is not None:
            r._check()
            r = r.parent

    # -- after ------------------------------------------------------------------------

    def record_message(
        self, message: Any, request_id: str | None = None, call: CallInfo | None = None
    ) -> None:
        """Record a complete ``Message`` / ``BetaMessage`` (never raises)."""
        try:
            rid = request_id or getattr(message, "_request_id", None)
            self._record(
                _usage_bytes(message.usage),
                model=str(message.model),
                message_id=getattr(message, "id", None),
                request_id=rid,
                stop_reason=getattr(message, "stop_reason", None),
                call=call,
                final=True,
            )
        except Exception as exc:
            self._failed(exc)

    def record_json(
        self, obj: object, request_id: str | None = None, call: CallInfo | None = None
    ) -> None:
        """Record a ``Message`` decoded from a JSON body (a dict; never raises)."""
        try:
            if not isinstance(obj, Mapping) or not isinstance(obj.get("usage"), Mapping):
                raise ValueError("the response body is not a message with a usage object")
            model = obj.get("model")
            mid = obj.get("id")
            stop = obj.get("stop_reason")
            self._record(
                _usage_bytes(obj["usage"]),
                model=model if isinstance(model, str) and model else "<unknown>",
                message_id=mid if isinstance(mid, str) and mid else None,
                request_id=request_id,
                stop_reason=stop if isinstance(stop, str) else None,
                call=call,
                final=True,
            )
        except Exception as exc:
            self._failed(exc)

    def _record(
        self,
        usage_json: bytes,
        *,
        model: str,
        message_id: str | None,
        request_id: str | None,
        stop_reason: str | None,
        run: Run | None = None,
        call: CallInfo | None = None,
        final: bool | None = None,
    ) -> None:
        """``final=True`` for a complete non-streamed message (finished whatever its
        ``stop_reason``); ``None`` for a stream (finished iff ``stop_reason`` is set)."""
        if run is None:
            run = current_run()
        call = call or CallInfo()
        call.ended_ns = time.time_ns()
        tags = dict(self.tags)
        chain: list[Run] = run.chain() if run is not None else []
        for r in reversed(chain):
            tags.update(r.tags)
        if run is not None:
            tags.setdefault("run", run.name)
        rec = api_record(
            usage_json,
            source="sdk",
            model=model,
            ts_ms=call.ended_ns // 1_000_000,
            message_id=message_id,
            request_id=request_id,
            stop_reason=stop_reason,
            tags=tags,
            run_id=run.id if run is not None else None,
            fallback_key=None if message_id else f"call:{uuid.uuid4().hex}",
            final=final,
        )
        for r in chain:
            if self.writer not in r._writers:
                r._writers.append(self.writer)
        self.writer.submit(rec, [r.row() for r in chain])
        if not chain and not self.listeners:
            return  # the ledger prices the record itself, in the writer thread
        if _READY.is_set():
            self._account(rec, chain, call, _cost_of(rec))
            return
        # The catalog is still loading: price in the pricing thread, never here (an event
        # loop would stall). The runs count the request as pending until then, and their
        # figures (and the budget check) wait for it.
        for r in chain:
            r._defer()
        _warm_up()  # (re)start the thread if needed, e.g. in a forked child
        _JOBS.put(lambda: self._price_later(rec, chain, call))

    def _price_later(self, rec: Any, chain: list[Run], call: CallInfo) -> None:
        try:
            cost = _cost_of(rec)
        except Exception as exc:
            cost = None
            self._failed(exc)
        try:
            self._account(rec, chain, call, cost, deferred=True)
        except Exception as exc:
            self._failed(exc)

    def _account(
        self,
        rec: Any,
        chain: list[Run],
        call: CallInfo,
        cost: int | None,
        deferred: bool = False,
    ) -> None:
        for r in chain:
            r._add(rec, cost, deferred=deferred)
        for listener in self.listeners:
            try:
                listener(rec, cost, call)
            except Exception as exc:
                self._failed(exc)

    def _failed(self, exc: BaseException) -> None:
        self.errors += 1
        # One line for the user; the traceback only when debugging tokentrail itself.
        log.warning("tokentrail: could not record a response: %s", _reason(exc))
        log.debug("tokentrail: recording failed", exc_info=exc)

    # -- streams ----------------------------------------------------------------------

    def tap_stream(
        self, stream: Any, request_id: str | None = None, call: CallInfo | None = None
    ) -> None:
        """Wrap a sync SDK ``Stream``'s iterator in place (see the module docstring)."""
        try:
            inner: Iterator[Any] = stream._iterator
            rid = request_id or _header(stream, "request-id")
            state = _StreamState(self, rid, current_run(), call)
            gen = self._tap(inner, state)
            stream.__dict__["_iterator"] = gen
            close = stream.close

            def closing() -> None:
                if state.acc is None and not state.done:
                    # Closed before any event was read (``with client.messages.stream(...)
                    # as s: pass``): the request was sent and its input billed, so read up to
                    # ``message_start`` and record the stream as incomplete.
                    try:
                        for _ in range(_START_EVENTS):
                            next(gen)
                            if state.acc is not None or state.done:
                                break
                    except Exception as exc:
                        log.debug("tokentrail: reading a closed stream's start: %r", exc)
                gen.close()  # records an unfinished stream now (incomplete), not at GC
                close()

            stream.__dict__["close"] = closing
        except Exception as exc:
            self._failed(exc)

    def tap_async_stream(
        self, stream: Any, request_id: str | None = None, call: CallInfo | None = None
    ) -> None:
        """Wrap an ``AsyncStream``'s iterator in place."""
        try:
            inner: AsyncIterator[Any] = stream._iterator
            rid = request_id or _header(stream, "request-id")
            state = _StreamState(self, rid, current_run(), call)
            gen = self._atap(inner, state)
            stream.__dict__["_iterator"] = gen
            close = stream.close

            async def closing() -> None:
                if state.acc is None and not state.done:  # see tap_stream
                    try:
                        for _ in range(_START_EVENTS):
                            await gen.__anext__()
                            if state.acc is not None or state.done:
                                break
                    except Exception as exc:
                        log.debug("tokentrail: reading a closed stream's start: %r", exc)
                await gen.aclose()
                await close()

            stream.__dict__["close"] = closing
        except Exception as exc:
            self._failed(exc)

    def _tap(self, inner: Iterator[Any], state: _StreamState) -> Generator[Any, None, None]:
        try:
            for event in inner:
                state.see(event)
                yield event
        except Exception:
            state.done = True  # the stream failed (API error event, lost connection)
            raise
        finally:
            state.end()

    async def _atap(
        self, inner: AsyncIterator[Any], state: _StreamState
    ) -> AsyncGenerator[Any, None]:
        try:
            async for event in inner:
                state.see(event)
                yield event
        except Exception:
            state.done = True
            raise
        finally:
            state.end()


class _StreamState:
    __slots__ = ("acc", "call", "done", "rid", "run", "tracker")

    def __init__(
        self, tracker: Tracker, rid: str | None, run: Run | None, call: CallInfo | None
    ) -> None:
        self.tracker = tracker
        self.call = call or CallInfo(stream=True)
        self.rid = rid
        self.run = run
        self.acc: UsageAccumulator | None = None
        self.done = False

    def see(self, event: Any) -> None:
        if self.done:
            return
        try:
            kind = event.get("type") if isinstance(event, Mapping) else getattr(event, "type", None)
            if kind in _USAGE_EVENTS:
                if self.acc is None:
                    # The beta flavour (a superset) also for GA streams, so the final usage
                    # keeps ``iterations`` / ``fallback_credit`` when the API sends them.
                    self.acc = UsageAccumulator(beta=True)
                self.acc.feed(_slim(event, kind))
            elif kind == "message_stop":
                self.finish()
        except Exception as exc:
            self.done = True
            self.tracker._failed(exc)

    def end(self) -> None:
        if not self.done:
            try:
                self.finish()
            except Exception as exc:
                self.tracker._failed(exc)

    def finish(self) -> None:
        self.done = True
        acc = self.acc
        if acc is None or acc.usage is None:
            return
        self.tracker._record(
            _enc.encode(acc.usage.to_dict()),
            model=acc.model or "<unknown>",
            message_id=acc.message_id,
            request_id=self.rid,
            stop_reason=acc.stop_reason,
            run=self.run,
            call=self.call,
        )


def _dump(obj: Any) -> Any:
    if obj is None or isinstance(obj, Mapping):
        return obj
    to_dict = getattr(obj, "to_dict", None)
    return to_dict() if callable(to_dict) else obj


def _slim(event: Any, kind: str) -> Any:
    """Only what :class:`UsageAccumulator` reads from an SDK event (never content): dumping
    the whole ``message_start`` (content blocks included) would cost far more."""
    if isinstance(event, Mapping):
        return event
    if kind == "message_start":
        m = event.message
        return {
            "type": kind,
            "message": {
                "id": getattr(m, "id", None),
                "model": getattr(m, "model", None),
                "stop_reason": getattr(m, "stop_reason", None),
                "usage": _dump(m.usage),
            },
        }
    delta = getattr(event, "delta", None)
    return {
        "type": kind,
        "delta": {"stop_reason": getattr(delta, "stop_reason", None)},
        "usage": _dump(getattr(event, "usage", None)),
    }


def _header(obj: Any, name: str) -> str | None:
    response = getattr(obj, "response", None) or getattr(obj, "http_response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    value = headers.get(name)
    return value if isinstance(value, str) else None
