"""The score formula: each term, the decay, the bounds and the bands."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stoppress.ticker.lead import choose_lead
from stoppress.ticker.members import Member
from stoppress.ticker.ranking import RankingPolicy, band, score
from tests.unit.ticker.builders import member, standings, ts

POLICY = RankingPolicy()


def rank(members: list[Member], minutes: float) -> float:
    """The score at ``minutes`` of a story made of ``members``, led as the desk would lead it."""
    sources = standings(*members)
    lead = choose_lead(sources)
    assert lead is not None
    return score(sources, lead, ts(minutes), POLICY)


def test_documented_example_top_flash_confirmed_by_four_top_sources() -> None:
    story = [member(s, urgency=1 if s == "reuters" else 3, authority=1.0, joined=i) for i, s in enumerate(
        ["reuters", "ap", "afp", "bbc", "dpa"])]  # fmt: skip
    assert rank(story, 4) == pytest.approx(96.8, abs=0.5)


def test_documented_example_lone_routine_item_and_its_decay() -> None:
    lone = [member(urgency=5, authority=0.5)]
    assert rank(lone, 0) == pytest.approx(37.3, abs=0.5)
    assert rank(lone, 120) == pytest.approx(12.5, abs=0.5)


def test_more_urgent_scores_higher() -> None:
    urgent, routine = [member(urgency=2)], [member(urgency=6)]
    assert rank(urgent, 0) > rank(routine, 0)


def test_higher_authority_lead_scores_higher() -> None:
    top, low = [member(authority=1.0)], [member(authority=0.2)]
    assert rank(top, 0) > rank(low, 0)


def test_independent_sources_raise_the_score_but_one_source_repeating_does_not() -> None:
    one = [member("reuters")]
    echo = [member("reuters", item=str(i)) for i in range(4)]
    many = [member(s) for s in ("reuters", "ap", "bbc", "afp")]
    assert rank(echo, 0) == pytest.approx(rank(one, 0))
    assert rank(many, 0) > rank(one, 0)


def test_velocity_counts_only_sources_that_joined_in_the_last_15_minutes() -> None:
    fast = [member(s, joined=60 + i) for i, s in enumerate(("reuters", "ap", "bbc"))]
    slow = [member(s, joined=i * 30) for i, s in enumerate(("reuters", "ap", "bbc"))]
    assert rank(fast, 62) > rank(slow, 62)


def test_score_halves_every_two_hours_without_new_coverage() -> None:
    story = [member(s, joined=0) for s in ("reuters", "ap", "bbc")]
    three_hours, five_hours = rank(story, 180), rank(story, 300)
    assert five_hours == pytest.approx(three_hours / 2)


def test_new_coverage_resets_the_decay() -> None:
    old = [member("reuters", joined=0)]
    refreshed = [*old, member("ap", joined=240)]
    assert rank(refreshed, 240) > 2 * rank(old, 240)


def test_a_story_with_nothing_visible_scores_zero() -> None:
    [lead] = standings(member())
    assert score([], lead, ts(0), POLICY) == 0.0


def test_bands_are_tenths_of_the_scale() -> None:
    assert [band(v, POLICY) for v in (0.0, 9.99, 10.0, 55.5, 99.9, 100.0)] == [0, 0, 1, 5, 9, 10]


def test_a_shown_band_holds_until_the_score_is_a_point_past_its_edges() -> None:
    assert [band(v, POLICY, shown=7) for v in (69.1, 69.0, 80.9, 81.0, 55.0)] == [7, 6, 7, 8, 5]


@given(
    st.lists(
        st.tuples(st.sampled_from("abcdef"), st.integers(1, 9), st.floats(0, 1), st.floats(0, 600)),
        min_size=1,
        max_size=10,
    ),
    st.floats(0, 6000),
)
def test_score_is_between_0_and_100(items: list[tuple[str, int, float, float]], later: float) -> None:
    story = [member(s, item=str(i), urgency=u, authority=a, joined=j) for i, (s, u, a, j) in enumerate(items)]
    value = rank(story, max(j for *_, j in items) + later)
    assert 0.0 <= value <= 100.0
