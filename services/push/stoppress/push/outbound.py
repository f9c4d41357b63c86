"""The per-connection outbound queue policy: bounded bytes, coalescing, then "slow consumer".

Messages go straight to the socket while it keeps up. Only when the socket's
write buffer is above its high-water mark do they wait here. The queue is
bounded in bytes; when a new message does not fit, superseded messages are
dropped first — an older event about a story for which a newer event is
queued (each event carries the full story, so the newer one replaces it),
and older heartbeats. If it still does not fit, the connection is a slow
consumer: the gateway closes it with 4008 and the client resumes from its
cursor. Order of the surviving messages never changes, so cursors only move
forward.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import Enum


class Offer(Enum):
    """Outcome of :meth:`OutboundQueue.push`."""

    QUEUED = 1
    COALESCED = 2
    """Queued after dropping superseded messages."""
    OVERFLOW = 3
    """Does not fit even after coalescing: close the connection with 4008."""


@dataclass(slots=True)
class Pending:
    """One message waiting for the socket: its bytes and its coalescing key (``None`` = never dropped)."""

    data: bytes
    key: str | None


class OutboundQueue:
    """Messages waiting for one socket, at most ``max_bytes`` of them."""

    __slots__ = ("_items", "dropped", "max_bytes", "size")

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: deque[Pending] | tuple[()] = ()
        """Empty tuple until the first push: most queues never hold anything, and a deque costs 0.7 KiB."""
        self.size = 0
        """Bytes currently queued."""
        self.dropped = 0
        """Superseded messages dropped by coalescing, over the queue's life."""

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def push(self, data: bytes, key: str | None) -> Offer:
        """Queue a message; coalesce if it does not fit; report overflow if that is not enough.

        After :attr:`Offer.OVERFLOW` the queue must not be used again: the
        connection is closed and the client resumes from the cursor of the
        last message it actually received.
        """
        outcome = Offer.QUEUED
        if self.size + len(data) > self.max_bytes:
            self._coalesce(key)
            outcome = Offer.COALESCED
            if self.size + len(data) > self.max_bytes:
                return Offer.OVERFLOW
        if not isinstance(self._items, deque):
            self._items = deque()
        self._items.append(Pending(data, key))
        self.size += len(data)
        return outcome

    def pop(self) -> bytes:
        """The oldest queued message (the caller checks the queue is not empty)."""
        assert isinstance(self._items, deque)
        item = self._items.popleft()
        self.size -= len(item.data)
        return item.data

    def _coalesce(self, incoming_key: str | None) -> None:
        """Keep only the newest message per key, counting ``incoming_key`` as newest of all."""
        seen: set[str] = set() if incoming_key is None else {incoming_key}
        kept: deque[Pending] = deque()
        for item in reversed(self._items):
            if item.key is not None:
                if item.key in seen:
                    self.size -= len(item.data)
                    self.dropped += 1
                    continue
                seen.add(item.key)
            kept.appendleft(item)
        self._items = kept
