"""Editors' commands on the desk, in memory: each action as seen from the events and outcomes it produces."""

from __future__ import annotations

import itertools
from typing import Any

from stoppress.shared.models import DeskCommand, DeskOutcome, TickerEvent
from stoppress.ticker.authority import AuthorityBook
from stoppress.ticker.desk import CommandResult, Desk, DeskPolicy, DeskTables
from stoppress.ticker.lifecycle import LifecyclePolicy
from tests.unit.ticker.builders import BANKRUPTCY, QUAKE, VOLCANO, at, headline

_ids = itertools.count(1)


def new_desk(tables: DeskTables | None = None) -> Desk:
    return Desk(tables or DeskTables({}, {}, {}, {}), AuthorityBook(default=0.5), DeskPolicy())


def command(action: str, story_id: str, minutes: float = 1.0, **fields: Any) -> DeskCommand:
    return DeskCommand(
        command_id=f"cmd-{next(_ids):08d}",
        action=action,  # type: ignore[arg-type]
        story_id=story_id,
        desk="en",
        editor="alice",
        reason="checked with the wire desk",
        issued_at=at(minutes),
        **fields,
    )


def apply(desk: Desk, action: str, story_id: str, minutes: float = 1.0, **fields: Any) -> CommandResult:
    return desk.command(command(action, story_id, minutes, **fields), at(minutes))


def applied(result: CommandResult) -> list[TickerEvent]:
    assert result.outcome.code == 200, result.outcome.message
    return result.events


def refused(result: CommandResult, code: int) -> DeskOutcome:
    assert (result.outcome.code, result.events) == (code, []), result.outcome
    return result.outcome


def story(desk: Desk, text: str = QUAKE, source: str = "reuters", guid: str = "1", **fields: Any) -> str:
    [event] = desk.handle(headline(source, guid, text, **fields), at(fields.get("minutes", 0.0)))
    return event.story.story_id


def test_kill_retracts_at_once_and_later_coverage_stays_hidden_until_restored() -> None:
    desk = new_desk()
    story_id = story(desk, urgency=2)
    [retract] = applied(apply(desk, "kill", story_id, minutes=1))
    assert (retract.type, retract.reason, retract.story.revision) == ("story.retract", "killed", 2)
    assert retract.ingested_at == at(1), "an editor's event is stamped with when the command was issued"
    assert desk.handle(headline("ap", text=QUAKE, minutes=2), at(2)) == []
    assert desk.showing() == {}
    [back] = applied(apply(desk, "restore", story_id, minutes=3))
    assert (back.type, back.story.story_id, back.story.revision, back.story.sources) == ("story.new", story_id, 3, 2)


def test_killing_twice_or_restoring_what_is_not_killed_is_a_conflict() -> None:
    desk = new_desk()
    story_id = story(desk)
    assert "not killed" in refused(apply(desk, "restore", story_id), 409).message
    applied(apply(desk, "kill", story_id))
    assert "already killed by alice" in refused(apply(desk, "kill", story_id), 409).message


def test_an_unknown_story_is_404_and_changes_nothing() -> None:
    desk = new_desk()
    story(desk)
    before = desk.showing()
    assert "no live story st-nope" in refused(apply(desk, "kill", "st-nope"), 404).message
    assert desk.showing() == before


def test_a_retried_command_is_answered_with_its_first_outcome_and_applied_once() -> None:
    desk = new_desk()
    story_id = story(desk)
    kill = command("kill", story_id)
    first = desk.command(kill, at(1))
    again = desk.command(kill, at(2))
    assert (len(first.events), again.events) == (1, [])
    assert again.outcome == first.outcome.model_copy(update={"repeat": True})


def test_an_editor_level_wins_at_once_and_ends_when_its_time_is_up() -> None:
    desk = new_desk()
    story_id = story(desk, urgency=5)
    [flash] = applied(apply(desk, "level", story_id, minutes=0.1, level="flash", until=at(10)))
    assert (flash.type, flash.story.level) == ("story.update", "flash"), "not held back by the update interval"
    assert {e.story.level for minute in range(1, 10) for e in desk.tick(at(minute))} <= {"flash"}
    assert [e.story.level for e in desk.tick(at(10))] == ["normal"]


def test_a_hold_caps_the_machine_level_and_clear_lifts_it() -> None:
    desk = new_desk()
    story_id = story(desk, urgency=1)
    [held] = applied(apply(desk, "hold", story_id, level="urgent"))
    assert held.story.level == "urgent"
    assert desk.handle(headline("ap", text=QUAKE, urgency=1, minutes=2), at(2))[0].story.level == "urgent"
    [cleared] = applied(apply(desk, "clear", story_id, minutes=3))
    assert cleared.story.level == "flash"


