"""Recognising an event the log already carried, so no reader gets it twice.

The ticker publishes each event once, but an event may still appear twice in
``ticker.events`` under the same ``event_id``: a worker presumed dead (a
network partition, not a crash) can still write while the one that took over
re-publishes what it cannot find. Every event advances its story's
``revision``, so an event whose revision is not newer than the newest seen
for its story is a repeat. The gateway drops repeats before they enter the
ring, for live fan-out and resumes alike; a read of older events back from
Kafka (:mod:`stoppress.push.history`) applies the same rule within what it
reads.
"""

from __future__ import annotations

MAX_STORIES = 100_000
"""Stories whose newest revision is remembered; the least recently changed are forgotten first."""


class Revisions:
    """The newest revision seen per story, for the :data:`MAX_STORIES` most recently changed."""

    def __init__(self, capacity: int = MAX_STORIES) -> None:
        self._capacity = capacity
        self._newest: dict[str, int] = {}

    def is_repeat(self, story_id: str, revision: int) -> bool:
        """Whether an event bringing ``story_id`` to ``revision`` was seen before (if not, remember it)."""
        newest = self._newest.pop(story_id, None)
        if newest is not None and revision <= newest:
            self._newest[story_id] = newest
            return True
        self._newest[story_id] = revision
        if len(self._newest) > self._capacity:
            del self._newest[next(iter(self._newest))]
        return False

    def clear(self) -> None:
        """Forget everything (the topic was recreated)."""
        self._newest.clear()
