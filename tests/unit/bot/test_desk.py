"""What the bot decides to post, fed typed stream messages directly."""

from __future__ import annotations

from datetime import timedelta

import pytest

from stoppress.bot.desk import NewsDesk, is_material_change
from stoppress.bot.state import BotState
from stoppress.shared.models import Level, RetractReason
from stoppress.shared.protocol import Event, Recovered, Snapshot
from tests.unit.client.samples import NOW, story, ticker_event

HEADLINE = "UK government partners with Meta on AI team for public services"


def event(
    story_id: str,
    headline: str = HEADLINE,
    *,
    level: Level = "breaking",
    revision: int = 1,
    kind: str = "story.new",
    cursor: str = "1-1-00000000",
    reason: RetractReason | None = None,
    merged_into: str | None = None,
) -> Event:
    base = ticker_event(story(story_id, headline, level, revision), kind)
    return Event(event=base.model_copy(update={"reason": reason, "merged_into": merged_into}), cursor=cursor)


def killed(story_id: str, revision: int = 9) -> Event:
    """An editor's kill of ``story_id``."""
    return event(story_id, "Withdrawn", revision=revision, kind="story.retract", reason="killed")


def merged(story_id: str, into: str, revision: int = 9) -> Event:
    """An editor's merge of ``story_id`` into ``into``."""
    return event(story_id, revision=revision, kind="story.retract", reason="merged", merged_into=into)


def queued(desk: NewsDesk) -> list[tuple[str, str]]:
    return [(p.kind, p.story.story_id) for p in desk.outbox.posts]


def send_all(desk: NewsDesk) -> None:
    while (post := desk.next_post()) is not None:
        desk.sent(f"post-of-{post.story.story_id}-{post.kind}")


@pytest.mark.parametrize(
    ("old", "new", "material"),
    [
        (HEADLINE, HEADLINE, False),
        (HEADLINE, HEADLINE.upper() + "!", False),
        ("Goverment partners with Meta", "Government partners with Meta", False),
        ("Fire at warehouse in Leeds", "Fire at the warehouse in Leeds", False),
        ("Meta and UK form AI team", "UK and Meta form AI team", False),
        ("Two dead in Leeds warehouse fire", "Three dead in Leeds warehouse fire", True),
        ("12 dead in Leeds warehouse fire", "13 dead in Leeds warehouse fire", True),
        ("PM to resign", "PM not to resign", True),
        ("Fire at Leeds warehouse", "Fire at Leeds warehouse, 3 dead", True),
        ("Minister resigns", "Minister denies resigning", True),
    ],
)
def test_material_change(old: str, new: str, material: bool) -> None:
    assert is_material_change(old, new) is material


def test_a_story_at_or_above_the_minimum_level_is_announced_once() -> None:
    desk = NewsDesk(BotState(), "breaking")
    desk.on_message(event("a", level="flash"), NOW)
    desk.on_message(event("b", level="urgent"), NOW)
    desk.on_message(event("a", level="flash", revision=2, kind="story.update"), NOW)
    assert queued(desk) == [("new", "a")]
    send_all(desk)
    desk.on_message(event("a", level="flash", revision=3, kind="story.update"), NOW)
    assert queued(desk) == []
    assert desk.state.ledger["a"].post_id == "post-of-a-new"


def test_a_story_rising_to_the_minimum_level_is_announced_when_it_gets_there() -> None:
    desk = NewsDesk(BotState(), "breaking")
    desk.on_message(event("a", level="urgent"), NOW)
    desk.on_message(event("a", level="breaking", revision=2, kind="story.update"), NOW)
    assert queued(desk) == [("new", "a")]


def test_snapshot_stories_are_announced_unless_already_posted() -> None:
    desk = NewsDesk(BotState(), "breaking")
    desk.on_message(event("a"), NOW)
    send_all(desk)
    snapshot = Snapshot(stories=[story("a"), story("b"), story("c", level="normal")], cursor="1-9-00000000")
    desk.on_message(snapshot, NOW)
    assert queued(desk) == [("new", "b")]
    assert desk.state.cursor == "1-9-00000000"


def test_a_material_headline_change_is_a_correction_replying_to_the_first_post() -> None:
    desk = NewsDesk(BotState(), "breaking")
    desk.on_message(event("a", "Two dead in Leeds fire"), NOW)
    send_all(desk)
    desk.on_message(event("a", "Two dead in Leeds fire.", revision=2, kind="story.update"), NOW)
    assert queued(desk) == []
    desk.on_message(event("a", "Three dead in Leeds fire", level="urgent", revision=3, kind="story.update"), NOW)
    assert queued(desk) == [("correction", "a")]
    post = desk.next_post()
    assert post is not None and desk.should_send(post)
    assert desk.reply_target(post) == "post-of-a-new"


