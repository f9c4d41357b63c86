"""Counting a post's length the way each platform does."""

from __future__ import annotations

import pytest

from stoppress.bot.textlength import PLATFORMS, graphemes, post_length

MASTODON, BLUESKY, X = PLATFORMS["mastodon"], PLATFORMS["bluesky"], PLATFORMS["x"]
LONG_URL = "https://news.example.com/" + "a" * 100


def test_graphemes_keep_combined_characters_emoji_sequences_and_flags_whole() -> None:
    assert graphemes("e\u0301👨‍👩‍👧🇬🇧") == ["e\u0301", "👨‍👩‍👧", "🇬🇧"]


def test_mastodon_counts_graphemes_and_any_url_as_23() -> None:
    assert post_length("Flood 🇬🇧 " + LONG_URL, MASTODON) == len("Flood ") + 1 + 1 + 23


def test_bluesky_counts_the_url_as_written() -> None:
    assert post_length("Flood " + LONG_URL, BLUESKY) == len("Flood ") + len(LONG_URL)


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("Breaking news", 13),
        ("東京で地震", 10),  # CJK counts 2 each
        ("Fire 🔥", 5 + 2),  # any emoji counts 2
        ("👨‍👩‍👧", 2),  # a whole emoji sequence is one emoji
        ("e\u0301", 1),  # NFC first: é is one code point
        ("“Quoted” — dash…", 15 + 2),  # curly quotes and em dash are light; the ellipsis U+2026 is not
        (f"See {LONG_URL} now", 4 + 23 + 4),
    ],
)
def test_x_weighs_code_points_and_counts_urls_as_23(text: str, length: int) -> None:
    assert post_length(text, X) == length
