"""What editors see of a story: the views of its members are built once per member version and reused."""

from __future__ import annotations

from dataclasses import replace

from stoppress.ticker.deskviews import MemberViews, desk_story
from stoppress.ticker.judgement import judge
from stoppress.ticker.policy import DeskPolicy
from stoppress.ticker.story import Story
from tests.unit.ticker.builders import member, ts


def story_of(*sources: str) -> Story:
    story = Story("st-quake", desk="en", first_seen=ts(0))
    for minute, source in enumerate(sources):
        story.put(member(source, joined=minute))
    return story


def test_a_view_with_remembered_members_is_the_view_built_from_scratch() -> None:
    story = story_of("reuters", "ap", "afp", "bbc")
    remembered = MemberViews()
    for version in (2, 3):
        story.put(replace(story.members["ap:1"], version=version, headline=f"Quake toll rises ({version})"))
        judgement = judge(story, ts(10), DeskPolicy())
        reused = desk_story(story, judgement, ts(10), remembered)
        assert reused == desk_story(story, judgement, ts(10))
        assert [(m.version, m.headline) for m in reused.members if m.source == "ap"] == [
            (version, f"Quake toll rises ({version})")
        ]
    assert len(reused.members) == 4


def test_the_view_of_an_unchanged_member_is_reused_and_an_ended_story_is_forgotten() -> None:
    story = story_of("reuters")
    remembered = MemberViews()
    judgement = judge(story, ts(1), DeskPolicy())
    first = desk_story(story, judgement, ts(1), remembered).members[0]
    assert desk_story(story, judgement, ts(1), remembered).members[0] is first
    remembered.forget(story.story_id)
    assert desk_story(story, judgement, ts(1), remembered).members[0] is not first
