"""The events the hub has published and not yet written to every live outlet, numbered in publish order.

Fan-out works in rounds (see :mod:`stoppress.push.hub`): every live outlet
keeps its *position*, the number of the last event written (or queued) to
it, and one visit in a round brings it up to the newest. What a visit writes
depends only on the outlet's position, subscription and transport, so a
round builds it once per distinct (position, subscription, transport) — a
:class:`Batch` — and writes the same bytes to every outlet that shares them.
Events are numbered here, from 1, not by Kafka offset: a recreated topic
starts its offsets again, the numbering goes on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from stoppress.push.filters import Filter
from stoppress.push.ring import Delivery, RingEntry


@dataclass(frozen=True, slots=True)
class Batch:
    """What one visit writes: the frames of every event after a position that a subscription gets."""

    joined: bytes
    """The frames, concatenated: one write for a client that keeps up."""
    frames: tuple[bytes, ...]
    keys: tuple[str, ...]
    """Each frame's story (its coalescing key in an outbound queue)."""

class Backlog:
    """Published events from the oldest that some live outlet may still need, to the newest."""

    __slots__ = ("_entries", "_first", "newest")

    def __init__(self) -> None:
        self._entries: list[RingEntry] = []
        self._first = 1
        """Number of ``_entries[0]``."""
        self.newest = 0
        """Number of the newest event published; 0 before the first."""

    def __len__(self) -> int:
        return len(self._entries)

    def append(self, entries: Sequence[RingEntry]) -> None:
        """Number ``entries`` (oldest first) after the newest."""
        self._entries.extend(entries)
        self.newest += len(entries)

    def batch(self, position: int, subscription: Filter, transport: str, restricted: frozenset[str]) -> Batch | None:
        """The events after ``position`` that ``subscription`` gets on ``transport``; ``None`` if none.

        Raises :class:`ValueError` for a position older than the backlog keeps:
        the caller trimmed events an outlet still needed.
        """
        start = position + 1 - self._first
        if start < 0:
            raise ValueError(f"position {position} is before the backlog's first event ({self._first})")
        frames: list[bytes] = []
        keys: list[str] = []
        for entry in self._entries[start:]:
            delivery = entry.delivery(subscription, restricted)
            if delivery is not Delivery.NONE:
                frames.append(entry.encoded(transport, delivery is Delivery.MATCH))
                keys.append(entry.story_id)
        if not frames:
            return None
        return Batch(b"".join(frames), tuple(frames), tuple(keys))

    def trim(self, upto: int) -> list[RingEntry]:
        """Forget the events numbered up to ``upto`` (every live outlet has them); return them, oldest first."""
        count = max(0, min(upto, self.newest) + 1 - self._first)
        dropped = self._entries[:count]
        del self._entries[:count]
        self._first += count
        return dropped
