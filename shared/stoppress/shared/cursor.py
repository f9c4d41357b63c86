"""Cursors: where a reader is in ``ticker.events``, in a form any gateway replica can check.

``ticker.events`` has one partition, so a position is one offset. An offset
alone cannot tell that the topic was deleted and recreated (offsets restart at
0 and a stale cursor would silently skip or repeat events), and aiokafka does
not expose Kafka's topic id. So a cursor also carries a *fingerprint* of the
record at that offset: 32 bits of BLAKE2b over the record's Kafka timestamp
(ms) and the event's ``event_id``. Any replica that still has that record (in
memory or in Kafka) recomputes the fingerprint; a mismatch means "another
incarnation of the topic" and the client gets a fresh snapshot with
``recovered: false`` instead of a silent gap. The timestamp makes the check
strict even if a replayed ticker writes the same event ids at the same offsets.

Wire form (opaque to clients): ``1-<offset>-<fingerprint as 8 hex digits>``,
for example ``1-41-9f3a2c1b``. ``offset`` is the offset of the last event the
client has; ``-1`` (``1--1-00000000``) means "before the first event", issued
when the topic is empty.

The gateway issues cursors and checks them (``stoppress.push``); the ticker
issues one too, for the event an editor's command caused (its outcome says
"readers holding this cursor have seen it").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

__all__ = ["BEFORE_FIRST", "CURSOR_VERSION", "Cursor", "cursor_text", "fingerprint", "read_cursor"]

CURSOR_VERSION = "1"
NO_FINGERPRINT = "00000000"
MAX_CURSOR_CHARS = 64


def fingerprint(timestamp_ms: int, event_id: str) -> str:
    """The 8-hex-digit fingerprint of the record with this Kafka timestamp (ms) and event id."""
    digest = hashlib.blake2b(f"{timestamp_ms}|{event_id}".encode(), digest_size=4)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Cursor:
    """Offset of the last event a client has, and the fingerprint of that record."""

    offset: int
    fingerprint: str

    def __str__(self) -> str:
        return f"{CURSOR_VERSION}-{self.offset}-{self.fingerprint}"


BEFORE_FIRST = Cursor(-1, NO_FINGERPRINT)
"""The cursor of an empty topic: the client has nothing yet."""


def cursor_text(offset: int, timestamp_ms: int, event_id: str) -> str:
    """The wire form of the cursor of the event ``event_id`` stored at ``offset`` with this timestamp (ms)."""
    return str(Cursor(offset, fingerprint(timestamp_ms, event_id)))


def read_cursor(text: str) -> Cursor:
    """Parse a cursor string; raise ``ValueError`` with the reason when it is not one of ours."""
    if len(text) > MAX_CURSOR_CHARS:
        raise ValueError("cursor is too long")
    version, sep, rest = text.partition("-")
    if not sep or version != CURSOR_VERSION:
        raise ValueError(f"cursor {text!r} is not a version-{CURSOR_VERSION} cursor")
    offset_text, sep, fp = rest.rpartition("-")
    if not sep or len(fp) != 8 or any(c not in "0123456789abcdef" for c in fp):
        raise ValueError(f"cursor {text!r} has no valid fingerprint")
    try:
        offset = int(offset_text)
    except ValueError:
        raise ValueError(f"cursor {text!r} has no valid offset") from None
    if offset < -1:
        raise ValueError(f"cursor {text!r} has a negative offset")
    return Cursor(offset, fp)
