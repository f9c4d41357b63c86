"""What editors see of a story (``DeskStory`` on ``desk.stories``): members, evidence, score terms and overrides.

Pure: built from a story and the machine's :class:`~stoppress.ticker.judgement.Judgement`
of it. Readers get ``StoryView``; editors get this, which also shows what
readers do not see (killed and hidden stories, every member, why the level
and score are what they are). Times are POSIX seconds on the way in.
"""

from __future__ import annotations

from collections.abc import Sequence

from stoppress.shared.models import (
    MAX_DESK_MEMBERS,
    DeskMember,
    DeskOverrides,
    DeskState,
    DeskStory,
    EditorMark,
    HeadlineCorrection,
    LevelOverride,
    ScoreTerms,
    StoryView,
)
from stoppress.ticker.judgement import Judgement
from stoppress.ticker.members import Member
from stoppress.ticker.overrides import LevelMark, Mark, Overrides
from stoppress.ticker.story import Story
from stoppress.ticker.views import as_datetime

__all__ = ["MemberViews", "desk_story"]


class MemberViews:
    """Each listed member's ``DeskMember``, built once per member version and reused while it is listed.

    A story's view lists its newest :data:`MAX_DESK_MEMBERS` members and is
    published each time the story changes, so a busy story rebuilt that many
    validated models for each headline: 80 % of the cost of a big story's
    view (measured on the bench workload's 20 largest stories: 489 µs per
    view, 402 of them in the members). A :class:`Member` is immutable and
    replaced when it changes, so the same object has the same view.
    """

    def __init__(self) -> None:
        self._listed: dict[str, dict[str, tuple[Member, DeskMember]]] = {}

    def of(self, story: Story, members: Sequence[Member]) -> list[DeskMember]:
        """The views of ``members`` of ``story``; only these stay remembered for the story."""
        before = self._listed.get(story.story_id, {})
        listed: dict[str, tuple[Member, DeskMember]] = {}
        for member in members:
            known = before.get(member.item_id)
            listed[member.item_id] = known if known is not None and known[0] is member else (member, _member(member))
        self._listed[story.story_id] = listed
        return [view for _, view in listed.values()]

    def forget(self, story_id: str) -> None:
        """The story ended: drop what was remembered for it."""
        self._listed.pop(story_id, None)


def desk_story(story: Story, judgement: Judgement, at: float, members: MemberViews | None = None) -> DeskStory:
    """The editors' view of live ``story`` at ``at`` (s), given the machine's ``judgement`` of it.

    ``members`` keeps the members' views between calls (a fresh one builds them all).
    """
    overrides = story.overrides
    lead = judgement.lead
    newest = sorted(story.members.values(), key=lambda m: (m.joined_at, m.item_id), reverse=True)
    terms = judgement.terms
    language = lead.language if lead is not None else (newest[0].language if newest else story.desk)
    return DeskStory(
        story_id=story.story_id,
        desk=story.desk,
        language=language,
        state=_state(story),
        view=None if story.shown is None else StoryView.model_validate(story.shown.view),
        headline=None if lead is None else lead.headline,
        url=None if lead is None else lead.url,
        machine_level=judgement.level,
        level=overrides.level_for(judgement.level, at),
        score=judgement.score,
        score_terms=None if terms is None else ScoreTerms(
            urgency=terms.urgency, authority=terms.authority, corroboration=terms.corroboration,
            velocity=terms.velocity, decay=terms.decay,
        ),
        evidence={level: as_datetime(when) for level, when in judgement.latest.items()},
        sources=len(story.standings),
        overrides=_overrides(overrides, lead),
        members=(members or MemberViews()).of(story, newest[:MAX_DESK_MEMBERS]),
        member_count=len(story.members),
        merged=list(story.merged),
        first_seen=as_datetime(story.first_seen),
        updated_at=as_datetime(at),
        revision=story.revision,
    )


def _state(story: Story) -> DeskState:
    if story.overrides.killed is not None:
        return "killed"
    if story.shown is not None:
        return "shown"
    return "withdrawn" if story.killed else "hidden"


def _overrides(overrides: Overrides, lead: Member | None) -> DeskOverrides:
    edit = overrides.edit
    return DeskOverrides(
        killed=_mark(overrides.killed),
        level=_level(overrides.level),
        hold=_level(overrides.hold),
        pin=_mark(overrides.pin),
        edit=None if edit is None else HeadlineCorrection.model_validate({
            **_mark_fields(edit.mark), "headline": edit.headline, "url": edit.url,
            "stale": edit.stale(None if lead is None else lead.item_id, None if lead is None else lead.version),
        }),
    )


def _mark_fields(mark: Mark) -> dict[str, object]:
    return {"editor": mark.editor, "reason": mark.reason, "at": as_datetime(mark.at), "command_id": mark.command_id}


def _mark(mark: Mark | None) -> EditorMark | None:
    return None if mark is None else EditorMark.model_validate(_mark_fields(mark))


def _level(mark: LevelMark | None) -> LevelOverride | None:
    if mark is None:
        return None
    until = None if mark.until is None else as_datetime(mark.until)
    return LevelOverride.model_validate({**_mark_fields(mark.mark), "level": mark.level, "until": until})


def _member(member: Member) -> DeskMember:
    return DeskMember(
        item_id=member.item_id,
        version=member.version,
        source=member.source,
        source_name=member.source_name,
        headline=member.headline,
        url=member.url,
        urgency=member.urgency,
        status=member.status,
        authority=member.authority,
        joined_at=as_datetime(member.joined_at),
        updated_at=as_datetime(member.updated_at),
    )
