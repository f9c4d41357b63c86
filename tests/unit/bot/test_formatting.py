"""Composing posts: label, headline and link, fitted to each platform's limit."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stoppress.bot.formatting import ELLIPSIS, compose_post
from stoppress.bot.textlength import PLATFORMS, Platform, graphemes, post_length
from tests.unit.client.samples import story

URL = "https://news.example.com/uk-meta-ai"


def test_a_short_story_is_label_headline_and_link() -> None:
    text = compose_post(story(headline="Quake hits Tokyo", url=URL), "new", PLATFORMS["x"])
    assert text == f"BREAKING: Quake hits Tokyo\n{URL}"


@pytest.mark.parametrize(
    ("kind", "level", "expected"),
    [
        ("new", "flash", f"FLASH: Quake hits Tokyo\n{URL}"),
        ("correction", "breaking", f"CORRECTION — BREAKING: Quake hits Tokyo\n{URL}"),
        ("retraction", "breaking", "RETRACTED: Quake hits Tokyo — this story has been withdrawn"),
        ("takeback", "flash", "WITHDRAWN: Quake hits Tokyo — the editors have taken this story down"),
    ],
)
def test_labels(kind: str, level: str, expected: str) -> None:
    assert compose_post(story(headline="Quake hits Tokyo", level=level, url=URL), kind, PLATFORMS["x"]) == expected  # type: ignore[arg-type]


def test_a_story_without_link_has_no_link_line() -> None:
    assert (
        compose_post(story(headline="Quake hits Tokyo", url=None), "new", PLATFORMS["x"])
        == "BREAKING: Quake hits Tokyo"
    )


def test_a_long_headline_is_cut_with_an_ellipsis_and_the_link_survives() -> None:
    headline = "Minister " + "announces sweeping reforms " * 10
    text = compose_post(story(headline=headline.strip(), url=URL), "new", PLATFORMS["x"])
    assert text.startswith("BREAKING: Minister announces")
    assert text.endswith(f"{ELLIPSIS}\n{URL}")
    assert post_length(text, PLATFORMS["x"]) <= 280


def test_cutting_never_splits_an_emoji_sequence() -> None:
    flag = "🇬🇧"
    view = story(headline="Crowds " + flag * 145, url=URL)
    text = compose_post(view, "new", PLATFORMS["x"])
    shown = text.split("\n")[0].removeprefix("BREAKING: Crowds ")
    assert shown.endswith(ELLIPSIS)
    assert set(graphemes(shown.removesuffix(ELLIPSIS))) == {flag}
    assert post_length(text, PLATFORMS["x"]) <= 280


def test_a_link_too_long_for_bluesky_is_dropped_rather_than_the_headline() -> None:
    long_url = "https://news.example.com/" + "x" * 290
    text = compose_post(story(headline="Quake hits Tokyo", url=long_url), "new", PLATFORMS["bluesky"])
    assert text == "BREAKING: Quake hits Tokyo"


_headline_text = (
    st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=300)
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=200, deadline=None)
@given(
    headline=_headline_text,
    platform=st.sampled_from(sorted(PLATFORMS.values(), key=lambda p: p.name)),
    kind=st.sampled_from(["new", "correction", "retraction"]),
)
def test_every_post_fits_keeps_its_label_and_link_and_cuts_on_a_grapheme_boundary(
    headline: str, platform: Platform, kind: str
) -> None:
    view = story(headline=headline, url=URL)
    text = compose_post(view, kind, platform)  # type: ignore[arg-type]
    assert post_length(text, platform) <= platform.limit
    first_line = text.split("\n")[0]
    assert first_line.startswith(("BREAKING: ", "CORRECTION — BREAKING: ", "RETRACTED: "))
    if kind != "retraction":
        assert text.endswith(f"\n{URL}")
    shown = first_line.split(": ", 1)[1].removesuffix(" — this story has been withdrawn")
    if shown != headline:
        kept = shown.removesuffix(ELLIPSIS)
        assert headline.startswith(kept)
        assert graphemes(headline)[: len(graphemes(kept))] == graphemes(kept)
