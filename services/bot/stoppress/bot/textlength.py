"""How long a post is, counted the way each platform counts it (pure).

- Mastodon counts grapheme clusters (what a reader sees as one character),
  and every URL as 23 characters whatever its real length.
- Bluesky counts grapheme clusters of the text as written, URLs included.
- X weighs code points: most Latin, Greek, Cyrillic and common punctuation
  count 1, other scripts (CJK, ...) and every emoji sequence count 2, and any
  URL counts 23 (its t.co link). Text is NFC-normalised first. These are the
  rules of X's published ``twitter-text`` configuration v3.

Grapheme clusters come from the ``regex`` module's ``\\X`` (Unicode UAX #29),
so a family emoji or a flag is never split in two.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import regex

URL = regex.compile(r"https?://[^\s]+")
_GRAPHEME = regex.compile(r"\X")
_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}")
_X_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))

Counting = Literal["graphemes", "x-weighted"]
PlatformName = Literal["mastodon", "bluesky", "x"]


@dataclass(frozen=True)
class Platform:
    """A target's length rule: at most ``limit`` units; a URL costs ``url_cost`` (``None``: as written)."""

    name: PlatformName
    limit: int
    url_cost: int | None
    counting: Counting


PLATFORMS: dict[PlatformName, Platform] = {
    "mastodon": Platform("mastodon", limit=500, url_cost=23, counting="graphemes"),
    "bluesky": Platform("bluesky", limit=300, url_cost=None, counting="graphemes"),
    "x": Platform("x", limit=280, url_cost=23, counting="x-weighted"),
}


def graphemes(text: str) -> list[str]:
    """``text`` split into extended grapheme clusters."""
    return list(_GRAPHEME.findall(text))


def grapheme_cost(cluster: str, platform: Platform) -> int:
    """What one grapheme cluster of plain text (not part of a URL) costs on ``platform``."""
    if platform.counting == "graphemes":
        return 1
    if _EMOJI.search(cluster):
        return 2
    return sum(1 if _x_light(ord(char)) else 2 for char in cluster)


def post_length(text: str, platform: Platform) -> int:
    """The length of ``text`` as ``platform`` counts it against its limit."""
    if platform.counting == "x-weighted":
        text = unicodedata.normalize("NFC", text)
    total = 0
    for piece, is_url in _split_urls(text):
        if is_url and platform.url_cost is not None:
            total += platform.url_cost
        else:
            total += sum(grapheme_cost(cluster, platform) for cluster in graphemes(piece))
    return total


def _split_urls(text: str) -> Iterator[tuple[str, bool]]:
    position = 0
    for match in URL.finditer(text):
        yield text[position : match.start()], False
        yield match.group(), True
        position = match.end()
    yield text[position:], False


def _x_light(code_point: int) -> bool:
    return any(low <= code_point <= high for low, high in _X_LIGHT_RANGES)
