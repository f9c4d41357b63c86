"""textfeatures: the terms story clustering compares."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stoppress.ticker.textfeatures import STOPWORDS, headline_terms, stem, tokenize


def test_tokenize_folds_case_acronyms_and_possessives() -> None:
    assert tokenize("McDonald's U.S. sales fall 0.3 percent") == ["mcdonald", "us", "sales", "fall", "0.3", "percent"]


def test_tokenize_splits_hyphens_and_keeps_decimals_whole() -> None:
    assert tokenize("Metro-North: iOS 7.1 is here.") == ["metro", "north", "ios", "7.1", "is", "here"]


def test_tokenize_normalises_unicode_compatibility_forms() -> None:
    assert tokenize("ＮＡＳＡ launches ﬁrst probe") == ["nasa", "launches", "first", "probe"]


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("stocks", "stock"),
        ("companies", "company"),
        ("launches", "launch"),
        ("stopped", "stop"),
        ("tapering", "taper"),
        ("quickly", "quick"),
        ("bus", "bus"),
        ("news", "news"),
        ("crisis", "crisis"),
        ("virus", "virus"),
        ("class", "class"),
        ("7.1", "7.1"),
    ],
)
def test_stem_strips_one_light_inflection(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_headline_terms_drop_stopwords_and_stem() -> None:
    assert headline_terms("The Fed says it will keep tapering") == ["fed", "keep", "taper"]


def test_short_numbers_are_glued_to_the_word_before() -> None:
    assert headline_terms("Game of Thrones season 4 trailer") == ["game", "throne", "season", "season_4", "trailer"]
    assert headline_terms("10 things you need to know") == []


def test_long_and_decimal_numbers_stand_alone() -> None:
    assert headline_terms("iOS 7.1 lands in 2014") == ["ios", "7.1", "land", "2014"]


def test_other_languages_are_not_stemmed_or_filtered() -> None:
    assert headline_terms("Les banques centrales", language="fr") == ["les", "banques", "centrales"]


def test_stopwords_are_lower_case_words() -> None:
    assert all(word == word.casefold() and " " not in word for word in STOPWORDS)


@given(st.text(max_size=300))
def test_terms_are_deterministic_and_never_stopwords(text: str) -> None:
    terms = headline_terms(text)
    assert terms == headline_terms(text)
    assert not set(terms) & STOPWORDS
    assert all(terms)


def test_a_word_that_stems_to_a_stopword_is_dropped() -> None:
    assert headline_terms("haves and have-nots") == ["nots"]
