"""Server-Sent Events framing (WHATWG HTML, "server-sent events").

Each protocol message becomes one SSE event: ``event:`` is the message type,
``id:`` the cursor where the message has one (so the browser's automatic
reconnect sends it back as ``Last-Event-ID``), ``data:`` the same JSON as on
the WebSocket. JSON from orjson never contains a raw newline, so one
``data:`` line is always enough.
"""

from __future__ import annotations

RESPONSE_HEAD = (
    b"HTTP/1.1 200 OK\r\n"
    b"Content-Type: text/event-stream; charset=utf-8\r\n"
    b"Cache-Control: no-store\r\n"
    b"X-Accel-Buffering: no\r\n"
    b"Connection: close\r\n"
)


def sse_event(kind: str, data: bytes, cursor: str | None = None) -> bytes:
    """One SSE event carrying ``data`` (a JSON message) under ``event: kind``."""
    head = b"event: " + kind.encode() + b"\n"
    if cursor is not None:
        head += b"id: " + cursor.encode() + b"\n"
    return head + b"data: " + data + b"\n\n"


def retry_hint(retry_ms: int) -> bytes:
    """Tells the browser how long to wait before reconnecting (ms)."""
    return b"retry: " + str(retry_ms).encode() + b"\n\n"


def response_head(extra_headers: list[tuple[str, str]]) -> bytes:
    """The HTTP head of an SSE stream (close-delimited body), with extra headers such as CORS."""
    extra = b"".join(f"{k}: {v}\r\n".encode() for k, v in extra_headers)
    return RESPONSE_HEAD + extra + b"\r\n"
