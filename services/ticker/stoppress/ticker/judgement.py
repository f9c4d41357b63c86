"""What the machine makes of a story at one moment: its lead, level evidence, level and score.

One pure function, :func:`judge`, shared by the desk's reviews (what to
publish) and the editors' view of a story (why it stands where it does).
Editor overrides are applied on top by the caller (:mod:`stoppress.ticker.overrides`).
Times are POSIX seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from stoppress.shared.models import Level
from stoppress.ticker.levels import evidence, level_at
from stoppress.ticker.members import Member
from stoppress.ticker.policy import DeskPolicy
from stoppress.ticker.ranking import Terms, score_of, terms
from stoppress.ticker.story import Story

__all__ = ["Judgement", "judge"]


@dataclass(frozen=True)
class Judgement:
    """The machine's view of a story at one moment.

    ``lead`` is the item that would be shown (``None``: nothing showable, or
    its lead source withdrew it); ``latest`` the latest time each ranked
    level was earned; ``level`` the level that evidence gives now; ``score``
    rounded to one decimal, with its ``terms`` (``None`` without a lead).
    """

    lead: Member | None
    latest: dict[Level, float]
    level: Level
    score: float
    terms: Terms | None


def judge(story: Story, at: float, policy: DeskPolicy) -> Judgement:
    """Judge ``story`` at ``at`` (s) under ``policy``."""
    standings = story.standings.values()
    leading = None if story.killed else story.lead()
    recent = story.recent(at - policy.levels.lookback_s, policy.recent_limit)
    latest = evidence(recent, standings, at, policy.levels)
    level = level_at(latest, at, policy.levels)
    if leading is None:
        return Judgement(None, latest, level, 0.0, None)
    parts = terms(standings, leading, at, policy.ranking)
    lead = story.members[leading.latest_item]
    return Judgement(lead, latest, level, round(score_of(parts, policy.ranking), 1), parts)
