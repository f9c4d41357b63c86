from __future__ import annotations

from datetime import timedelta

import orjson
import pytest

from stoppress.push.filters import Filter
from stoppress.push.ring import UNKNOWN_PREVIOUS, Delivery, EventRing, brings_headline, entry_for, story_fields
from stoppress.push.stories import StoryState
from tests.unit.push.stories_for_tests import T0, event, view

RESTRICTED = frozenset({"internal"})
BREAKING = Filter(levels=frozenset({"breaking", "flash"}))


def test_ring_is_bounded_and_searchable() -> None:
    ring = EventRing(3)
    for offset in (1, 2, 4, 7):
        ring.append(entry_for(offset, 1000 + offset, event(view(f"s{offset}")), None))
    assert len(ring) == 3 and ring.first_offset == 2
    assert ring.find(4) is not None and ring.find(3) is None and ring.find(1) is None
    assert [entry.offset for entry in ring.after(2)] == [4, 7]
    assert [entry.offset for entry in ring.after(-1)] == [2, 4, 7]
    assert ring.fingerprint_at(7) == ring.last.fingerprint  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="not after"):
        ring.append(entry_for(7, 0, event(view()), None))


def test_event_is_encoded_once_and_shared() -> None:
    entry = entry_for(5, 1234, event(view()), None)
    frame = entry.encoded("ws", True)
    assert entry.encoded("ws", True) is frame
    assert (frame[0] == 0x81 and frame[1] == len(frame) - 2) or frame[1] == 126
    message = orjson.loads(frame[4:] if frame[1] == 126 else frame[2:])
    assert message["cursor"] == entry.cursor and message["matches"] is True
    sse = entry.encoded("sse", False).decode()
    assert sse.startswith("event: event\nid: " + entry.cursor + "\ndata: {")
    assert '"matches":false' in sse and sse.endswith("\n\n")


def test_delivery_match_leave_and_none() -> None:
    now_urgent = event(view("s", 2, level="urgent"))
    was_breaking = story_fields(view("s", 1, level="breaking"))
    was_normal = story_fields(view("s", 1, level="normal"))
    assert entry_for(1, 0, event(view("s", 2)), None).delivery(BREAKING, RESTRICTED) is Delivery.MATCH
    assert entry_for(1, 0, now_urgent, was_breaking).delivery(BREAKING, RESTRICTED) is Delivery.LEAVE
    assert entry_for(1, 0, now_urgent, was_normal).delivery(BREAKING, RESTRICTED) is Delivery.NONE
    assert entry_for(1, 0, now_urgent, None).delivery(BREAKING, RESTRICTED) is Delivery.NONE
    assert entry_for(1, 0, now_urgent, UNKNOWN_PREVIOUS).delivery(BREAKING, RESTRICTED) is Delivery.LEAVE
    new = event(view("n", 1, level="urgent"), "story.new")
    assert entry_for(1, 0, new, UNKNOWN_PREVIOUS).delivery(BREAKING, RESTRICTED) is Delivery.NONE


def test_state_takes_the_highest_revision_from_either_topic() -> None:
    state = StoryState()
    assert state.apply_view(view("s", 2))
    assert not state.apply_event(event(view("s", 1)))
    assert state.apply_event(event(view("s", 3)))
    assert state.get("s").revision == 3  # type: ignore[union-attr]


def test_deletions_are_not_undone_by_late_older_views() -> None:
    state = StoryState()
    state.apply_view(view("s", 1))
    assert state.apply_event(event(view("s", 2), "story.retract"))
    assert state.get("s") is None
    assert not state.apply_view(view("s", 1))
    assert state.apply_view(view("s", 3))
    assert state.apply_tombstone("s") and state.get("s") is None
    assert not state.apply_view(view("s", 3))


def test_matching_is_best_first_and_limited() -> None:
    state = StoryState()
    state.apply_view(view("normal", level="normal", score=99))
    state.apply_view(view("flash", level="flash", score=1))
    state.apply_view(view("b-low", score=1))
    state.apply_view(view("b-high", score=5))
    state.apply_view(view("secret", level="flash", category="internal"))
    ids = [story.story_id for story in state.matching(Filter(), RESTRICTED, 10)]
    assert ids == ["flash", "b-high", "b-low", "normal"]
    assert [s.story_id for s in state.matching(BREAKING, RESTRICTED, 2)] == ["flash", "b-high"]


def test_pinned_stories_come_first_latest_pin_first_then_best_first() -> None:
    state = StoryState()
    state.apply_view(view("flash", level="flash", score=9))
    state.apply_view(view("normal-pinned-early", level="normal", pinned_minutes=1))
    state.apply_view(view("urgent-pinned-late", level="urgent", pinned_minutes=5))
    state.apply_view(view("b-high", score=5))
    ids = [story.story_id for story in state.matching(Filter(), RESTRICTED, 10)]
    assert ids == ["urgent-pinned-late", "normal-pinned-early", "flash", "b-high"]
    assert [s.story_id for s in state.matching(BREAKING, RESTRICTED, 10)] == ["flash", "b-high"], "filters still apply"
    state.apply_view(view("urgent-pinned-late", 2, level="urgent"))
    ids = [story.story_id for story in state.matching(Filter(), RESTRICTED, 2)]
    assert ids == ["normal-pinned-early", "flash"], "unpinned, it ranks as usual"


def test_version_changes_only_on_change() -> None:
    state = StoryState()
    state.apply_view(view("s", 1))
    version = state.version
    state.apply_view(view("s", 1))
    assert state.version == version


def test_only_events_a_headline_caused_count_as_end_to_end() -> None:
    first = event(view("s", 1), "story.new")
    assert brings_headline(first, None)
    clock_driven = event(view("s", 2, level="urgent"))  # same ingested_at: the level fell, no new headline
    assert not brings_headline(clock_driven, first.ingested_at)
    corroborated = clock_driven.model_copy(update={"ingested_at": T0 + timedelta(seconds=5)})
    assert brings_headline(corroborated, first.ingested_at)
    assert not brings_headline(corroborated, None)  # a story this gateway has no event of: not guessed