def test_a_level_above_a_hold_and_a_hold_below_a_level_are_conflicts() -> None:
    desk = new_desk()
    story_id = story(desk)
    applied(apply(desk, "hold", story_id, level="urgent"))
    assert "clear the hold first" in refused(apply(desk, "level", story_id, level="flash"), 409).message
    applied(apply(desk, "level", story_id, level="normal"))
    applied(apply(desk, "clear", story_id, clear=["hold"]))
    applied(apply(desk, "level", story_id, level="breaking"))
    assert "clear the level first" in refused(apply(desk, "hold", story_id, level="urgent"), 409).message
    assert "nothing to clear" in refused(apply(desk, "clear", story_id, clear=["edit"]), 409).message


def test_pinned_stories_carry_their_pin_time_until_unpinned() -> None:
    desk = new_desk()
    story_id = story(desk)
    [pinned] = applied(apply(desk, "pin", story_id, minutes=2))
    assert pinned.story.pinned_at == at(2)
    assert "already pinned" in refused(apply(desk, "pin", story_id), 409).message
    [unpinned] = applied(apply(desk, "unpin", story_id, minutes=3))
    assert unpinned.story.pinned_at is None
    assert desk.tick(at(4)) == [], "a pin time read back from the published view is the same pin"


def test_a_correction_replaces_the_headline_and_a_new_lead_does_not_overwrite_it() -> None:
    desk = new_desk()
    story_id = story(desk)
    [edited] = applied(apply(desk, "edit", story_id, headline="Quake of 7.1 hits Japan", url="https://ex.com/q"))
    assert (edited.story.headline, edited.story.url) == ("Quake of 7.1 hits Japan", "https://ex.com/q")
    desk.tick(at(1))
    later = desk.handle(headline(version=2, text=QUAKE + ", tsunami warning", minutes=5), at(5))
    assert all(e.story.headline == "Quake of 7.1 hits Japan" for e in later)
    [view] = [v for _, v in desk.views() if v is not None]
    assert view.overrides.edit is not None and view.overrides.edit.stale
    assert view.headline == QUAKE + ", tsunami warning"
    [cleared] = applied(apply(desk, "clear", story_id, minutes=6, clear=["edit"]))
    assert cleared.story.headline == QUAKE + ", tsunami warning"


def test_merge_moves_the_members_retracts_the_merged_story_and_later_coverage_follows() -> None:
    desk = new_desk()
    quake = story(desk, QUAKE)
    volcano = story(desk, VOLCANO, "ap", "2", minutes=0.5)
    result = apply(desk, "merge", volcano, minutes=1, into=quake)
    retract, update = applied(result)
    assert (retract.type, retract.story.story_id, retract.reason, retract.merged_into) == (
        "story.retract", volcano, "merged", quake)  # fmt: skip
    assert (update.type, update.story.story_id, update.story.sources) == ("story.update", quake, 2)
    feedback = result.outcome.feedback
    assert feedback is not None and feedback.kind == "merge"
    assert ([i.item_id for i in feedback.left], [i.item_id for i in feedback.right]) == (["ap:2"], ["reuters:1"])
    desk.tick(at(2))
    joined = desk.handle(headline("bbc", "3", VOLCANO, minutes=3), at(3))
    assert {e.story.story_id for e in joined} <= {quake}
    assert "merged into" in refused(apply(desk, "kill", volcano, minutes=4), 409).message


def test_a_merged_story_is_judged_on_its_items_in_join_order() -> None:
    """Level evidence reads the story's recent joins from its newest end: items moved in must not hide them."""
    desk = new_desk()
    old = story(desk, VOLCANO, "ap", "2", urgency=5)
    fresh = story(desk, QUAKE, "reuters", "1", urgency=5, minutes=400)
    desk.handle(headline("bbc", "3", QUAKE, urgency=5, minutes=401, authority=0.9), at(401))
    [retract, update] = applied(apply(desk, "merge", old, minutes=402, into=fresh))
    assert retract.story.story_id == old
    assert (update.story.story_id, update.story.sources, update.story.level) == (fresh, 3, "urgent")


def test_merging_a_killed_story_or_across_languages_is_a_conflict() -> None:
    desk = new_desk()
    quake = story(desk, QUAKE)
    volcano = story(desk, VOLCANO, "ap", "2")
    german = story(desk, "Erdbeben in Japan", "dpa", "3", language="de")
    applied(apply(desk, "kill", quake))
    assert "is killed" in refused(apply(desk, "merge", volcano, into=quake), 409).message
    assert "different languages" in refused(apply(desk, "merge", volcano, into=german), 409).message
    assert "no live story" in refused(apply(desk, "merge", volcano, into="st-gone"), 404).message


