"""Folding newer news into posts that are still waiting."""

from __future__ import annotations

import pytest

from stoppress.bot.outbox import Outbox
from stoppress.bot.state import QueuedPost
from tests.unit.client.samples import story


def post(kind: str, story_id: str = "s1", revision: int = 1, **fields: object) -> QueuedPost:
    return QueuedPost.model_validate({"kind": kind, "story": story(story_id, revision=revision), **fields})


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


def test_a_take_back_goes_ahead_of_waiting_posts_behind_the_one_being_sent_and_earlier_take_backs() -> None:
    outbox = Outbox([])
    for story_id in ("a", "b", "c"):
        outbox.add(post("new", story_id))
    outbox.take()
    outbox.add(post("takeback", "x", take_back=["1"]))
    outbox.add(post("takeback", "y", take_back=["2"]))
    assert summary(outbox) == [("new", "a", 1), ("takeback", "x", 1), ("takeback", "y", 1), ("new", "b", 1),
                               ("new", "c", 1)]


def test_a_second_take_back_of_a_story_joins_the_waiting_one() -> None:
    outbox = Outbox([])
    outbox.add(post("takeback", "a", take_back=["1"]))
    outbox.add(post("takeback", "a", revision=3, take_back=["2"], awaiting="stoppress:a:new:2"))
    (takeback,) = outbox.posts
    assert (takeback.take_back, takeback.awaiting) == (["1", "2"], "stoppress:a:new:2")


def test_nothing_folds_into_or_removes_a_waiting_take_back() -> None:
    outbox = Outbox([])
    outbox.add(post("takeback", "a", take_back=["1"]))
    outbox.add(post("correction", "a", revision=2))
    outbox.add(post("retraction", "a", revision=3))
    assert outbox.withdraw("a") == [post("retraction", "a", revision=3)]
    assert summary(outbox) == [("takeback", "a", 1)]


def test_withdraw_leaves_the_post_being_sent() -> None:
    outbox = Outbox([])
    outbox.add(post("new", "a"))
    outbox.take()
    outbox.add(post("correction", "a", revision=2))
    outbox.add(post("new", "b"))
    assert outbox.withdraw("a") == [post("correction", "a", revision=2)]
    assert summary(outbox) == [("new", "a", 1), ("new", "b", 1)]


def test_settle_gives_the_awaited_post_id_to_its_take_back() -> None:
    outbox = Outbox([])
    outbox.add(post("takeback", "a", take_back=["1"], awaiting="stoppress:a:correction:2"))
    assert not outbox.settle("stoppress:b:new:1", "9")
    assert outbox.settle("stoppress:a:correction:2", "2")
    assert (outbox.posts[0].take_back, outbox.posts[0].awaiting) == (["1", "2"], None)
    assert not outbox.settle("stoppress:a:correction:2", "2"), "settled once"
