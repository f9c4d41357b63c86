"""The in-memory event ring: the most recent events of ``ticker.events``, bounded by count.

Each :class:`RingEntry` is one event with everything fan-out needs, built
once: its cursor, the event's JSON, and (lazily, then cached) the WebSocket
frame and the SSE bytes for "matches" and "left your filter". A resume whose
cursor is still in the ring is served from here; older cursors are read back
from Kafka (see :mod:`stoppress.push.resume`).
"""

from __future__ import annotations

import bisect
import itertools
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from stoppress.push import messages
from stoppress.push.filters import Filter
from stoppress.push.frames import text_frame
from stoppress.push.sse import sse_event
from stoppress.shared.codec import encode
from stoppress.shared.cursor import Cursor, fingerprint
from stoppress.shared.models import StoryView, TickerEvent

StoryFields = tuple[str, str | None, str | None, str]
"""(level, category, region, language) of a story: all a filter looks at."""


class Delivery(Enum):
    """What one subscription gets for one event."""

    NONE = 0
    MATCH = 1
    LEAVE = 2
    """The story matched the filter before this event and does not now: the client must drop it."""


def story_fields(story: StoryView) -> StoryFields:
    """The filterable attributes of ``story``."""
    return (story.level, story.category, story.region, story.language)


UNKNOWN_PREVIOUS = ("?", None, None, "?")
"""Marker for "the story's state before this event is not known" (events read back or replayed at start)."""


@dataclass(slots=True, eq=False)
class RingEntry:
    """One event at one offset, with its encodings made at most once."""

    offset: int
    fingerprint: str
    event: TickerEvent
    fields: StoryFields
    previous: StoryFields | None
    """Filter attributes before this event; ``None`` for a story the gateway did not have."""
    fresh: bool = False
    """The event brings a headline (see :func:`brings_headline`): it counts in the end-to-end latency histogram."""
    cursor: str = field(init=False)
    event_json: bytes = field(init=False)
    _cache: dict[tuple[str, bool], bytes] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.cursor = str(Cursor(self.offset, self.fingerprint))
        self.event_json = encode(self.event)

    @property
    def story_id(self) -> str:
        """The story this event changes (the coalescing key of an outbound queue)."""
        return self.event.story.story_id

    def delivery(self, subscription: Filter, restricted: frozenset[str]) -> Delivery:
        """Whether a subscription gets this event, as a match or as "left your filter"."""
        level, category, region, language = self.fields
        if subscription.matches_fields(level, category, region, language, restricted):
            return Delivery.MATCH
        if self.previous is None:
            return Delivery.NONE
        if self.previous is UNKNOWN_PREVIOUS:
            return Delivery.LEAVE if self.event.type != "story.new" else Delivery.NONE
        level, category, region, language = self.previous
        if subscription.matches_fields(level, category, region, language, restricted):
            return Delivery.LEAVE
        return Delivery.NONE

    def encoded(self, transport: str, matches: bool) -> bytes:
        """The bytes every connection of ``transport`` ("ws" or "sse") gets; built once, then shared."""
        key = (transport, matches)
        cached = self._cache.get(key)
        if cached is None:
            message = messages.event(self.cursor, self.event_json, matches)
            cached = text_frame(message) if transport == "ws" else sse_event("event", message, self.cursor)
            self._cache[key] = cached
        return cached


def entry_for(
    offset: int, timestamp_ms: int, event: TickerEvent, previous: StoryFields | None, *, fresh: bool = False
) -> RingEntry:
    """Build the ring entry of the record at ``offset`` with Kafka timestamp ``timestamp_ms``."""
    return RingEntry(
        offset=offset,
        fingerprint=fingerprint(timestamp_ms, event.event_id),
        event=event,
        fields=story_fields(event.story),
        previous=previous,
        fresh=fresh,
    )


def brings_headline(event: TickerEvent, last_ingested_at: datetime | None) -> bool:
    """Whether ``event`` was caused by a headline, so ``now - ingested_at`` is an end-to-end latency.

    ``ingested_at`` is the receipt of the story's newest headline. A change the
    ticker's clock makes (a level falling, a story expiring) keeps the stamp of
    the headline before it, so it brings a headline only if its stamp is newer
    than that of the story's previous event here (``last_ingested_at``). A
    ``story.new`` always does; an event of a story this gateway saw no event of
    (it started since) is left out rather than guessed. A headline that joined
    a story without an event of its own (held back) counts with the next event,
    whatever made it: that is when its news reached readers.
    """
    if event.type == "story.new":
        return True
    return last_ingested_at is not None and event.ingested_at > last_ingested_at


class EventRing:
    """The last ``capacity`` events in offset order (offsets strictly increase, gaps allowed).

    Gaps happen in compacted or transactional topics; a cursor is only ever
    checked against the record it names, so they are harmless.
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("ring capacity must be at least 1")
        self._entries: deque[RingEntry] = deque(maxlen=capacity)

    def __len__(self) -> int:
        return len(self._entries)

    def append(self, entry: RingEntry) -> None:
        """Add the newest event; the oldest falls out when full. Offsets must increase."""
        if self._entries and entry.offset <= self._entries[-1].offset:
            raise ValueError(f"offset {entry.offset} is not after {self._entries[-1].offset}")
        self._entries.append(entry)

    def clear(self) -> None:
        """Forget every event (the topic was recreated under the gateway)."""
        self._entries.clear()

    @property
    def first_offset(self) -> int | None:
        """Offset of the oldest event kept, or ``None`` when empty."""
        return self._entries[0].offset if self._entries else None

    @property
    def last(self) -> RingEntry | None:
        """The newest event, or ``None`` when empty."""
        return self._entries[-1] if self._entries else None

    def _index(self, offset: int) -> int:
        """Position of the first entry whose offset is ``>= offset`` (binary search)."""
        return bisect.bisect_left(self._entries, offset, key=_offset_of)

    def find(self, offset: int) -> RingEntry | None:
        """The entry at exactly ``offset``, if kept."""
        index = self._index(offset)
        if index < len(self._entries) and self._entries[index].offset == offset:
            return self._entries[index]
        return None

    def fingerprint_at(self, offset: int) -> str | None:
        """Fingerprint of the event at ``offset``, if kept."""
        entry = self.find(offset)
        return entry.fingerprint if entry is not None else None

    def after(self, offset: int) -> Iterator[RingEntry]:
        """Every kept entry with an offset greater than ``offset``, oldest first."""
        return itertools.islice(self._entries, self._index(offset + 1), None)


def _offset_of(entry: RingEntry) -> int:
    return entry.offset
