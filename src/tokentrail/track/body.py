"""Recording a response read through ``with_streaming_response``: tap the HTTP body.

``client.messages.with_streaming_response.create(...)`` hands the caller an ``APIResponse``
whose body is not read yet; the caller may read it with ``.parse()``, ``.read()``,
``.json()``, ``.text()``, ``.iter_bytes()``, ``.iter_text()`` or ``.iter_lines()`` (or their
async forms). Every one of those, and the SDK's own ``Stream`` built by ``.parse()``, pulls
the decoded body through the HTTP response's ``iter_bytes`` / ``aiter_bytes``: wrapping that
one method on the response object sees the body once, whichever reader is used.

* A JSON body (a ``Message``) is recorded when the body has been read to its end.
* An SSE body is parsed incrementally; only ``message_start`` / ``message_delta`` data is
  decoded and fed to :class:`~tokentrail.types.UsageAccumulator`, and the record is made at
  ``message_stop``. A read abandoned after ``message_start`` records the stream as
  incomplete (its input was billed); an ``error`` event or a failed read records nothing,
  the rule of :mod:`tokentrail.track.recorder`.
* A body the caller never reads before closing the response: a JSON body is read at
  close (it is already on its way) and recorded; an SSE body is read up to its
  ``message_start`` and recorded as incomplete. So every completed response is recorded
  exactly once; anything that cannot be recorded is logged and counted in
  ``Tracker.errors``.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from tokentrail.track.recorder import CallInfo, Tracker, _StreamState

__all__ = ["tap_body"]

log = logging.getLogger("tokentrail.track")

_dec = msgspec.json.Decoder()
_WANTED = frozenset({b"message_start", b"message_delta", b"message_stop", b"error"})
#: Bytes read at close, at most, to find the ``message_start`` of an unread SSE body.
_CLOSE_READ_LIMIT = 1 << 20


class _BodyTap:
    """What has been seen of one response body (``feed`` / ``end`` / ``abandon`` / ``fail``)."""

    __slots__ = ("done", "json_buf", "name", "pending", "seen", "sse", "state", "tracker")

    def __init__(self, tracker: Tracker, sse: bool, state: _StreamState) -> None:
        self.tracker = tracker
        self.sse = sse
        self.state = state
        self.json_buf = bytearray()
        self.pending = b""
        self.name: bytes | None = None
        self.seen: list[bytes] = []  # data lines of the current SSE event
        self.done = False  # recorded, failed or given up: ignore further bytes (replays)

    def feed(self, chunk: bytes) -> None:
        if self.done:
            return
        try:
            if not self.sse:
                self.json_buf += chunk
                return
            data = self.pending + chunk
            *lines, self.pending = data.split(b"\n")
            for line in lines:
                self._line(line.rstrip(b"\r"))
        except Exception as exc:
            self._give_up(exc)

    def _line(self, line: bytes) -> None:
        if not line:
            self._dispatch()
        elif line.startswith(b"data:"):
            chunk = line[5:]
            self.seen.append(chunk[1:] if chunk.startswith(b" ") else chunk)
        elif line.startswith(b"event:"):
            self.name = line[6:].strip()

    def _dispatch(self) -> None:
        name, data = self.name, self.seen
        self.name, self.seen = None, []
        if not data or (name is not None and name not in _WANTED):
            return
        event = _dec.decode(b"\n".join(data))
        if not isinstance(event, dict):
            return
        if name == b"error" or event.get("type") == "error":
            self.fail()  # the SDK raises: a failed stream is not a completed request
            return
        self.state.see(event)
        if self.state.done:
            self.done = True

    def end(self) -> None:
        """The body was read to its end."""
        if self.done:
            return
        try:
            if self.sse:
                if self.pending:
                    self._line(self.pending.rstrip(b"\r"))
                    self.pending = b""
                self._dispatch()
                if not self.done:
                    self.done = True
                    self.state.end()
                return
            self.done = True
            obj = _dec.decode(bytes(self.json_buf))
            self.json_buf = bytearray()
            self.tracker.record_json(obj, self.state.rid, self.state.call)
        except Exception as exc:
            self._give_up(exc)

    def abandon(self) -> None:
        """The caller stopped reading: an SSE stream already started is recorded as
        incomplete; a partial JSON body cannot be parsed (logged and counted)."""
        if self.done:
            return
        self.done = True
        if self.sse:
            self.state.end()
        elif self.json_buf:
            self._give_up(ValueError("the response body was not read to its end"))

    def fail(self) -> None:
        """The read failed (error event, lost connection): nothing is recorded."""
        self.done = True
        self.state.done = True

    def _give_up(self, exc: Exception) -> None:
        self.done = True
        self.state.done = True
        self.tracker._failed(exc)


def tap_body(tracker: Tracker, resp: Any, call: CallInfo | None) -> None:
    """Wrap ``resp.http_response``'s body readers (see the module docstring)."""
    from tokentrail.track.recorder import _header, _StreamState
    from tokentrail.track.runs import current_run

    http = resp.http_response
    ctype = str(http.headers.get("content-type") or "")
    sse = ctype.startswith("text/event-stream")
    state = _StreamState(tracker, _header(resp, "request-id"), current_run(), call)
    tap = _BodyTap(tracker, sse, state)
    if inspect.iscoroutinefunction(getattr(resp, "read", None)):
        _wrap_async(http, tap)
    else:
        _wrap_sync(http, tap)


