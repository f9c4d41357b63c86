"""The consoles' live stream: every change of a story and of the audit log, as server-sent events.

Each console holds one stream (``GET /v1/desk/stream``). It starts with a
``snapshot`` event (every live story and the recent log), then one event per
change: ``story`` (a ``DeskStory``), ``gone`` (a story that ended: its id),
``log`` (a log entry, sent again when its outcome arrives), and a comment
line every ``heartbeat_s`` so proxies keep it open. A console that falls
``MAX_QUEUED`` events behind is cut off; it reconnects and gets a fresh
snapshot, so it never shows a silent gap.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

__all__ = ["MAX_QUEUED", "Watchers", "sse"]

MAX_QUEUED = 2000
"""Events a console may fall behind before its stream is closed (it reconnects with a fresh snapshot)."""


def sse(event: str, data: Any) -> bytes:
    """One server-sent event with a JSON payload."""
    return b"event: " + event.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


class Watchers:
    """The open console streams, each an outbound queue of encoded events (``None`` ends it)."""

    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[bytes | None]] = set()

    def __len__(self) -> int:
        return len(self._queues)

    def open(self) -> asyncio.Queue[bytes | None]:
        """A new stream's queue."""
        queue: asyncio.Queue[bytes | None] = asyncio.Queue(MAX_QUEUED)
        self._queues.add(queue)
        return queue

    def close(self, queue: asyncio.Queue[bytes | None]) -> None:
        """Forget a stream (its client went away)."""
        self._queues.discard(queue)

    def broadcast(self, event: str, data: Any) -> None:
        """Send one event to every stream; a stream that is too far behind is ended."""
        frame = sse(event, data)
        for queue in list(self._queues):
            try:
                queue.put_nowait(frame)
            except asyncio.QueueFull:
                self._queues.discard(queue)
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(None)

    def end_all(self) -> None:
        """End every stream (shutting down)."""
        for queue in list(self._queues):
            while not queue.empty():
                queue.get_nowait()
            queue.put_nowait(None)
        self._queues.clear()
