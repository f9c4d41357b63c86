"""A stand-in for the ticker: writes story views and events into a test's private topics, as the ticker does.

Gateway fault tests need a steady, known stream of events and nothing else;
the real ticker is exercised by the ticker and topology tests.
"""

from __future__ import annotations

from datetime import UTC, datetime

from stoppress.shared.codec import encode
from stoppress.shared.kafka import durable_producer
from stoppress.shared.models import StoryView, TickerEvent, event_id_for
from tests.support.kafka import PrivateTopics


class StandInTicker:
    """Writes the story's view on ``ticker.stories``, then its event on ``ticker.events`` (both acknowledged).

    Event ``n`` changes story ``n % stories``; ``headline_chars`` pads headlines to make events bigger.
    :attr:`written` lists the event ids in the order written.
    """

    def __init__(self, bootstrap: str, topics: PrivateTopics, *, stories: int, headline_chars: int = 40) -> None:
        self._producer = durable_producer(bootstrap, "fault-stand-in-ticker")
        self._topics = topics
        self._stories = stories
        self._headline_chars = headline_chars
        self._revisions: dict[str, int] = {}
        self.written: list[str] = []

    async def __aenter__(self) -> StandInTicker:
        await self._producer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._producer.stop()

    async def write(self, n: int) -> None:
        """Write event ``n``; its ``processed_at`` is the moment just before the event is sent."""
        story_id = f"st-fault-{n % self._stories:03d}"
        revision = self._revisions.get(story_id, 0) + 1
        self._revisions[story_id] = revision
        text = f"Fault-suite story {n % self._stories}, revision {revision} ".ljust(self._headline_chars, "x")
        now = datetime.now(UTC)
        view = StoryView(story_id=story_id, headline=text, level="breaking", score=50.0, sources=1,
                         first_seen=now, updated_at=now, revision=revision)  # fmt: skip
        await self._producer.send_and_wait(self._topics.stories, encode(view), key=story_id.encode())
        now = datetime.now(UTC)
        event = TickerEvent(event_id=event_id_for(story_id, revision),
                            type="story.new" if revision == 1 else "story.update",
                            story=view, ingested_at=now, processed_at=now)  # fmt: skip
        await self._producer.send_and_wait(self._topics.events, encode(event), key=story_id.encode())
        self.written.append(event.event_id)