def test_split_moves_one_item_to_a_story_of_its_own_for_good() -> None:
    desk = new_desk()
    quake = story(desk, QUAKE)
    desk.handle(headline("ap", "9", QUAKE, minutes=0.1), at(0.1))
    result = apply(desk, "split", quake, minutes=1, item="ap:9")
    update, new = applied(result)
    created = result.outcome.created
    assert (update.story.story_id, update.story.sources) == (quake, 1)
    assert (new.type, new.story.story_id, new.story.headline) == ("story.new", created, QUAKE)
    [version_2] = desk.handle(headline("ap", "9", QUAKE + " again", version=2, minutes=2), at(2))
    assert version_2.story.story_id == created, "a later version stays in the story it was split into"
    assert "not a member" in refused(apply(desk, "split", quake, item="ap:404"), 422).message
    assert "only item" in refused(apply(desk, "split", quake, item="reuters:1"), 409).message


def test_an_item_split_out_never_rejoins_the_story_it_left() -> None:
    two_hours = DeskPolicy(lifecycle=LifecyclePolicy(story_window_s=2 * 3600))
    desk = Desk(DeskTables({}, {}, {}, {}), AuthorityBook(default=0.5), two_hours)
    quake = story(desk, QUAKE)
    tsunami = QUAKE + ", tsunami feared"
    [joined] = desk.handle(headline("ap", "9", tsunami, minutes=0.1), at(0.1))
    assert joined.story.story_id == quake
    created = apply(desk, "split", quake, minutes=1, item="ap:9").outcome.created
    [kept] = desk.handle(headline("bbc", "5", QUAKE, minutes=100), at(100))
    assert kept.story.story_id == quake
    ended = [e.story.story_id for e in desk.tick(at(121)) if e.type == "story.expire"]
    assert ended == [created], "the story the item was split into ends; the one it left goes on"
    back = desk.handle(headline("ap", "9", tsunami, version=3, minutes=122), at(122))
    assert [(e.type, e.story.story_id == quake) for e in back] == [("story.new", False)]


def test_splitting_a_merged_story_back_out_restores_it() -> None:
    desk = new_desk()
    quake = story(desk, QUAKE)
    volcano = story(desk, VOLCANO, "ap", "2")
    applied(apply(desk, "merge", volcano, minutes=1, into=quake))
    desk.tick(at(1.5))
    desk.handle(headline("bbc", "3", VOLCANO, minutes=2), at(2))
    result = apply(desk, "split", quake, minutes=3, item=volcano)
    update, restored = applied(result)
    assert result.outcome.created == volcano
    assert (update.story.story_id, update.story.sources) == (quake, 1)
    assert (restored.type, restored.story.story_id, restored.story.sources) == ("story.new", volcano, 2)


def test_views_show_editors_every_story_and_tombstone_the_ones_that_end() -> None:
    desk = new_desk()
    quake = story(desk, QUAKE, urgency=2)
    volcano = story(desk, VOLCANO, "ap", "2")
    hidden = story(desk, BANKRUPTCY, "afp", "3")
    views = dict(desk.views())
    assert set(views) == {quake, volcano, hidden}
    applied(apply(desk, "kill", hidden))
    applied(apply(desk, "merge", volcano, into=quake))
    views = dict(desk.views())
    assert views[volcano] is None
    killed, merged = views[hidden], views[quake]
    assert killed is not None and (killed.state, killed.overrides.killed is not None) == ("killed", True)
    assert merged is not None and (merged.state, merged.member_count, merged.merged) == ("shown", 2, [volcano])
    assert merged.machine_level == "breaking" and merged.evidence["breaking"] == at(0)
    assert desk.views() == []


def test_a_desk_rebuilt_from_its_tables_keeps_every_override_merge_and_cannot_link() -> None:
    tables = DeskTables({}, {}, {}, {})
    desk = new_desk(tables)
    quake = story(desk, QUAKE)
    volcano = story(desk, VOLCANO, "ap", "2")
    desk.handle(headline("afp", "7", QUAKE, minutes=0.1), at(0.1))
    applied(apply(desk, "pin", quake))
    applied(apply(desk, "merge", volcano, into=quake))
    applied(apply(desk, "split", quake, item="afp:7"))
    rebuilt = new_desk(DeskTables(*(dict(t) for t in (tables.seen, tables.stories, tables.held, tables.editorial))))
    assert rebuilt.showing() == desk.showing()
    assert "already pinned" in refused(apply(rebuilt, "pin", quake), 409).message
    [restored] = [e for e in applied(apply(rebuilt, "split", quake, item=volcano)) if e.story.story_id == volcano]
    assert restored.type == "story.new"
