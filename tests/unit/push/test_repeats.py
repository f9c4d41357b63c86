"""An event is a repeat when its story's revision is not newer than the newest seen; memory stays bounded."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from stoppress.push.repeats import Revisions


def test_a_second_copy_and_an_older_revision_are_repeats() -> None:
    revisions = Revisions()
    assert not revisions.is_repeat("s1", 1)
    assert revisions.is_repeat("s1", 1)
    assert not revisions.is_repeat("s1", 2)
    assert revisions.is_repeat("s1", 1)
    assert not revisions.is_repeat("s2", 1)


def test_the_least_recently_changed_story_is_forgotten_first() -> None:
    revisions = Revisions(capacity=2)
    revisions.is_repeat("a", 1)
    revisions.is_repeat("b", 1)
    revisions.is_repeat("a", 2)  # "a" changed last: "b" is the one to go
    revisions.is_repeat("c", 1)
    assert revisions.is_repeat("a", 2) and not revisions.is_repeat("b", 1)


def test_clear_forgets_everything() -> None:
    revisions = Revisions()
    revisions.is_repeat("a", 3)
    revisions.clear()
    assert not revisions.is_repeat("a", 1)


@given(st.lists(st.tuples(st.sampled_from("abcd"), st.integers(1, 6)), max_size=60))
def test_with_room_for_every_story_a_repeat_is_exactly_a_revision_not_above_the_newest(
    events: list[tuple[str, int]],
) -> None:
    revisions = Revisions(capacity=4)
    newest: dict[str, int] = {}
    for story_id, revision in events:
        expected = revision <= newest.get(story_id, 0)
        assert revisions.is_repeat(story_id, revision) == expected
        newest[story_id] = max(revision, newest.get(story_id, 0))
