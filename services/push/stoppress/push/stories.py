"""The snapshot state: the current view of every story, for ``snapshot`` messages and REST.

Two inputs feed it: the compacted ``ticker.stories`` (latest ``StoryView`` per
``story_id``, a tombstone deletes) and the live ``ticker.events`` (each event
carries the full ``StoryView``). They are not written atomically by the
ticker, so either may be ahead; the higher ``revision`` always wins, and a
deletion remembers the revision it happened at so a late, older view cannot
bring a story back.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from stoppress.push.filters import Filter
from stoppress.shared.models import LEVELS, StoryView, TickerEvent

_LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}
REMOVING_EVENTS = frozenset({"story.retract", "story.expire"})


def best_first_key(story: StoryView) -> tuple[bool, float, int, float, float]:
    """Sort key: stories an editor pinned first, the latest pin first; then most urgent level, then highest
    score, then most recently updated. Snapshots, ``/v1/stories`` and the Atom feed all list in this order."""
    pinned = story.pinned_at.timestamp() if story.pinned_at is not None else 0.0
    return (story.pinned_at is None, -pinned, _LEVEL_RANK[story.level], -story.score, -story.updated_at.timestamp())


class StoryState:
    """Latest ``StoryView`` per story, with a version number that changes on every change."""

    def __init__(self, max_deleted: int = 100_000) -> None:
        self._stories: dict[str, StoryView] = {}
        self._deleted: OrderedDict[str, int] = OrderedDict()
        self._max_deleted = max_deleted
        self.version = 0
        """Bumped on every change, so encoded snapshots can be cached per (filter, version)."""

    def __len__(self) -> int:
        return len(self._stories)

    def get(self, story_id: str) -> StoryView | None:
        """The current view of one story."""
        return self._stories.get(story_id)

    def apply_view(self, view: StoryView) -> bool:
        """Take ``view`` if it is newer than what we have (or deleted); return whether it changed."""
        current = self._stories.get(view.story_id)
        newest = max(current.revision if current else 0, self._deleted.get(view.story_id, 0))
        if view.revision <= newest:
            return False
        self._stories[view.story_id] = view
        self._deleted.pop(view.story_id, None)
        self.version += 1
        return True

    def apply_tombstone(self, story_id: str) -> bool:
        """A ``ticker.stories`` tombstone: delete the story; return whether it existed."""
        current = self._stories.pop(story_id, None)
        if current is None:
            return False
        self._remember_deleted(story_id, current.revision)
        self.version += 1
        return True

    def apply_event(self, event: TickerEvent) -> bool:
        """Apply a live event: retract/expire delete the story, others update it."""
        if event.type in REMOVING_EVENTS:
            current = self._stories.get(event.story.story_id)
            if current is not None and current.revision > event.story.revision:
                return False
            self._stories.pop(event.story.story_id, None)
            self._remember_deleted(event.story.story_id, event.story.revision)
            self.version += 1
            return True
        return self.apply_view(event.story)

    def _remember_deleted(self, story_id: str, revision: int) -> None:
        self._deleted[story_id] = max(revision, self._deleted.get(story_id, 0))
        self._deleted.move_to_end(story_id)
        while len(self._deleted) > self._max_deleted:
            self._deleted.popitem(last=False)

    def matching(self, subscription: Filter, restricted: frozenset[str], limit: int) -> list[StoryView]:
        """Up to ``limit`` stories matching ``subscription``, best first."""
        chosen = [story for story in self._stories.values() if subscription.matches(story, restricted)]
        chosen.sort(key=best_first_key)
        return chosen[:limit]

    def all_stories(self) -> Iterable[StoryView]:
        """Every current story, in no particular order."""
        return self._stories.values()