def _wrap_sync(http: Any, tap: _BodyTap) -> None:
    iter_bytes = http.iter_bytes
    close = http.close

    def tapped(chunk_size: int | None = None) -> Iterator[bytes]:
        if tap.done:
            yield from iter_bytes(chunk_size)
            return
        try:
            for chunk in iter_bytes(chunk_size):
                tap.feed(chunk)
                yield chunk
        except GeneratorExit:
            tap.abandon()
            raise
        except Exception:
            tap.fail()
            raise
        tap.end()

    def closing() -> None:
        # A reader in progress (the stream is consumed) ends or abandons the tap itself.
        if not tap.done and not http.is_closed and not http.is_stream_consumed:
            _read_at_close(tap, http)
        close()

    http.iter_bytes = tapped
    http.close = closing


def _read_at_close(tap: _BodyTap, http: Any) -> None:
    try:
        if not tap.sse:
            http.read()
            return
        read = 0
        gen = http.iter_bytes()
        try:
            for chunk in gen:
                read += len(chunk)
                if tap.done or tap.state.acc is not None or read > _CLOSE_READ_LIMIT:
                    break
        finally:
            gen.close()
    except Exception as exc:
        log.debug("tokentrail: could not read an unread response at close: %r", exc)


def _wrap_async(http: Any, tap: _BodyTap) -> None:
    aiter_bytes = http.aiter_bytes
    aclose = http.aclose

    async def tapped(chunk_size: int | None = None) -> AsyncIterator[bytes]:
        if tap.done:
            async for chunk in aiter_bytes(chunk_size):
                yield chunk
            return
        try:
            async for chunk in aiter_bytes(chunk_size):
                tap.feed(chunk)
                yield chunk
        except GeneratorExit:
            tap.abandon()
            raise
        except Exception:
            tap.fail()
            raise
        tap.end()

    async def closing() -> None:
        if not tap.done and not http.is_closed and not http.is_stream_consumed:
            await _aread_at_close(tap, http)
        await aclose()

    http.aiter_bytes = tapped
    http.aclose = closing


async def _aread_at_close(tap: _BodyTap, http: Any) -> None:
    try:
        if not tap.sse:
            await http.aread()
            return
        read = 0
        gen = http.aiter_bytes()
        try:
            async for chunk in gen:
                read += len(chunk)
                if tap.done or tap.state.acc is not None or read > _CLOSE_READ_LIMIT:
                    break
        finally:
            await gen.aclose()
    except Exception as exc:
        log.debug("tokentrail: could not read an unread response at close: %r", exc)
