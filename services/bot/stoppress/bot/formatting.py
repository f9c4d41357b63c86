"""The text of a post, fitted to a platform's limit (pure).

A post is ``LABEL: headline`` and, on its own line, the story's link::

    BREAKING: UK government partners with Meta on AI team for public services
    https://example.com/story

Corrections read ``CORRECTION — BREAKING: new headline``, retractions
``RETRACTED: headline — this story has been withdrawn`` and take-backs (an
editor killed the story; shown where the platform cannot delete, e.g. by a
webhook receiver) ``WITHDRAWN: headline — the editors have taken this story
down``. A take-back does not say "killed": next to a headline about a fire
or a war, that word would read as news. When the whole
does not fit, only the headline gives way: it is cut on a grapheme-cluster
boundary and ends with an ellipsis, so the label and the link always
survive. (If the link alone is too long for the platform, as a 400-character
URL on Bluesky would be, the link is left out rather than the headline.)
"""

from __future__ import annotations

from typing import Literal

from stoppress.bot.textlength import Platform, grapheme_cost, graphemes, post_length
from stoppress.shared.models import Level, StoryView

PostKind = Literal["new", "correction", "retraction", "takeback"]
"""``takeback``: withdraw every post about a story an editor killed (see :mod:`stoppress.bot.desk`)."""

LEVEL_LABELS: dict[Level, str] = {"flash": "FLASH", "breaking": "BREAKING", "urgent": "URGENT", "normal": "NEWS"}
ELLIPSIS = "…"
MIN_HEADLINE_GRAPHEMES = 10
"""Fewer visible headline characters than this and the link is dropped instead."""


def compose_post(story: StoryView, kind: PostKind, platform: Platform) -> str:
    """The post announcing ``story`` (as ``kind``), within ``platform.limit``."""
    prefix, suffix = _frame(story, kind)
    link = f"\n{story.url}" if story.url and kind in ("new", "correction") else ""
    text = _fit(prefix, story.headline, suffix + link, platform)
    if text is None and link:
        text = _fit(prefix, story.headline, suffix, platform)
    if text is None:
        raise ValueError(f"label {prefix!r} alone exceeds the {platform.name} limit of {platform.limit}")
    return text


def _frame(story: StoryView, kind: PostKind) -> tuple[str, str]:
    label = LEVEL_LABELS[story.level]
    if kind == "correction":
        return f"CORRECTION — {label}: ", ""
    if kind == "retraction":
        return "RETRACTED: ", " — this story has been withdrawn"
    if kind == "takeback":
        return "WITHDRAWN: ", " — the editors have taken this story down"
    return f"{label}: ", ""


def _fit(prefix: str, headline: str, tail: str, platform: Platform) -> str | None:
    """``prefix + headline + tail`` within the limit, shortening only the headline; ``None`` if it cannot."""
    whole = prefix + headline + tail
    if post_length(whole, platform) <= platform.limit:
        return whole
    budget = platform.limit - post_length(prefix + ELLIPSIS + tail, platform)
    kept: list[str] = []
    spent = 0
    for cluster in graphemes(headline):
        cost = grapheme_cost(cluster, platform)
        if spent + cost > budget:
            break
        kept.append(cluster)
        spent += cost
    while kept:
        text = prefix + "".join(kept).rstrip() + ELLIPSIS + tail
        if post_length(text, platform) <= platform.limit:
            return text if len(kept) >= MIN_HEADLINE_GRAPHEMES else None
        kept.pop()
    return None
