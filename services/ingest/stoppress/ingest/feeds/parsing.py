"""Feed documents (RSS 2.0, Atom 1.0 via feedparser; JSON Feed 1.1) as plain entries (pure).

The parser is lenient the way feed readers must be (feedparser copes with
wrong encodings and broken XML), but it does not clean anything: the
entries carry the text as the feed gave it, and :mod:`.mapping` applies the
same sanitising rules as the HTTP API.
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser
import orjson

JSON_FEED_VERSION_PREFIX = "https://jsonfeed.org/version/"


class FeedError(ValueError):
    """The document is not a feed this service can read; the message says why."""


@dataclass(frozen=True)
class FeedEntry:
    """One entry as the feed gave it (text not yet cleaned, times in UTC)."""

    guid: str | None
    link: str | None
    title: str | None
    summary: str | None
    published: datetime | None
    updated: datetime | None
    tags: tuple[str, ...] = ()
    language: str | None = None

    @property
    def changed_at(self) -> datetime | None:
        """When the entry last changed, as far as the feed says."""
        return self.updated or self.published


@dataclass(frozen=True)
class ParsedFeed:
    """A feed's entries, oldest change first, and the language it declares."""

    kind: str
    language: str | None
    entries: tuple[FeedEntry, ...]


def parse_feed(body: bytes, content_type: str | None, url: str) -> ParsedFeed:
    """Read a fetched document; JSON Feed by media type or a leading ``{``, else RSS/Atom."""
    if (content_type and "json" in content_type.lower()) or body.lstrip()[:1] == b"{":
        return _parse_json_feed(body)
    return _parse_xml_feed(body, content_type, url)


def _parse_xml_feed(body: bytes, content_type: str | None, url: str) -> ParsedFeed:
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    document = feedparser.parse(body, response_headers=headers, sanitize_html=True, resolve_relative_uris=True)
    if not document.get("version"):
        reason = document.get("bozo_exception") or "no RSS or Atom root element"
        raise FeedError(f"not an RSS or Atom feed: {reason}")
    entries = [_xml_entry(entry) for entry in document.entries]
    return ParsedFeed(str(document.version), _str(document.feed.get("language")), _oldest_first(entries))


def _xml_entry(entry: Any) -> FeedEntry:
    return FeedEntry(
        guid=_str(entry.get("id")),
        link=_str(entry.get("link")),
        title=_str(entry.get("title")),
        summary=_str(entry.get("summary")),
        published=_from_struct(entry.get("published_parsed")),
        updated=_from_struct(dict.get(entry, "updated_parsed")),  # not entry.get: that falls back to published
        tags=tuple(t for t in (_str(tag.get("term")) for tag in entry.get("tags", [])) if t),
        language=_str((entry.get("title_detail") or {}).get("language")),
    )


def _parse_json_feed(body: bytes) -> ParsedFeed:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise FeedError(f"not a JSON Feed: invalid JSON ({exc})") from None
    if not isinstance(document, dict) or not str(document.get("version", "")).startswith(JSON_FEED_VERSION_PREFIX):
        raise FeedError(f"not a JSON Feed: 'version' must start with {JSON_FEED_VERSION_PREFIX}")
    items = document.get("items")
    if not isinstance(items, list):
        raise FeedError("not a JSON Feed: 'items' must be a list")
    entries = [_json_entry(item) for item in items if isinstance(item, dict)]
    return ParsedFeed("json" + str(document["version"]).removeprefix(JSON_FEED_VERSION_PREFIX),
                      _str(document.get("language")), _oldest_first(entries))


def _json_entry(item: dict[str, Any]) -> FeedEntry:
    guid = item.get("id")
    tags = item.get("tags")
    return FeedEntry(
        guid=str(guid) if isinstance(guid, (str, int)) and not isinstance(guid, bool) else None,
        link=_str(item.get("url")) or _str(item.get("external_url")),
        title=_str(item.get("title")),
        summary=_str(item.get("summary")) or _str(item.get("content_text")) or _str(item.get("content_html")),
        published=_from_rfc3339(item.get("date_published")),
        updated=_from_rfc3339(item.get("date_modified")),
        tags=tuple(t for t in tags if isinstance(t, str)) if isinstance(tags, list) else (),
        language=_str(item.get("language")),
    )


def _oldest_first(entries: list[FeedEntry]) -> tuple[FeedEntry, ...]:
    """Entries in the order they changed (undated ones first, in document order), so versions go up in order."""
    oldest = datetime.min.replace(tzinfo=UTC)
    return tuple(sorted(entries, key=lambda e: e.changed_at or oldest))


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _from_struct(value: Any) -> datetime | None:
    """feedparser's ``*_parsed`` (a UTC ``struct_time``) as an aware datetime."""
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _from_rfc3339(value: Any) -> datetime | None:
    """A JSON Feed date (RFC 3339) in UTC; an unreadable or zone-less date counts as absent."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None
