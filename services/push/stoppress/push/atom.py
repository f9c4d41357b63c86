"""``GET /v1/feed.atom``: the breaking and flash stories as an Atom 1.0 feed (RFC 4287).

Built with ElementTree, so every headline is escaped text, never markup.
Each entry has an id, title, updated, author and text content (RFC 4287
§4.1.1.1 requires content or an alternate link; we always give content and add
the link when the story has a URL).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from urllib.parse import quote
from xml.etree import ElementTree as ET

from stoppress.shared.models import StoryView

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_LEVELS = frozenset({"flash", "breaking"})
CONTENT_TYPE = "application/atom+xml; charset=utf-8"


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    element.text = text
    return element


def atom_feed(stories: Sequence[StoryView], self_url: str, instance_started: datetime) -> bytes:
    """The feed document for ``stories`` (already filtered and ordered) as UTF-8 XML bytes."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _text(feed, "id", "urn:stoppress:feed:breaking")
    _text(feed, "title", "Stop Press — breaking news")
    updated = max((story.updated_at for story in stories), default=instance_started)
    _text(feed, "updated", _rfc3339(updated))
    ET.SubElement(feed, f"{{{ATOM_NS}}}link", {"rel": "self", "href": self_url})
    author = ET.SubElement(feed, f"{{{ATOM_NS}}}author")
    _text(author, "name", "Stop Press")
    _text(feed, "generator", "stoppress-push")
    for story in stories:
        entry = ET.SubElement(feed, f"{{{ATOM_NS}}}entry")
        _text(entry, "id", f"urn:stoppress:story:{quote(story.story_id, safe='')}")
        _text(entry, "title", story.headline, type="text")
        _text(entry, "updated", _rfc3339(story.updated_at))
        _text(entry, "published", _rfc3339(story.first_seen))
        if story.url:
            ET.SubElement(entry, f"{{{ATOM_NS}}}link", {"rel": "alternate", "href": story.url})
        ET.SubElement(entry, f"{{{ATOM_NS}}}category", {"term": story.level})
        if story.category:
            ET.SubElement(entry, f"{{{ATOM_NS}}}category", {"term": story.category})
        sources = ", ".join(story.source_names) or f"{story.sources} source(s)"
        _text(entry, "content", f"{story.level.upper()}: {story.headline} — {sources}", type="text")
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body
