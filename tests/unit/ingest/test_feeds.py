"""Feeds: real-world-like and hostile documents become clean headlines or refusals with reasons."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from stoppress.ingest.feeds.mapping import DERIVED_GUID_PREFIX, EntryRefusedError, entry_guid, entry_to_headline
from stoppress.ingest.feeds.parsing import FeedEntry, FeedError, ParsedFeed, parse_feed
from stoppress.ingest.sanitize import Attribution
from stoppress.ingest.sources import FeedConfig
from stoppress.shared.models import Headline

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
RADIO = Attribution("radio", "Radio", 0.6)
CONFIG = FeedConfig(url="https://feeds.example/feed", urgency=4, category="news", region="EU")
FEED_URL = "https://feeds.example/alerts.xml"
CONTENT_TYPES = {".json": "application/feed+json", ".xml": "application/rss+xml", ".html": "text/html"}


def parse(name: str) -> ParsedFeed:
    path = FEEDS / name
    return parse_feed(path.read_bytes(), CONTENT_TYPES[path.suffix], f"https://feeds.example/{name}")


def outcomes(name: str) -> dict[str | None, Headline | str]:
    """Per entry guid: the headline, or the reason it was refused."""
    parsed = parse(name)
    results: dict[str | None, Headline | str] = {}
    for entry in parsed.entries:
        guid = entry_guid(entry, CONFIG.url)
        if guid is None:
            results[None] = "no identity"
            continue
        try:
            results[guid] = entry_to_headline(entry, guid=guid, version=1, attribution=RADIO, feed=CONFIG,
                                              feed_language=parsed.language, now=NOW, tolerance=timedelta(minutes=5))
        except EntryRefusedError as refused:
            results[guid] = str(refused)
    return results


def headline(results: dict[str | None, Headline | str], guid: str) -> Headline:
    result = results[guid]
    assert isinstance(result, Headline), result
    return result


def test_rss2_entries_in_the_order_they_were_published() -> None:
    parsed = parse("world-rss2.xml")
    assert (parsed.kind, parsed.language) == ("rss20", "en-gb")
    assert [e.title for e in parsed.entries] == [
        "Summit ends without a deal on emissions",
        "Markets steady as central bank holds rates",
        "Strong earthquake strikes off Chile's coast",
    ]
    results = outcomes("world-rss2.xml")
    quake = headline(results, "https://news.example.com/world/quake-chile-67001#0")
    assert quake.url == "https://news.example.com/world/quake-chile-67001?at_medium=RSS&at_campaign=rss"
    assert quake.first_created == datetime(2026, 11, 26, 11, 31, 7, tzinfo=UTC)
    assert (quake.urgency, quake.category, quake.region, quake.language) == (4, "news", "EU", "en-gb")
    assert quake.subjects == ["Americas"]
    summit = headline(results, "https://news.example.com/world/summit-67002")
    assert summit.summary == "Delegates from 190 countries failed to agree a final text & will meet again in March."
    assert summit.first_created == datetime(2026, 11, 26, 9, 2, tzinfo=UTC)
    markets = headline(results, "https://news.example.com/business/markets-67003")
    assert markets.id == "radio:https://news.example.com/business/markets-67003"


def test_atom_entries_resolve_relative_links_and_keep_published_and_updated() -> None:
    results = outcomes("science-atom.xml")
    probe = headline(results, "tag:science.example.org,2026:entry-501")
    assert probe.headline == "Probe returns samples from asteroid"
    assert probe.summary == "The capsule landed in the desert on time."
    assert probe.url == "https://feeds.example/2026/11/probe-samples"
    assert (probe.first_created, probe.version_created) == (
        datetime(2026, 11, 26, 8, 0, tzinfo=UTC), datetime(2026, 11, 26, 9, 30, tzinfo=UTC),
    )
    assert probe.language == "en-US"
    antibiotic = headline(results, "tag:science.example.org,2026:entry-502")
    assert antibiotic.first_created == datetime(2026, 11, 26, 11, 0, tzinfo=UTC)


def test_json_feed_items_with_numeric_ids_languages_and_tags() -> None:
    parsed = parse("local-jsonfeed.json")
    assert (parsed.kind, parsed.language) == ("json1.1", "de-DE")
    results = outcomes("local-jsonfeed.json")
    council = headline(results, "42")
    assert (council.language, council.summary) == ("de", "Mehrheit für den Entwurf.")
    assert council.version_created == datetime(2026, 11, 26, 8, 45, tzinfo=UTC)
    bridge = headline(results, "2026-11-26-bridge")
    assert (bridge.language, bridge.subjects) == ("de-DE", ["Verkehr", "Köln"])


def test_hostile_rss_is_cleaned_or_refused_with_reasons() -> None:
    results = outcomes("hostile-rss2.xml")
    guid = "https://feeds.example/h-{}".format
    assert headline(results, guid(1)).headline == "Minister resigns"
    assert headline(results, guid(1)).summary == "Read more"
    assert results[guid(2)] == "url: must use http or https"
    assert headline(results, guid(3)).headline == "Doubly encoded storm warning"
    enormous = r"headline: is 6\d\d\d characters before cleaning; at most 4000 are read"
    assert re.fullmatch(enormous, str(results[guid(4)]))
    [derived] = [g for g in results if g is not None and g.startswith(DERIVED_GUID_PREFIX)]
    assert headline(results, derived).headline == "No identity at all"
    assert headline(results, guid(6)).headline == "Bidireversed text with controls"
    assert results[guid(7)] == "url: must use http or https"
    future = headline(results, guid(8))
    assert (future.headline, future.first_created) == ("Bold from the future", NOW)
    assert results[guid(9)] == "headline: has no text left once markup is removed"
    assert results[guid(10)] == "url: must not contain credentials"
    assert headline(results, guid(1)).language == "en"


def test_hostile_json_feed_is_cleaned_or_refused() -> None:
    results = outcomes("hostile-jsonfeed.json")
    assert results["j-1"] == "url: must use http or https"
    assert results["j-2"] == "headline: String should have at least 1 character"
    third = headline(results, "j-3")
    assert (third.headline, third.subjects, third.first_created) == ("Real title & more", ["ok", "bold"], NOW)
    [derived] = [g for g in results if g is not None and g.startswith(DERIVED_GUID_PREFIX)]
    assert headline(results, derived).headline == "id of the wrong type and no url"


def test_wrong_and_declared_encodings_become_the_right_characters() -> None:
    gazette = headline(outcomes("wrong-encoding-rss2.xml"), "https://feeds.example/g-1")
    assert gazette.headline == "\u201cCaf\u00e9 culture\u201d returns to the old town"
    journal = headline(outcomes("latin1-rss2.xml"), "https://feeds.example/j-1")
    assert (journal.headline, journal.language) == ("\u00c9lections : la participation en hausse", "fr")


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        ((FEEDS / "not-a-feed.html").read_bytes(), "text/html", "not an RSS or Atom feed"),
        (b"{broken", "application/feed+json", "invalid JSON"),
        (b'{"version": "1", "items": []}', "application/json", "version"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": {}}', "application/json", "items"),
        (b"", None, "not an RSS or Atom feed"),
    ],
)
def test_documents_that_are_not_feeds_are_refused(body: bytes, content_type: str | None, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        parse_feed(body, content_type, "https://feeds.example/x")


def test_guids_fall_back_to_links_and_long_ones_are_hashed() -> None:
    def entry(guid: str | None, link: str | None) -> FeedEntry:
        return FeedEntry(guid=guid, link=link, title="t", summary=None, published=None, updated=None)

    assert entry_guid(entry("g", "https://x/1"), FEED_URL) == "g"
    assert entry_guid(entry(None, "https://x/1"), FEED_URL) == "https://x/1"
    long_guid = entry_guid(entry("x" * 1000, None), FEED_URL)
    assert long_guid is not None
    assert long_guid.startswith("sha256-")
    assert len(long_guid) == 71


def test_long_summaries_are_cut_and_many_tags_capped() -> None:
    long_entry = FeedEntry(guid="g", link="https://x.example/1", title="Title", summary="word " * 1000,
                           published=NOW, updated=None, tags=(*(f"tag{i}" for i in range(80)), "y" * 100))
    result = entry_to_headline(long_entry, guid="g", version=3, attribution=RADIO, feed=CONFIG, feed_language="xx_bad",
                               now=NOW, tolerance=timedelta(minutes=5))
    assert result.summary is not None
    assert len(result.summary) <= 2000
    assert result.summary.endswith("…")
    assert len(result.subjects) == 50
    assert result.version == 3
    assert result.language == "en"


def bare(title: str | None, *, published: datetime | None = None, updated: datetime | None = None,
         summary: str | None = None) -> FeedEntry:
    """An entry with no guid, id or link."""
    return FeedEntry(guid=None, link=None, title=title, summary=summary, published=published, updated=updated)


def test_an_entry_without_guid_or_link_is_identified_by_feed_title_and_date() -> None:
    noon = bare("Road closed", published=NOW)
    guid = entry_guid(noon, FEED_URL)
    assert guid is not None and guid.startswith(DERIVED_GUID_PREFIX) and len(guid) == len(DERIVED_GUID_PREFIX) + 64
    assert entry_guid(bare("Road closed", published=NOW, summary="changed text"), FEED_URL) == guid
    assert entry_guid(bare("Road closed", published=NOW, updated=NOW + timedelta(hours=1)), FEED_URL) == guid
    assert entry_guid(bare("Road closed", published=NOW), "https://other.example/feed") != guid
    assert entry_guid(bare("Road closed", published=NOW + timedelta(minutes=1)), FEED_URL) != guid
    assert entry_guid(bare("Road reopened", published=NOW), FEED_URL) != guid


def test_an_undated_entry_is_identified_by_feed_title_and_content() -> None:
    guid = entry_guid(bare("Notice", summary="Office closed Friday"), FEED_URL)
    assert entry_guid(bare("Notice", summary="Office closed Friday"), FEED_URL) == guid
    assert entry_guid(bare("Notice", summary="Office closed Monday"), FEED_URL) != guid
    assert entry_guid(bare("Notice", updated=NOW), FEED_URL) == entry_guid(bare("Notice", published=NOW), FEED_URL)


def test_an_entry_with_no_guid_link_or_title_has_no_identity() -> None:
    assert entry_guid(bare(None, published=NOW), FEED_URL) is None
    assert entry_guid(bare("  ", summary="only content"), FEED_URL) is None
