"""StoryIndex and Signature: the invariants the ticker relies on."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stoppress.ticker.clustering import MAX_TERM_CHARS, MAX_TERMS, Signature, StoryIndex, signature
from stoppress.ticker.everyday import EVERYDAY_EN

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)

SNOWDEN = [
    "Edward Snowden speaks at SXSW via video link",
    "Snowden tells SXSW audience he has no regrets over NSA leaks",
    "NSA leaker Edward Snowden urges tech firms to adopt encryption at SXSW",
]
SBARRO = [
    "Pizza chain Sbarro files for Chapter 11 bankruptcy again",
    "Sbarro files for bankruptcy for second time in three years",
]


def _index(**tuning: object) -> StoryIndex:
    return StoryIndex(**tuning)  # type: ignore[arg-type]


def test_identical_text_joins_the_story() -> None:
    index = StoryIndex()
    index.add("s1", signature(SNOWDEN[0]), T0)
    assert index.match(signature(SNOWDEN[0]), T0 + timedelta(minutes=5)) == "s1"


def test_coverage_by_other_outlets_joins_and_other_events_do_not() -> None:
    index = StoryIndex()
    at = T0
    for text in SNOWDEN:
        story = index.match(signature(text), at) or "snowden"
        assert story == "snowden"
        index.add(story, signature(text), at)
        at += timedelta(minutes=3)
    assert index.match(signature(SBARRO[0]), at) is None
    index.add("sbarro", signature(SBARRO[0]), at)
    assert index.match(signature(SBARRO[1]), at) == "sbarro"
    assert len(index) == 2


def test_terms_in_common_say_why_a_headline_matched() -> None:
    index = StoryIndex()
    index.add("snowden", signature(SNOWDEN[0]), T0)
    assert index.terms_in_common("snowden", signature(SNOWDEN[1])) == ("snowden", "sxsw")
    assert index.terms_in_common("snowden", signature(SBARRO[0])) == ()
    assert index.terms_in_common("unknown", signature(SNOWDEN[0])) == ()


def _two_named_stories(**tuning: object) -> StoryIndex:
    """Two stories of eight headlines; each headline names its story ("north", "titanfall") and has two own words."""
    index = _index(**tuning)
    for name in ("north", "titanfall"):
        for i in range(8):
            index.add(name, Signature(terms=(name, f"{name}{i}a", f"{name}{i}b")), T0)
    return index


def test_one_shared_everyday_word_does_not_join_a_story_but_a_name_does() -> None:
    index = _two_named_stories()
    assert index.match(Signature(terms=("north", "korea", "missile")), T0) is None  # "north": everyday English
    assert index.match(Signature(terms=("titanfall", "beta", "xbox")), T0) == "titanfall"
    assert index.match(Signature(terms=("north",)), T0) == "north"  # a headline of one term is all that term


def test_the_everyday_rule_is_english_only_and_can_be_turned_off() -> None:
    north_korea = ("north", "korea", "missile")
    assert _two_named_stories().match(Signature(terms=north_korea, language="de"), T0) == "north"
    assert _two_named_stories(everyday_rule=False).match(Signature(terms=north_korea), T0) == "north"


def test_empty_signature_never_matches() -> None:
    index = StoryIndex()
    index.add("s1", signature("the of and"), T0)
    assert signature("the of and").terms == ()
    assert index.match(signature("the of and"), T0) is None
    assert len(index) == 1


def test_stories_outside_the_window_are_ignored_and_expire() -> None:
    index = StoryIndex(window=timedelta(hours=1), half_life=None)
    index.add("old", signature(SBARRO[0]), T0)
    index.add("new", signature(SNOWDEN[0]), T0 + timedelta(minutes=30))
    later = T0 + timedelta(hours=1, minutes=1)
    assert index.match(signature(SBARRO[0]), later) is None
    assert index.match(signature(SNOWDEN[0]), later) == "new"
    assert index.expire(later) == ["old"]
    assert "old" not in index
    assert index.expire(later) == []
    assert len(index) == 1


def test_exactly_window_old_is_still_live() -> None:
    index = StoryIndex(window=timedelta(hours=1))
    index.add("s1", signature(SBARRO[0]), T0)
    assert index.expire(T0 + timedelta(hours=1)) == []


def test_a_new_member_keeps_a_story_alive() -> None:
    index = StoryIndex(window=timedelta(hours=1))
    index.add("s1", signature(SBARRO[0]), T0)
    index.add("s1", signature(SBARRO[1]), T0 + timedelta(minutes=50))
    assert index.expire(T0 + timedelta(minutes=70)) == []


def test_remove_forgets_the_story_and_unknown_ids_are_ignored() -> None:
    index = StoryIndex()
    index.add("s1", signature(SBARRO[0]), T0)
    index.remove("s1")
    index.remove("never-seen")
    assert len(index) == 0
    assert index.match(signature(SBARRO[0]), T0) is None


def test_time_decay_lets_a_quiet_story_go() -> None:
    decaying = StoryIndex(half_life=timedelta(hours=2))
    steady = StoryIndex(half_life=None)
    for index in (decaying, steady):
        index.add("s1", signature(SBARRO[0]), T0)
    later = T0 + timedelta(hours=12)
    assert steady.match(signature(SBARRO[1]), later) == "s1"
    assert decaying.match(signature(SBARRO[1]), later) is None


def test_a_headline_joins_the_story_it_is_closest_to() -> None:
    index = StoryIndex()
    index.add("sbarro", signature(SBARRO[0]), T0)
    index.add("gox", signature("Mt. Gox bitcoin exchange files for bankruptcy protection in US"), T0)
    assert index.match(signature("Bitcoin exchange Mt. Gox files US bankruptcy"), T0) == "gox"


def test_rebuilding_in_any_order_gives_the_same_decisions() -> None:
    members = [(f"s{i % 3}", signature(text), T0 + timedelta(minutes=i)) for i, text in enumerate(SNOWDEN + SBARRO)]
    probes = [signature(t) for t in ["Snowden at SXSW: encryption", "Sbarro bankruptcy", "Titanfall review"]]
    shuffled = members[:]
    random.Random(7).shuffle(shuffled)
    now = T0 + timedelta(hours=1)
    first, second = StoryIndex(), StoryIndex()
    for story_id, sig, at in members:
        first.add(story_id, sig, at)
    for story_id, sig, at in shuffled:
        second.add(story_id, sig, at)
    assert [first.match(p, now) for p in probes] == [second.match(p, now) for p in probes]


def test_remove_then_re_add_restores_the_same_decisions() -> None:
    index = StoryIndex()
    for text in SNOWDEN:
        index.add("snowden", signature(text), T0)
    index.add("sbarro", signature(SBARRO[0]), T0)
    probe = signature(SNOWDEN[1])
    before = index.match(probe, T0)
    index.remove("snowden")
    for text in SNOWDEN:
        index.add("snowden", signature(text), T0)
    assert index.match(probe, T0) == before == "snowden"


@pytest.mark.parametrize(
    "tuning",
    [
        {"window": timedelta(0)},
        {"single_threshold": 0.1, "settled_threshold": 0.2},
        {"settled_threshold": 0.0},
        {"half_life": timedelta(0)},
    ],
)
def test_bad_tuning_is_refused(tuning: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        _index(**tuning)


@given(st.text(max_size=300), st.sampled_from(["en", "en-GB", "fr", "de"]))
def test_signature_round_trips_through_json(text: str, language: str) -> None:
    sig = signature(text, language)
    assert Signature.from_dict(json.loads(json.dumps(sig.to_dict()))) == sig


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=300))
def test_signature_of_a_headline_is_compact(text: str) -> None:
    sig = signature(text)
    assert len(sig.terms) <= MAX_TERMS
    assert all(len(t) <= MAX_TERM_CHARS for t in sig.terms)
    assert len(sig.terms) == len(set(sig.terms))
    assert len(json.dumps(sig.to_dict())) <= 1300


@pytest.mark.parametrize(
    "bad",
    [{"terms": "abc"}, {"terms": [1, 2]}, {"terms": ["a"], "lang": 3}, {"v": 99, "terms": ["a"]}, {}],
)
def test_malformed_signature_dicts_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Signature.from_dict(bad)


@given(st.lists(st.sampled_from(SNOWDEN + SBARRO), min_size=1, max_size=12))
def test_every_added_story_is_counted_until_removed(texts: list[str]) -> None:
    index = StoryIndex()
    for i, text in enumerate(texts):
        sig = signature(text)
        index.add(index.match(sig, T0) or f"story-{i}", sig, T0)
        assert index.match(sig, T0) is not None
    story_ids = {f"story-{i}" for i in range(len(texts))}
    for story_id in story_ids:
        index.remove(story_id)
    assert len(index) == 0


def _match_story_by_story(index: StoryIndex, sig: Signature, now: datetime) -> str | None:
    """The match as a loop over candidates and, for each, over the headline's terms (the reference)."""
    weights = index._weights(sig.terms)
    norm = sum(weights.values()) / len(weights) ** 0.5
    best: tuple[float, str] | None = None
    for story_id in index._candidates(sig.terms):
        story = index._stories[story_id]
        shared = 0.0
        for term, weight in weights.items():
            if term in story.mass:
                shared += weight * story.mass[term]
        bar = index.settled_threshold + (index.single_threshold - index.settled_threshold) / story.members
        ratio = shared / (story.members * norm) / bar
        in_common = [term for term in sig.terms if term in story.mass]
        on_one_everyday_word = len(sig.terms) > 1 and len(in_common) == 1 and in_common[0] in EVERYDAY_EN
        if on_one_everyday_word:
            continue
        if ratio >= 1.0 and (best is None or ratio > best[0] or (ratio == best[0] and story_id < best[1])):
            best = (ratio, story_id)
    return best[1] if best is not None else None


TERMS = ["north", "gas", "test", "titanfall", "sxsw", "bitcoin", "korea", "ukraine", "a1", "b2"]  # everyday or not


@given(
    st.lists(st.lists(st.sampled_from(TERMS), min_size=1, max_size=5, unique=True), min_size=1, max_size=30),
    st.lists(st.sampled_from(TERMS), min_size=1, max_size=5, unique=True),
)
def test_postings_walk_matches_a_story_by_story_loop(members: list[list[str]], probe: list[str]) -> None:
    """Summing along the postings picks what a loop over candidates and terms picks, common terms included."""
    index = StoryIndex(half_life=None, max_postings=3)
    for number, terms in enumerate(members):
        sig = Signature(terms=tuple(terms), language="en")
        index.add(index.match(sig, T0) or f"s{number}", sig, T0)
    sig = Signature(terms=tuple(probe), language="en")
    assert index.match(sig, T0) == _match_story_by_story(index, sig, T0)
