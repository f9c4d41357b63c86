"""Level rules: urgency evidence, corroboration bursts, holds and step-down with age."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from stoppress.shared.models import Level
from stoppress.ticker.levels import LevelPolicy, evidence, level_at, next_level_change
from stoppress.ticker.members import Member
from tests.unit.ticker.builders import member, standings, ts

POLICY = LevelPolicy()


def of(members: list[Member], minutes: float) -> dict[Level, float]:
    """The evidence of a story made of ``members`` (in join order), looked for at ``minutes``."""
    ordered = sorted(members, key=lambda m: m.joined_at)
    return evidence(ordered, standings(*members), ts(minutes), POLICY)


def level(members: list[Member], minutes: float) -> str:
    return level_at(of(members, minutes), ts(minutes), POLICY)


def test_urgency_one_is_flash() -> None:
    assert level([member(urgency=1)], 0) == "flash"


def test_urgency_two_is_breaking() -> None:
    assert level([member(urgency=2)], 0) == "breaking"


def test_urgency_three_is_urgent() -> None:
    assert level([member(urgency=3)], 0) == "urgent"


def test_routine_lone_item_is_normal() -> None:
    assert level([member(urgency=4)], 0) == "normal"
    assert level([member(urgency=9)], 0) == "normal"


def test_flash_steps_down_one_level_at_a_time_with_age() -> None:
    story = [member(urgency=1)]
    assert level(story, 29.9) == "flash"
    assert level(story, 30) == "breaking"
    assert level(story, 119.9) == "breaking"
    assert level(story, 120) == "urgent"
    assert level(story, 359.9) == "urgent"
    assert level(story, 360) == "normal"


def test_breaking_by_urgency_falls_after_two_hours() -> None:
    story = [member(urgency=2)]
    assert level(story, 119) == "breaking"
    assert level(story, 121) == "urgent"


def test_three_independent_sources_within_30_minutes_weighted_by_authority_is_breaking() -> None:
    story = [
        member("reuters", joined=0, authority=0.7),
        member("ap", joined=10, authority=0.7),
        member("bbc", joined=29, authority=0.6),
    ]
    assert level(story, 29) == "breaking"


def test_three_sources_of_low_authority_are_not_enough_for_breaking() -> None:
    story = [
        member("blog-a", joined=0, authority=0.3),
        member("blog-b", joined=1, authority=0.3),
        member("blog-c", joined=2, authority=0.3),
    ]
    assert level(story, 2) == "normal"


def test_low_authority_sources_add_up_when_there_are_enough() -> None:
    story = [member(f"blog-{i}", joined=i, authority=0.4) for i in range(5)]
    assert level(story, 5) == "breaking"


def test_sources_spread_over_more_than_30_minutes_are_no_burst() -> None:
    story = [
        member("reuters", joined=0, authority=0.9),
        member("ap", joined=20, authority=0.9),
        member("bbc", joined=50, authority=0.9),
    ]
    assert level(story, 50) == "urgent"


def test_two_corroborating_sources_make_a_story_urgent() -> None:
    story = [member("reuters", joined=0, authority=0.6), member("ap", joined=5, authority=0.5)]
    assert level(story, 5) == "urgent"


def test_one_source_filing_many_items_is_not_corroboration() -> None:
    story = [member("reuters", item=str(i), joined=i, authority=1.0) for i in range(6)]
    assert level(story, 6) == "normal"


def test_corroboration_raises_the_level_as_it_arrives() -> None:
    story = [member("reuters", joined=0, authority=0.9, urgency=4)]
    assert level(story, 1) == "normal"
    story.append(member("ap", joined=2, authority=0.9, urgency=4))
    assert level(story, 2) == "urgent"
    story.append(member("bbc", joined=3, authority=0.8, urgency=4))
    assert level(story, 3) == "breaking"


def test_withheld_and_canceled_items_give_no_evidence() -> None:
    assert level([member(urgency=1, status="withheld")], 0) == "normal"
    assert level([member(urgency=1, status="canceled")], 0) == "normal"


def test_an_upgrade_counts_from_when_the_item_reached_its_urgency() -> None:
    upgraded = member(urgency=1, joined=0, urgent_since=100)
    assert level([upgraded], 120) == "flash"


def test_next_level_change_is_the_end_of_the_current_hold() -> None:
    latest = evidence([], standings(member(urgency=1)), ts(0), POLICY)
    assert next_level_change(latest, ts(0), POLICY) == ts(30)
    assert next_level_change(latest, ts(30), POLICY) == ts(120)
    assert next_level_change(latest, ts(360), POLICY) is None


def test_evidence_older_than_the_longest_hold_is_not_looked_for() -> None:
    old = [member(s, joined=0, authority=0.9) for s in ("reuters", "ap", "bbc")] + [member("afp", urgency=1)]
    assert of(old, 360) == {}
    assert of(old, 359) == {"flash": ts(0), "breaking": ts(0), "urgent": ts(0)}


def test_no_evidence_means_no_change_is_coming() -> None:
    latest = evidence([member(urgency=6)], standings(member(urgency=6)), ts(0), POLICY)
    assert latest == {}
    assert next_level_change(latest, ts(0), POLICY) is None


@st.composite
def joins(draw: st.DrawFn) -> list[Member]:
    authority = {source: draw(st.sampled_from([0.2, 0.5, 0.7, 1.0])) for source in "abcde"}
    count = draw(st.integers(1, 12))
    members = []
    for i in range(count):
        source = draw(st.sampled_from(sorted(authority)))
        members.append(member(source, item=str(i), joined=draw(st.floats(0, 100)), authority=authority[source]))
    return members


@given(joins())
def test_bursts_agree_with_counting_every_window(members: list[Member]) -> None:
    """The sliding window finds a burst exactly when some window ending at a join holds one.

    Joins span less than the breaking hold, so the level at the last join is the best burst seen.
    """
    expected = "normal"
    for end in members:
        window = [m for m in members if end.joined_at - POLICY.burst_window_s < m.joined_at <= end.joined_at]
        authority: dict[str, float] = {}
        for m in window:
            authority[m.source] = max(authority.get(m.source, 0.0), m.authority)
        total = sum(authority.values())
        if len(authority) >= 3 and total >= 2.0 - 1e-9:
            expected = "breaking"
        elif len(authority) >= 2 and total >= 1.0 - 1e-9 and expected == "normal":
            expected = "urgent"
    last = max(m.joined_at for m in members)
    ordered = sorted(members, key=lambda m: m.joined_at)
    assert level_at(evidence(ordered, standings(*members), last, POLICY), last, POLICY) == expected
