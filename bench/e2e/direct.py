"""The comparison run: the same readers, events written straight to ``ticker.events`` as the ticker would.

It measures what the gateway and the readers cost on their own (Kafka write →
reader), so the end-to-end figure can be read as "gateway" plus "ingest and
ticker". Each event is a new story whose headline carries the run's tag and a
sequence number from :data:`~bench.e2e.stats.DIRECT_BASE`, exactly as the
posted headlines do.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from bench.e2e.load import headline
from bench.e2e.stats import DIRECT_BASE
from stoppress.shared.codec import encode
from stoppress.shared.kafka import durable_producer
from stoppress.shared.models import StoryView, TickerEvent, event_id_for
from stoppress.shared.topics import TICKER_EVENTS, TICKER_STORIES


def new_story(tag: str, seq: int) -> TickerEvent:
    """The ``story.new`` event the ticker would publish for headline ``seq`` of run ``tag``, stamped now."""
    now = datetime.now(UTC)
    story_id = f"st-{tag}-{seq}"
    view = StoryView(story_id=story_id, headline=headline(tag, seq), level="breaking", score=60.0,
                     sources=1, first_seen=now, updated_at=now, revision=1)  # fmt: skip
    return TickerEvent(event_id=event_id_for(story_id, 1), type="story.new", story=view, ingested_at=now,
                       processed_at=now)  # fmt: skip


async def write_events(bootstrap: str, tag: str, offsets: Sequence[float]) -> dict[int, float]:
    """Write one new story at each offset (s from now); return sequence number → when its event was sent."""
    producer = durable_producer(bootstrap, f"bench-e2e-{tag}")
    await producer.start()
    sent: dict[int, float] = {}
    try:
        start = time.monotonic()
        for n, offset in enumerate(offsets):
            await asyncio.sleep(max(0.0, start + offset - time.monotonic()))
            seq = DIRECT_BASE + n
            event = new_story(tag, seq)
            key = event.story.story_id.encode()
            await producer.send_and_wait(TICKER_STORIES, encode(event.story), key=key)
            sent[seq] = time.time()
            await producer.send_and_wait(TICKER_EVENTS, encode(event), key=key)
    finally:
        await producer.stop()
    return sent
