from __future__ import annotations

import pytest

from stoppress.push.filters import EVERYTHING, Filter, filter_from_fields, filter_from_query
from stoppress.push.refusals import BadRequest
from tests.unit.push.stories_for_tests import view

RESTRICTED = frozenset({"internal", "embargo"})


def test_empty_filter_matches_every_public_story() -> None:
    assert EVERYTHING.matches(view(level="normal", category="sport"), RESTRICTED)


def test_restricted_category_only_when_named() -> None:
    secret = view(category="internal")
    assert not EVERYTHING.matches(secret, RESTRICTED)
    assert Filter(categories=frozenset({"internal"})).matches(secret, RESTRICTED)


def test_each_field_narrows() -> None:
    f = filter_from_query({"levels": ["flash,breaking"], "regions": ["eu"], "categories": ["Politics"]})
    assert f.matches(view(level="flash", region="EU", category="politics"), RESTRICTED)
    assert not f.matches(view(level="urgent", region="eu", category="politics"), RESTRICTED)
    assert not f.matches(view(level="flash", region=None, category="politics"), RESTRICTED)
    assert not f.matches(view(level="flash", region="eu", category=None), RESTRICTED)


@pytest.mark.parametrize(
    ("wanted", "language", "expected"),
    [("en", "en-GB", True), ("en", "en", True), ("en-gb", "en-GB", True), ("en-gb", "en", False), ("de", "en", False)],
)
def test_language_is_a_bcp47_prefix_match(wanted: str, language: str, expected: bool) -> None:
    assert Filter(languages=frozenset({wanted})).matches(view(language=language), RESTRICTED) is expected


def test_repeated_and_comma_separated_query_values_combine() -> None:
    f = filter_from_query({"levels": ["flash", "breaking,urgent"]})
    assert f.levels == {"flash", "breaking", "urgent"}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"levels": ["loud"]}, "unknown level"),
        ({"levels": "flash"}, "must be a list"),
        ({"languages": ["not a tag"]}, "languages"),
        ({"regions": ["x" * 65]}, "at most 64"),
        ({"regions": [str(i) for i in range(40)]}, "at most 32"),
    ],
)
def test_bad_filters_are_refused_with_the_field_named(fields: dict[str, object], message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        filter_from_fields(fields)


def test_filters_are_hashable_values_for_grouping() -> None:
    a = filter_from_fields({"levels": ["flash", "breaking"]})
    b = filter_from_fields({"levels": ["breaking", "FLASH"]})
    assert a == b and hash(a) == hash(b)
    assert a.as_dict()["levels"] == ["breaking", "flash"]


def test_restricted_categories_requested() -> None:
    f = Filter(categories=frozenset({"internal", "sport"}))
    assert f.restricted_categories(RESTRICTED) == {"internal"}
