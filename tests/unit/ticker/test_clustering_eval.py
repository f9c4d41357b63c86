"""clustering_eval: B-cubed and pairwise scores on hand-computed examples, the replay loop, outsiders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stoppress.ticker.clustering import StoryIndex
from stoppress.ticker.clustering_eval import (
    LabelledHeadline,
    bcubed,
    interleaved,
    outsider_joins,
    pairwise,
    percentile,
    replay,
    score,
)

TRUTH = ["A", "A", "B", "B", "B"]
PREDICTED = [1, 1, 1, 2, 2]


def test_bcubed_by_hand() -> None:
    # precision per item: 2/3, 2/3, 1/3, 1, 1 → 11/15; recall: 1, 1, 1/3, 2/3, 2/3 → 11/15
    precision, recall = bcubed(PREDICTED, TRUTH)
    assert precision == pytest.approx(11 / 15)
    assert recall == pytest.approx(11 / 15)


def test_bcubed_of_all_singletons_and_of_one_lump() -> None:
    assert bcubed([1, 2, 3, 4, 5], TRUTH) == pytest.approx((1.0, (1 / 2 * 2 + 1 / 3 * 3) / 5))
    assert bcubed([0] * 5, TRUTH) == pytest.approx(((2 / 5 * 2 + 3 / 5 * 3) / 5, 1.0))


def test_pairwise_by_hand() -> None:
    # predicted pairs: 3 + 1 = 4, true pairs: 1 + 3 = 4, pairs in both: 1 + 1 = 2
    assert pairwise(PREDICTED, TRUTH) == pytest.approx((0.5, 0.5))


def test_pairwise_without_pairs_scores_one() -> None:
    assert pairwise([1, 2], ["A", "B"]) == (1.0, 1.0)


def test_score_reports_counts_and_f1() -> None:
    result = score(PREDICTED, TRUTH)
    assert (result.predicted_stories, result.true_stories, result.headlines) == (2, 2, 5)
    assert result.bcubed_f1 == pytest.approx(11 / 15)


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="labels"):
        bcubed([1], ["A", "B"])


@given(st.lists(st.tuples(st.integers(0, 4), st.sampled_from("ABC")), min_size=1, max_size=40))
def test_scores_are_bounded_and_perfect_on_the_truth(pairs: list[tuple[int, str]]) -> None:
    predicted = [p for p, _ in pairs]
    truth = [t for _, t in pairs]
    for value in (*bcubed(predicted, truth), *pairwise(predicted, truth)):
        assert 0.0 <= value <= 1.0 + 1e-12
    assert bcubed(truth, truth) == pytest.approx((1.0, 1.0))


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([], 50) == 0.0


def test_replay_decides_each_headline_on_arrival_and_times_it() -> None:
    t0 = datetime(2026, 3, 10, tzinfo=UTC)
    headlines = [
        LabelledHeadline("Sbarro files for Chapter 11 bankruptcy again", "sbarro", t0),
        LabelledHeadline("Titanfall review roundup: the critics weigh in", "titanfall", t0 + timedelta(minutes=1)),
        LabelledHeadline("Sbarro files for Chapter 11 bankruptcy, again", "sbarro", t0 + timedelta(minutes=2)),
    ]
    ticks = count(0, 2_000)
    result = replay(headlines, StoryIndex(), cpu_clock_ns=lambda: next(ticks), wall_clock_ns=lambda: 0)
    assert result.predicted == ["story-0", "story-1", "story-0"]
    assert result.cpu_us == [2.0, 2.0, 2.0]
    assert result.wall_us == [0.0, 0.0, 0.0]


def test_interleaved_keeps_headlines_within_their_span_and_is_seeded() -> None:
    t0 = datetime(2026, 3, 10, tzinfo=UTC)
    headlines = [LabelledHeadline(f"h{i}", str(i % 3), t0 + timedelta(minutes=i)) for i in range(30)]
    moved = interleaved(headlines, seed=5)
    assert moved == interleaved(headlines, seed=5)
    assert sorted(h.text for h in moved) == sorted(h.text for h in headlines)
    assert all(t0 <= h.at <= t0 + timedelta(minutes=29) for h in moved)
    assert [h.at for h in moved] == sorted(h.at for h in moved)
    assert [h.text for h in moved] != [h.text for h in headlines]
    assert interleaved([], seed=1) == []


def _labelled(story: str, texts: list[str], start: datetime) -> list[LabelledHeadline]:
    return [LabelledHeadline(text, story, start + timedelta(minutes=i)) for i, text in enumerate(texts)]


def test_outsider_joins_count_every_probe_at_every_checkpoint_and_name_the_shared_terms() -> None:
    t0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    seen = _labelled("snowden", ["Snowden speaks at SXSW", "Snowden at SXSW: no regrets", "SXSW hears Snowden"], t0)
    outsiders = [
        *_labelled("gaga", ["Lady Gaga plays SXSW"], t0),  # one word in common with the story: judged a join here
        *_labelled("sbarro", ["Sbarro files for bankruptcy"], t0),
        *_labelled("snowden", ["Snowden speaks again"], t0),  # its story is in the replay: not an outsider
    ]
    found = outsider_joins(seen, outsiders, StoryIndex(), checkpoints=3)
    assert found.probes == 2 * 3
    assert found.joins == 1  # at one of the three points: Sbarro never joins, the other Snowden is not probed
    assert found.examples == [("Lady Gaga plays SXSW", "Snowden speaks at SXSW", ("sxsw",))]
    assert found.rate == 1 / 6


def test_outsider_joins_always_probe_after_the_last_headline_and_cap_examples() -> None:
    t0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    seen = _labelled("s", ["Sbarro files for bankruptcy"] * 5, t0)
    outsiders = _labelled("o", ["Sbarro files for bankruptcy again"] * 4, t0)
    found = outsider_joins(seen, outsiders, StoryIndex(), checkpoints=2, examples=3)
    assert found.probes == 4 * 3  # after headlines 2, 4 and the last one (5)
    assert found.joins == 12 and len(found.examples) == 3


def test_outsider_joins_of_nothing_have_no_rate() -> None:
    assert outsider_joins([], [], StoryIndex()).rate is None
