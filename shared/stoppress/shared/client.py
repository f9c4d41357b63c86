"""Python client SDK for the push gateway: ``async for message in Stream(url, filters)``.

::

    async with Stream("ws://127.0.0.1:8080/v1/ws", Filters(levels=("flash", "breaking"))) as stream:
        async for message in stream:
            ...  # Snapshot, Event or Recovered (see stoppress.shared.protocol)

A :class:`Stream` connects, yields the snapshot and then every event, keeps
the cursor of the last message, and when the link drops it reconnects with
jittered exponential backoff (:mod:`stoppress.shared.reconnect`) and resumes
from that cursor, so the caller sees every event once and in order. If the
gateway can no longer replay the gap it says so with a fresh snapshot marked
``recovered: false``; the stream then raises :class:`ResyncRequired`, or
with ``resync="silent"`` yields that snapshot and carries on.

The rules (cursor bookkeeping, what each message means) live in the pure
:class:`StreamSession`; :class:`Stream` is the thin asyncio/websockets edge.

Exceptions::

    StreamError                 root of everything a Stream raises
    ├── ResyncRequired          a resume could not be honoured; ``.snapshot`` is the fresh state
    ├── StreamRefused           the gateway refused us for good (4001, 4003, HTTP 403, ...); ``.code``
    ├── StreamUnavailable       ``max_attempts`` consecutive connection attempts failed
    └── ServerMisbehaved        the gateway sent a frame that is not protocol v1

The names say what happened, like websockets' ``ConnectionClosed``, hence no ``Error`` suffix.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI
from websockets.typing import Origin

from stoppress.shared.protocol import (
    Event,
    Filters,
    ProtocolError,
    Recovered,
    ServerError,
    ServerMessage,
    Snapshot,
    StreamMessage,
    Welcome,
    parse_server_message,
)
from stoppress.shared.reconnect import (
    Backoff,
    CloseAction,
    action_for_close,
    action_for_http_status,
    retry_after_s,
)

__all__ = [
    "Filters",
    "ResyncRequired",
    "ServerMisbehaved",
    "Stream",
    "StreamError",
    "StreamRefused",
    "StreamSession",
    "StreamUnavailable",
]

log = logging.getLogger(__name__)

ResyncMode = Literal["raise", "silent"]
ABNORMAL_CLOSE = 1006
"""What a dropped link without a close frame counts as (RFC 6455)."""


class StreamError(Exception):
    """Root of every error a :class:`Stream` raises."""


class ResyncRequired(StreamError):  # noqa: N818
    """The gateway could not replay what we missed; ``snapshot`` is the current state to restart from."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__(
            "resume failed: the gateway no longer has the events after our cursor "
            f"(got a fresh snapshot of {len(snapshot.stories)} stories with recovered=false); "
            "rebuild your view from .snapshot or use resync='silent'"
        )
        self.snapshot = snapshot


