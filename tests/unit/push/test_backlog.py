"""The backlog of published events: numbering, what a position gets, trimming."""

from __future__ import annotations

import pytest

from stoppress.push.backlog import Backlog
from stoppress.push.filters import Filter
from stoppress.push.ring import RingEntry, entry_for
from tests.unit.push.stories_for_tests import event, view

ANY = Filter()
ONLY_FLASH = Filter(levels=frozenset({"flash"}))
NONE_RESTRICTED: frozenset[str] = frozenset()


def entries(*story_ids: str, start: int = 0) -> list[RingEntry]:
    return [entry_for(start + n, 0, event(view(story_id), "story.new"), None) for n, story_id in enumerate(story_ids)]


def test_events_are_numbered_from_one_in_publish_order() -> None:
    backlog = Backlog()
    assert backlog.newest == 0
    backlog.append(entries("a", "b"))
    backlog.append(entries("c", start=2))
    assert backlog.newest == 3
    assert len(backlog) == 3


def test_a_position_gets_every_later_event_joined_in_order() -> None:
    backlog = Backlog()
    published = entries("a", "b", "c")
    backlog.append(published)
    batch = backlog.batch(1, ANY, "ws", NONE_RESTRICTED)
    assert batch is not None
    assert batch.frames == tuple(entry.encoded("ws", True) for entry in published[1:])
    assert batch.joined == b"".join(batch.frames)
    assert batch.keys == ("b", "c")
    assert backlog.batch(3, ANY, "ws", NONE_RESTRICTED) is None


def test_a_subscription_gets_only_what_it_matches() -> None:
    backlog = Backlog()
    backlog.append(entries("a", "b"))
    assert backlog.batch(0, ONLY_FLASH, "ws", NONE_RESTRICTED) is None  # both are "breaking"


def test_trimming_forgets_what_every_outlet_has_and_keeps_the_numbering() -> None:
    backlog = Backlog()
    published = entries("a", "b", "c")
    backlog.append(published)
    assert backlog.trim(2) == published[:2]
    assert len(backlog) == 1
    batch = backlog.batch(2, ANY, "sse", NONE_RESTRICTED)
    assert batch is not None and batch.keys == ("c",)
    assert backlog.trim(2) == []
    assert backlog.trim(10) == published[2:]
    backlog.append(entries("d", start=3))
    assert backlog.newest == 4
    batch = backlog.batch(3, ANY, "ws", NONE_RESTRICTED)
    assert batch is not None and batch.keys == ("d",)


def test_asking_for_a_trimmed_position_is_a_bug_not_a_gap() -> None:
    backlog = Backlog()
    backlog.append(entries("a", "b", "c"))
    backlog.trim(2)
    with pytest.raises(ValueError, match="before the backlog's first event"):
        backlog.batch(1, ANY, "ws", NONE_RESTRICTED)
