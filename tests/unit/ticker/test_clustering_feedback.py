"""clustering_feedback: merges and splits as must-link and cannot-link pairs, and the clusterer judged by them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from stoppress.ticker.clustering_feedback import (
    corrections,
    evaluate_feedback,
    judge,
    link_pairs,
    replay_items,
)
from tests.support.corrections import KILL, MERGE, QUAKE, QUAKE_AGAIN, REFUSED, SPLIT, item, outcome

IDS = ["aaa", "bbb", "ccc", "ddd", "eee", "fff"]


def test_pairs_are_every_left_right_pair_spelled_one_way() -> None:
    merged = outcome("merge-abc", "merge", [item("bbb", "x"), item("aaa", "x")], [item("ccc", "x")]).feedback
    assert merged is not None
    assert link_pairs(merged) == {("aaa", "ccc"), ("bbb", "ccc")}
    split = outcome("split-zaz", "split", [item("zzz", "x")], [item("aaa", "x"), item("zzz", "x")]).feedback
    assert split is not None
    assert link_pairs(split) == {("aaa", "zzz")}


def test_only_applied_merges_and_splits_count_once_oldest_first() -> None:
    repeat = MERGE.model_copy(update={"repeat": True})
    refused_with_feedback = outcome("merge-409", "merge", [item("aaa", "x")], [item("bbb", "x")], code=409)
    chosen = corrections([SPLIT, KILL, MERGE, REFUSED, repeat, refused_with_feedback])
    assert [c.command_id for c in chosen] == [MERGE.command_id, SPLIT.command_id]
    assert [c.kind for c in chosen] == ["merge", "split"]
    assert chosen[0].pairs == {("wire:q1", "wire:q2")}


def test_replay_places_each_item_once_in_arrival_order_on_its_own_desk() -> None:
    first = outcome("merge-one", "merge", [item("en:1", QUAKE, 0)], [item("en:2", QUAKE_AGAIN, 1)], minutes=10)
    again = outcome("split-two", "split", [item("en:2", QUAKE_AGAIN, 1)], [item("de:1", QUAKE, 0, "de")], minutes=20)
    placed = replay_items(corrections([first, again]))
    assert set(placed) == {"en:1", "en:2", "de:1"}
    assert placed["en:1"] == placed["en:2"]
    assert placed["de:1"].startswith("de/")
    assert placed["en:1"].startswith("en/")


def test_scores_by_hand() -> None:
    merge = outcome("merge-abc", "merge", [item("aaa", "x"), item("bbb", "x")], [item("ccc", "x")], minutes=1)
    split = outcome("split-def", "split", [item("ddd", "x")], [item("eee", "x"), item("fff", "x")], minutes=2)
    predicted = {"aaa": "s1", "ccc": "s1", "bbb": "s2", "ddd": "s3", "eee": "s3", "fff": "s4"}
    scores = judge(corrections([merge, split]), predicted)
    assert (scores.corrections, scores.merges, scores.splits, scores.items) == (2, 1, 1, 6)
    assert (scores.must_link_pairs, scores.together, scores.together_share) == (2, 1, 0.5)
    assert (scores.cannot_link_pairs, scores.apart, scores.apart_share) == (2, 1, 0.5)
    assert [(c.command_id, c.items, c.pairs, c.honoured) for c in scores.per_correction] == [
        ("merge-abc", 3, 2, 1),
        ("split-def", 3, 2, 1),
    ]


def test_the_newest_correction_of_a_pair_wins() -> None:
    merge = outcome("merge-ab", "merge", [item("aaa", "x")], [item("bbb", "x"), item("ccc", "x")], minutes=1)
    undo = outcome("split-ab", "split", [item("aaa", "x")], [item("bbb", "x")], minutes=2)
    scores = judge(corrections([undo, merge]), {"aaa": "s1", "bbb": "s1", "ccc": "s2"})
    assert (scores.must_link_pairs, scores.together) == (1, 0)
    assert (scores.cannot_link_pairs, scores.apart) == (1, 0)
    assert scores.relabelled_pairs == 1
    assert [(c.kind, c.honoured, c.relabelled) for c in scores.per_correction] == [("merge", 1, 1), ("split", 0, 0)]


def test_nothing_to_judge_is_not_a_perfect_score() -> None:
    scores = judge(corrections([KILL, REFUSED]), {})
    assert scores.corrections == scores.items == scores.must_link_pairs == scores.cannot_link_pairs == 0
    assert scores.together_share is None
    assert scores.apart_share is None


def test_the_clusterer_against_sample_corrections() -> None:
    lumped = outcome("split-same", "split", [item("wire:x1", QUAKE, 20)], [item("wire:x2", QUAKE, 21)], minutes=45)
    scores = evaluate_feedback([MERGE, SPLIT, REFUSED, KILL, lumped])
    assert (scores.corrections, scores.items) == (3, 6)
    assert scores.together_share == 1.0
    assert (scores.cannot_link_pairs, scores.apart) == (2, 1)
    assert [c.honoured_share for c in scores.per_correction] == [1.0, 1.0, 0.0]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["merge", "split"]),
            st.lists(st.sampled_from(IDS), min_size=1, max_size=3),
            st.lists(st.sampled_from(IDS), min_size=1, max_size=3),
            st.integers(0, 10),
        ),
        max_size=8,
    ),
    st.dictionaries(st.sampled_from(IDS), st.sampled_from(["s1", "s2"]), min_size=6),
)
def test_every_labelled_pair_is_counted_once(
    drawn: list[tuple[str, list[str], list[str], int]], predicted: dict[str, str]
) -> None:
    outcomes = [
        outcome(f"cmd-{n:05d}", "merge" if kind == "merge" else "split",
                [item(i, "x") for i in left], [item(i, "x") for i in right], minutes=minute)
        for n, (kind, left, right, minute) in enumerate(drawn)
    ]  # fmt: skip
    chosen = corrections(outcomes)
    scores = judge(chosen, predicted)
    labelled = set().union(*(c.pairs for c in chosen))
    assert scores.must_link_pairs + scores.cannot_link_pairs == len(labelled)
    assert 0 <= scores.together <= scores.must_link_pairs
    assert 0 <= scores.apart <= scores.cannot_link_pairs
    assert scores.relabelled_pairs <= len(labelled)
