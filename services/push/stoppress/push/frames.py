"""WebSocket framing done once per message, so one event costs one encode for all sockets.

A server-to-client frame is never masked (RFC 6455 §5.1), so the bytes of a
text frame depend only on the payload: the gateway builds them once and writes
the same ``bytes`` object to every socket. This needs permessage-deflate off
(compression is per connection state), which the gateway does.
"""

from __future__ import annotations

import struct

_FIN_TEXT = 0x81
_FIN_CLOSE = 0x88


def text_frame(payload: bytes) -> bytes:
    """The complete, unmasked, unfragmented text frame carrying ``payload`` (UTF-8 JSON)."""
    return _frame(_FIN_TEXT, payload)


def _frame(first: int, payload: bytes) -> bytes:
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", first, length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", first, 126, length)
    else:
        header = struct.pack("!BBQ", first, 127, length)
    return header + payload