def test_corrections_stop_at_the_limit() -> None:
    desk = NewsDesk(BotState(), "breaking", max_corrections=2)
    desk.on_message(event("a", "1 dead in Leeds fire"), NOW)
    send_all(desk)
    for revision, count in enumerate(["2", "3", "4", "5"], start=2):
        desk.on_message(event("a", f"{count} dead in Leeds fire", revision=revision, kind="story.update"), NOW)
        send_all(desk)
    assert desk.state.ledger["a"].corrections == 2
    assert desk.state.ledger["a"].headline == "3 dead in Leeds fire"


def test_a_retraction_of_a_posted_story_is_posted_once_and_ends_its_coverage() -> None:
    desk = NewsDesk(BotState(), "breaking")
    desk.on_message(event("a"), NOW)
    send_all(desk)
    desk.on_message(event("a", "Withdrawn", revision=2, kind="story.retract"), NOW)
    desk.on_message(event("a", "Withdrawn", revision=2, kind="story.retract"), NOW)
    assert queued(desk) == [("retraction", "a")]
    assert desk.outbox.posts[0].story.headline == HEADLINE, "quotes what the audience was told"
    send_all(desk)
    desk.on_message(event("a", "Something else entirely now", revision=3, kind="story.update"), NOW)
    assert queued(desk) == []


def test_retracting_a_story_never_announced_says_nothing() -> None:
    desk = NewsDesk(BotState(), "breaking")
    desk.on_message(event("a", level="urgent"), NOW)
    desk.on_message(event("a", level="urgent", revision=2, kind="story.retract"), NOW)
    desk.on_message(event("b"), NOW)
    desk.on_message(event("b", revision=2, kind="story.retract"), NOW)
    assert queued(desk) == []


def test_nothing_replies_to_a_first_post_that_was_refused() -> None:
    desk = NewsDesk(BotState(), "breaking")
    desk.on_message(event("a", "1 dead in Leeds fire"), NOW)
    assert desk.next_post() is not None
    desk.gave_up()
    desk.on_message(event("a", "2 dead in Leeds fire", revision=2, kind="story.update"), NOW)
    desk.on_message(event("a", revision=3, kind="story.retract"), NOW)
    assert queued(desk) == []


def test_a_correction_queued_behind_a_first_post_that_then_fails_is_skipped() -> None:
    desk = NewsDesk(BotState(), "breaking")
    desk.on_message(event("a", "1 dead in Leeds fire"), NOW)
    desk.next_post()
    desk.on_message(event("a", "2 dead in Leeds fire", revision=2, kind="story.update"), NOW)
    desk.gave_up()
    correction = desk.next_post()
    assert correction is not None and correction.kind == "correction"
    assert not desk.should_send(correction)


def test_expiry_is_not_news() -> None:
    desk = NewsDesk(BotState(), "breaking")
    desk.on_message(event("a"), NOW)
    send_all(desk)
    desk.on_message(event("a", revision=2, kind="story.expire"), NOW)
    assert queued(desk) == []


def test_the_cursor_follows_every_message() -> None:
    desk = NewsDesk(BotState(), "breaking")
    desk.on_message(event("a", level="normal", cursor="1-5-00000005"), NOW)
    assert desk.state.cursor == "1-5-00000005"
    desk.on_message(Recovered(count=0, cursor="1-6-00000006"), NOW)
    assert desk.state.cursor == "1-6-00000006"


def test_old_stories_are_forgotten_unless_a_post_about_them_still_waits() -> None:
    desk = NewsDesk(BotState(), "breaking", keep=timedelta(days=7))
    desk.on_message(event("a"), NOW)
    send_all(desk)
    desk.on_message(event("b"), NOW)
    desk.on_message(event("c"), NOW + timedelta(days=8))
    assert sorted(desk.state.ledger) == ["b", "c"]


def test_a_kill_takes_back_the_first_post_and_every_reply_ahead_of_waiting_posts() -> None:
    desk = NewsDesk(BotState(), "breaking")
    desk.on_message(event("a", "Two dead in Leeds fire"), NOW)
    send_all(desk)
    desk.on_message(event("a", "Three dead in Leeds fire", revision=2, kind="story.update"), NOW)
    send_all(desk)
    desk.on_message(event("b"), NOW)
    desk.on_message(killed("a"), NOW)
    assert queued(desk) == [("takeback", "a"), ("new", "b")]
    takeback = desk.outbox.posts[0]
    assert takeback.take_back == ["post-of-a-new", "post-of-a-correction"]
    assert takeback.story.headline == "Three dead in Leeds fire", "names the story as the audience last saw it"
    assert desk.should_send(takeback) and desk.reply_target(takeback) == "post-of-a-new"
    assert "a" not in desk.state.ledger


