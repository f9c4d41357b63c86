"""A feed entry as a ``Headline`` (pure): the same sanitising as the HTTP API, feed-friendly defaults.

A feed has nobody to answer a 422, so where an HTTP client would be refused
the mapping adapts when that is harmless, and refuses the entry (with a
reason, logged and counted) when it is not:

- guid: the entry's ``id``/``guid``, else its link; else, for an entry
  with a title, an identity derived from the feed's URL, the title and the
  entry's date (undated: its content), as feed readers do (see
  :func:`entry_guid`); no title either → refused. Guids too long for an id
  are replaced by their SHA-256.
- summary: cut at a word boundary to fit; subjects: at most 50, each cut
  to 64 characters.
- times: publication/update times more than the tolerance in the future
  (a feed with a wrong clock or time zone) are clamped to now; missing
  times are now.
- language: the entry's, else the feed's, else the feed configuration's,
  else ``en``; an invalid tag falls back the same way.
- a title that is empty after cleaning or over 300 characters, or a link
  that is not http/https (``javascript:``…) → refused.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from stoppress.ingest.feeds.parsing import FeedEntry
from stoppress.ingest.problems import RefusalError
from stoppress.ingest.sanitize import (
    GUID_MAX_CHARS,
    Attribution,
    UncleanTextError,
    build_headline,
    clamp_future,
    fit_tags,
    summary_excerpt,
)
from stoppress.ingest.sources import FeedConfig
from stoppress.shared.models import Headline, check_language


class EntryRefusedError(ValueError):
    """A feed entry that cannot become a headline; the message says why."""


DERIVED_GUID_PREFIX = "title-sha256-"


def entry_guid(entry: FeedEntry, feed_url: str) -> str | None:
    """The entry's identity at its source: ``id``/``guid``, else its link; hashed when too long.

    An entry with neither but with a title gets an identity derived from
    what it shows (``title-sha256-`` and the SHA-256 of the feed's URL, the
    title as given, and the entry's publication date, else its update date,
    else its content), so every poll and every restart derives the same one.
    Two entries alike in all of these are one entry; a changed title, date
    or (undated) content makes a new one. ``None`` when there is no title either.
    """
    guid = (entry.guid or entry.link or "").strip()
    if not guid:
        if not (entry.title or "").strip():
            return None
        date = entry.published or entry.updated
        shown = [feed_url, entry.title, date.isoformat() if date else None, None if date else entry.summary]
        return DERIVED_GUID_PREFIX + hashlib.sha256(json.dumps(shown).encode()).hexdigest()
    if len(guid) > GUID_MAX_CHARS:
        return "sha256-" + hashlib.sha256(guid.encode()).hexdigest()
    return guid


def entry_to_headline(
    entry: FeedEntry,
    *,
    guid: str,
    version: int,
    attribution: Attribution,
    feed: FeedConfig,
    feed_language: str | None,
    now: datetime,
    tolerance: timedelta,
) -> Headline:
    """The headline for ``version`` of ``entry``; :class:`EntryRefusedError` with the reason if it cannot be one."""
    published = clamp_future(entry.published or entry.updated or now, now, tolerance)
    changed = clamp_future(entry.changed_at or published, now, tolerance)
    fields: dict[str, Any] = {
        "guid": guid,
        "version": version,
        "headline": entry.title or "",
        "summary": _summary(entry.summary),
        "url": entry.link,
        "language": _language(entry.language, feed_language, feed.language),
        "urgency": feed.urgency,
        "subjects": fit_tags(entry.tags),
        "category": feed.category,
        "region": feed.region,
        "first_created": published,
        "version_created": max(changed, published),
    }
    try:
        return build_headline(fields, attribution, now, default_guid=guid, future_tolerance=tolerance)
    except RefusalError as refused:
        raise EntryRefusedError(refused.problem.detail) from None


def _summary(summary: str | None) -> str | None:
    """Feed summaries are often whole articles: their start, cut to fit; none if it cannot be cleaned."""
    if summary is None:
        return None
    try:
        return summary_excerpt(summary)
    except UncleanTextError:
        return None


def _language(*candidates: str | None) -> str:
    for candidate in candidates:
        if candidate:
            try:
                return check_language(candidate.strip().replace("_", "-"))
            except ValueError:
                continue
    return "en"