class StreamRefused(StreamError):  # noqa: N818
    """The gateway refused the connection and retrying will not help; ``code`` is the close code or HTTP status."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"gateway refused the stream ({code}): {reason or 'no reason given'}")
        self.code = code
        self.reason = reason


class StreamUnavailable(StreamError):  # noqa: N818
    """Gave up after ``attempts`` consecutive failed connection attempts."""

    def __init__(self, attempts: int, last_error: str) -> None:
        super().__init__(f"gateway unreachable after {attempts} attempts; last error: {last_error}")
        self.attempts = attempts
        self.last_error = last_error


class ServerMisbehaved(StreamError):  # noqa: N818
    """The gateway sent a frame that is not a valid protocol v1 message."""


class StreamSession:
    """Cursor bookkeeping and message rules of one logical stream across reconnects (no I/O).

    Call :meth:`opened` when a new connection starts, feed every server
    message to :meth:`receive`, and connect with :meth:`connect_query`.
    Invariant: ``cursor`` is the cursor of the last message handed to the
    user, so a resume from it neither repeats nor skips anything.
    """

    def __init__(self, filters: Filters, cursor: str | None = None, resync: ResyncMode = "raise") -> None:
        self.filters = filters
        self.cursor = cursor
        self.resync: ResyncMode = resync
        self.heartbeat: float | None = None
        self.server_error: ServerError | None = None
        self._resuming = False

    def connect_query(self) -> dict[str, str]:
        """Query parameters for the next connection: the filters, plus the cursor to resume from."""
        query = self.filters.query()
        if self.cursor is not None:
            query["cursor"] = self.cursor
        return query

    def opened(self) -> None:
        """A new connection starts: forget per-connection facts; it resumes if we hold a cursor."""
        self._resuming = self.cursor is not None
        self.heartbeat = None
        self.server_error = None

    def silence_limit(self) -> float | None:
        """Seconds without any frame that mean a dead link (three missed heartbeats); ``None`` before the welcome."""
        return None if self.heartbeat is None else 3.0 * self.heartbeat

    def receive(self, message: ServerMessage) -> StreamMessage | None:
        """Apply one server message; return what to hand to the user, if anything.

        Raises :class:`ResyncRequired` on a failed resume in "raise" mode.
        """
        if isinstance(message, Welcome):
            self.heartbeat = message.heartbeat_s
        elif isinstance(message, Snapshot):
            if self._resuming and not message.recovered and self.resync == "raise":
                raise ResyncRequired(message)
            return self._synced(message, message.cursor)
        elif isinstance(message, Event):
            self.cursor = message.cursor
            return message
        elif isinstance(message, Recovered):
            return self._synced(message, message.cursor or self.cursor)
        elif isinstance(message, ServerError):
            self.server_error = message
        return None

    def _synced(self, message: StreamMessage, cursor: str | None) -> StreamMessage:
        self.cursor = cursor
        self._resuming = False
        return message


def refusal_detail(body: bytes | bytearray | None) -> str:
    """The readable reason of a refused upgrade: a problem+json ``detail``, else the body as text."""
    if not body:
        return ""
    try:
        problem = orjson.loads(body)
    except orjson.JSONDecodeError:
        problem = None
    if isinstance(problem, dict) and isinstance(problem.get("detail"), str):
        return str(problem["detail"])
    return bytes(body).decode(errors="replace").strip()[:500]


class _SilentLinkError(Exception):
    """No frame arrived within the heartbeat allowance: treat the link as dead."""


class Stream:
    """An endless, resuming stream of :data:`~stoppress.shared.protocol.StreamMessage` from one gateway.

    ``url`` is the WebSocket endpoint (``ws://host:8080/v1/ws``); ``cursor``
    resumes a stream saved earlier (``stream.cursor``); ``token`` is the
    signed token for restricted channels; ``max_attempts`` bounds
    consecutive failed connection attempts (``None``: retry forever).
    ``uniform01`` draws the jitter (``random.random``; injectable for tests).
    """

    def __init__(
        self,
        url: str,
        filters: Filters | None = None,
        *,
        cursor: str | None = None,
        resync: ResyncMode = "raise",
        token: str | None = None,
        origin: str | None = None,
        backoff: Backoff | None = None,
        max_attempts: int | None = None,
        open_timeout: float = 10.0,
        max_frame_bytes: int = 16 * 1024 * 1024,
        uniform01: Callable[[], float] = random.random,
    ) -> None:
        self._url = url
        self._session = StreamSession(filters or Filters(), cursor, resync)
        self._token = token
        self._origin = origin
        self._backoff = backoff or Backoff()
        self._max_attempts = max_attempts
        self._open_timeout = open_timeout
        self._max_frame_bytes = max_frame_bytes
        self._uniform01 = uniform01
        self._closing = asyncio.Event()
        self._ws: ClientConnection | None = None
        self._iterating = False

    @property
    def cursor(self) -> str | None:
        """The cursor of the last message yielded (save it to resume later)."""
        return self._session.cursor

    def __aiter__(self) -> AsyncIterator[StreamMessage]:
        if self._iterating:
            raise RuntimeError("a Stream can be iterated by one consumer at a time")
        self._iterating = True
        return self._messages()

    async def __aenter__(self) -> Stream:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop the stream: close the connection and end iteration (idempotent)."""
        self._closing.set()
        if self._ws is not None:
            await self._ws.close()

    def connect_url(self) -> str:
        """The URL of the next connection attempt: ``url`` plus filters, cursor and token."""
        parts = urlsplit(self._url)
        query = dict(parse_qsl(parts.query))
        query.update(self._session.connect_query())
        if self._token is not None:
            query["token"] = self._token
        return urlunsplit(parts._replace(query=urlencode(query, safe=",")))

    async def _messages(self) -> AsyncIterator[StreamMessage]:
        failures = 0
        try:
            while not self._closing.is_set():
                action, why, retry_after = CloseAction.RECONNECT, "", None
                self._session.opened()
                try:
                    async with connect(
                        self.connect_url(),
                        origin=None if self._origin is None else Origin(self._origin),
                        open_timeout=self._open_timeout,
                        max_size=self._max_frame_bytes,
                    ) as ws:
                        self._ws = ws
                        async for message in self._read(ws):
                            failures = 0
                            yield message
                except ConnectionClosed as exc:
                    code = exc.rcvd.code if exc.rcvd is not None else ABNORMAL_CLOSE
                    reason = self._reason(exc.rcvd.reason if exc.rcvd is not None else "")
                    action, why = action_for_close(code), f"closed with {code} {reason}".strip()
                    if action is CloseAction.GIVE_UP and not self._closing.is_set():
                        raise StreamRefused(code, reason) from None
                except InvalidStatus as exc:
                    status = exc.response.status_code
                    reason = refusal_detail(exc.response.body)
                    action, why = action_for_http_status(status), f"HTTP {status} {reason}".strip()
                    if action is CloseAction.GIVE_UP:
                        raise StreamRefused(status, reason) from None
                    retry_after = retry_after_s(exc.response.headers.get("Retry-After"), datetime.now(UTC))
                except InvalidURI as exc:
                    raise StreamRefused(0, f"invalid URL: {exc}") from None
                except _SilentLinkError as exc:
                    why = str(exc)
                except (OSError, TimeoutError, InvalidHandshake) as exc:
                    why = f"{type(exc).__name__}: {exc}"
                finally:
                    self._ws = None
                if self._closing.is_set():
                    return
                failures += 1
                if self._max_attempts is not None and failures >= self._max_attempts:
                    raise StreamUnavailable(failures, why)
                await self._wait_before_retry(failures - 1, action, why, retry_after)
        finally:
            self._iterating = False

    async def _read(self, ws: ClientConnection) -> AsyncIterator[StreamMessage]:
        while True:
            try:
                async with asyncio.timeout(self._session.silence_limit()):
                    frame = await ws.recv()
            except TimeoutError:
                await ws.close(1000, "no heartbeat")
                raise _SilentLinkError(f"no frame for {self._session.silence_limit()} s") from None
            try:
                message = parse_server_message(frame)
            except ProtocolError as exc:
                await ws.close(1002, "invalid frame")
                raise ServerMisbehaved(f"gateway sent an invalid frame: {exc.reason}") from None
            if message is None:
                continue
            delivery = self._session.receive(message)
            if delivery is not None:
                yield delivery

    def _reason(self, close_reason: str) -> str:
        error = self._session.server_error
        return error.message if error is not None else close_reason

    async def _wait_before_retry(self, attempt: int, action: CloseAction, why: str, retry_after: float | None) -> None:
        delay = self._backoff.delay(attempt, action, self._uniform01, retry_after)
        log.warning("stream disconnected (%s); reconnecting in %.2f s", why, delay, extra={"attempt": attempt + 1})
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), delay)