def test_killing_a_story_drops_its_waiting_posts_and_says_nothing_if_nothing_went_out() -> None:
    desk = NewsDesk(BotState(), "breaking")
    desk.on_message(event("a", "Two dead in Leeds fire"), NOW)
    desk.on_message(event("b", level="urgent"), NOW)
    desk.on_message(event("c", "Fire in Hull"), NOW)
    desk.next_post()
    desk.sent("post-of-a")
    desk.on_message(event("a", "Three dead in Leeds fire", revision=2, kind="story.update"), NOW)
    desk.on_message(killed("a"), NOW)
    desk.on_message(killed("b"), NOW)
    desk.on_message(killed("c"), NOW)
    assert queued(desk) == [("takeback", "a")], "a's correction is dropped unsent; nothing was said of b or c"
    assert desk.outbox.posts[0].take_back == ["post-of-a"]


def test_a_post_being_sent_when_its_story_is_killed_is_taken_back_once_it_is_out() -> None:
    desk = NewsDesk(BotState(), "breaking")
    desk.on_message(event("a"), NOW)
    desk.on_message(event("b"), NOW)
    assert desk.next_post() is not None
    desk.on_message(killed("a"), NOW)
    assert queued(desk) == [("new", "a"), ("takeback", "a"), ("new", "b")]
    desk.sent("status-a")
    takeback = desk.next_post()
    assert takeback is not None and takeback.take_back == ["status-a"] and takeback.awaiting is None
    assert "a" not in desk.state.ledger, "the id went to the take-back, not to a ledger entry"


def test_a_take_back_of_a_post_that_then_failed_has_nothing_to_do() -> None:
    desk = NewsDesk(BotState(), "breaking")
    desk.on_message(event("a"), NOW)
    desk.next_post()
    desk.on_message(killed("a"), NOW)
    desk.gave_up()
    takeback = desk.next_post()
    assert takeback is not None and takeback.kind == "takeback"
    assert not desk.should_send(takeback)


def test_a_restored_story_is_announced_again_after_the_take_back() -> None:
    desk = NewsDesk(BotState(), "breaking")
    desk.on_message(event("a"), NOW)
    send_all(desk)
    desk.on_message(killed("a", revision=2), NOW)
    desk.on_message(event("a", revision=3), NOW)
    assert queued(desk) == [("takeback", "a"), ("new", "a")]
    assert [p.idempotency_key for p in desk.outbox.posts] == ["stoppress:a:takeback:2", "stoppress:a:new:3"]


def test_a_plain_retraction_is_still_a_reply() -> None:
    desk = NewsDesk(BotState(), "breaking")
    desk.on_message(event("a"), NOW)
    send_all(desk)
    desk.on_message(event("a", revision=2, kind="story.retract"), NOW)
    assert queued(desk) == [("retraction", "a")]
    send_all(desk)
    assert desk.state.ledger["a"].replies == ["post-of-a-retraction"]


def test_a_merge_posts_nothing_and_the_story_it_went_into_is_announced_as_usual() -> None:
    desk = NewsDesk(BotState(), "breaking")
    desk.on_message(event("a", "Two dead in Leeds fire"), NOW)
    send_all(desk)
    desk.on_message(event("a", "Three dead in Leeds fire", revision=2, kind="story.update"), NOW)
    desk.on_message(event("b", "Leeds fire", level="urgent"), NOW)
    desk.on_message(merged("a", into="b"), NOW)
    assert queued(desk) == [], "no retraction, and the waiting correction of the merged story is dropped"
    desk.on_message(event("b", "Leeds fire: three dead", revision=2, kind="story.update"), NOW)
    assert queued(desk) == [("new", "b")]
    assert desk.state.ledger["a"].merged_into == "b"


def test_a_merged_story_that_was_never_posted_is_forgotten() -> None:
    desk = NewsDesk(BotState(), "breaking")
    desk.on_message(event("a"), NOW)
    desk.on_message(merged("a", into="b"), NOW)
    assert queued(desk) == [] and "a" not in desk.state.ledger


def test_killing_a_story_takes_back_the_posts_about_the_stories_merged_into_it() -> None:
    desk = NewsDesk(BotState(), "breaking")
    desk.on_message(event("a"), NOW)
    desk.on_message(event("c"), NOW)
    send_all(desk)
    desk.on_message(merged("a", into="b"), NOW)
    desk.on_message(merged("c", into="a"), NOW)
    desk.on_message(killed("b"), NOW)
    assert queued(desk) == [("takeback", "b")], "b itself was never announced"
    assert desk.outbox.posts[0].take_back == ["post-of-a-new", "post-of-c-new"]
    assert desk.state.ledger == {}


def test_a_story_split_out_again_is_followed_under_its_first_post() -> None:
    desk = NewsDesk(BotState(), "breaking")
    desk.on_message(event("a", "Two dead in Leeds fire"), NOW)
    send_all(desk)
    desk.on_message(merged("a", into="b"), NOW)
    desk.on_message(event("a", "Three dead in Leeds fire", revision=10, kind="story.new"), NOW)
    assert queued(desk) == [("correction", "a")]
    assert desk.state.ledger["a"].merged_into is None
