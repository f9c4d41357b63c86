"""The driver's own reader: one WebSocket client that tells the driver what the gateway published.

It is not one of the measured readers. The driver needs it to learn the
story id of each headline it posted (from the ``story.new``), the id of the
``story.update`` a headline update caused (the desk's answer names the events
of an editor's command; ingest's answer cannot), and to wait until one round's
event is out before the next round starts, so rounds never overlap.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson
from websockets.asyncio.client import connect


@dataclass(frozen=True)
class Seen:
    """One event as the observer received it (``at``: ``time.time()``, s)."""

    at: float
    event_id: str
    type: str
    story_id: str
    headline: str


class Observer:
    """Follows ``ws_url`` from now on; :meth:`wait_for` waits for an event that matches."""

    def __init__(self, ws_url: str) -> None:
        self.ws_url = ws_url
        self.events: list[Seen] = []
        self.by_id: dict[str, Seen] = {}
        self.last_by_story: dict[str, float] = {}
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self._open = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._follow())
        await asyncio.wait_for(self._open.wait(), 60)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _follow(self) -> None:
        async with connect(self.ws_url, compression=None, max_size=2**24, ping_interval=None) as ws:
            await ws.recv()  # welcome
            await ws.recv()  # snapshot
            self._open.set()
            async for frame in ws:
                message = orjson.loads(frame)
                if message.get("type") != "event":
                    continue
                event = message["event"]
                seen = Seen(
                    time.time(),
                    event["event_id"],
                    event["type"],
                    event["story"]["story_id"],
                    event["story"]["headline"],
                )
                self.events.append(seen)
                self.by_id[seen.event_id] = seen
                self.last_by_story[seen.story_id] = seen.at
                async with self._changed:
                    self._changed.notify_all()

    async def wait_for(self, matches: Callable[[Seen], bool], timeout_s: float) -> Seen | None:
        """The first event received that ``matches`` (looking back over all received so far); ``None`` on timeout."""
        checked = 0
        try:
            async with asyncio.timeout(timeout_s), self._changed:
                while True:
                    for seen in self.events[checked:]:
                        if matches(seen):
                            return seen
                    checked = len(self.events)
                    await self._changed.wait()
        except TimeoutError:
            return None

    async def wait_ids(self, event_ids: list[str], timeout_s: float) -> bool:
        """Whether every event of ``event_ids`` has arrived, waiting up to ``timeout_s``."""
        wanted = set(event_ids)
        try:
            async with asyncio.timeout(timeout_s), self._changed:
                await self._changed.wait_for(lambda: wanted <= self.by_id.keys())
        except TimeoutError:
            return False
        return True


def published(text: str) -> Callable[[Seen], bool]:
    """Whether an event is the ``story.new`` of a story whose headline is ``text``."""
    return lambda seen: seen.type == "story.new" and seen.headline == text
