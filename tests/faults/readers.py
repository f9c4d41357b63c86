"""Well-behaved readers: Python SDK streams that record what they receive, and how late.

The SDK (:class:`stoppress.shared.client.Stream`) is used as a reader would
use it, unmodified: default backoff, resume from the last cursor.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from stoppress.shared.client import Stream, StreamError
from stoppress.shared.protocol import Event, Recovered, Snapshot


@dataclass
class ClientLog:
    """What one reader received: its first snapshot's cursor, and per event (in order) its id, headline and delay."""

    first_cursor: str | None = None
    event_ids: list[str] = field(default_factory=list)
    headlines: list[str] = field(default_factory=list)
    """The story headline of each event, in order."""
    delays_s: list[float] = field(default_factory=list)
    """Receipt time minus the event's ``processed_at`` stamp, per event (s)."""
    recovered: int = 0
    snapshots: int = 0
    failure: str | None = None


async def follow(stream: Stream, log: ClientLog) -> None:
    """Record every message of ``stream`` into ``log`` until the stream is closed or fails."""
    try:
        async for message in stream:
            if isinstance(message, Snapshot):
                log.snapshots += 1
                log.first_cursor = log.first_cursor or message.cursor
            elif isinstance(message, Event):
                log.delays_s.append(time.time() - message.event.processed_at.timestamp())
                log.event_ids.append(message.event.event_id)
                log.headlines.append(message.event.story.headline)
            elif isinstance(message, Recovered):
                log.recovered += 1
    except StreamError as exc:
        log.failure = repr(exc)


def cursor_offset(cursor: str) -> int:
    """The offset in a v1 cursor (``1-<offset>-<fingerprint>``); opaque to clients, but the test knows it."""
    return int(cursor.partition("-")[2].rpartition("-")[0])


async def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Poll ``condition`` every 0.1 s; raise ``AssertionError`` naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s:.0f} s: {what}")
        await asyncio.sleep(0.1)


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]
