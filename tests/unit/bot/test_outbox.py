"""Folding newer news into posts that are still waiting."""

from __future__ import annotations

import pytest

from stoppress.bot.outbox import Outbox
from stoppress.bot.state import QueuedPost
from tests.unit.client.samples import story


def post(kind: str, story_id: str = "s1", revision: int = 1) -> QueuedPost:
    return QueuedPost(kind=kind, story=story(story_id, revision=revision))


def summary(outbox: Outbox) -> list[tuple[str, str, int]]:
    return [(p.kind, p.story.story_id, p.story.revision) for p in outbox.posts]


def test_posts_go_out_in_the_order_they_were_queued() -> None:
    outbox = Outbox([])
    outbox.add(post("new", "a"))
    outbox.add(post("new", "b"))
    assert outbox.take() == post("new", "a")
    assert outbox.done() == post("new", "a")
    assert summary(outbox) == [("new", "b", 1)]


def test_a_correction_of_a_waiting_first_post_updates_that_post() -> None:
    outbox = Outbox([])
    outbox.add(post("new", "a"))
    outbox.add(post("new", "b"))
    outbox.add(post("correction", "a", revision=2))
    assert summary(outbox) == [("new", "a", 2), ("new", "b", 1)]


def test_a_second_correction_replaces_a_waiting_one() -> None:
    outbox = Outbox([])
    outbox.add(post("correction", "a", revision=2))
    outbox.add(post("correction", "a", revision=3))
    assert summary(outbox) == [("correction", "a", 3)]


def test_retracting_a_story_whose_first_post_still_waits_drops_both() -> None:
    outbox = Outbox([])
    outbox.add(post("new", "a"))
    outbox.add(post("retraction", "a", revision=2))
    assert summary(outbox) == []


def test_a_retraction_replaces_waiting_corrections() -> None:
    outbox = Outbox([])
    outbox.add(post("correction", "a", revision=2))
    outbox.add(post("retraction", "a", revision=3))
    assert summary(outbox) == [("retraction", "a", 3)]


def test_the_post_being_sent_is_never_changed_news_queues_behind_it() -> None:
    outbox = Outbox([])
    outbox.add(post("new", "a"))
    outbox.take()
    outbox.add(post("correction", "a", revision=2))
    outbox.add(post("retraction", "a", revision=3))
    assert summary(outbox) == [("new", "a", 1), ("retraction", "a", 3)]


def test_when_full_the_oldest_waiting_first_posts_are_dropped_and_returned() -> None:
    outbox = Outbox([], max_posts=2)
    outbox.add(post("correction", "x", revision=2))
    outbox.add(post("new", "a"))
    dropped = outbox.add(post("new", "b"))
    assert dropped == [post("new", "a")]
    assert summary(outbox) == [("correction", "x", 2), ("new", "b", 1)]


def test_done_without_take_is_a_bug() -> None:
    outbox = Outbox([post("new")])
    with pytest.raises(RuntimeError):
        outbox.done()
