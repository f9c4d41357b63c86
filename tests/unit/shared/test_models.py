"""The contract checks of the shared models: what may reach a topic and what may not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from stoppress.shared.models import Headline, StoryView, TickerEvent, event_id_for

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def headline(**overrides: object) -> Headline:
    fields: dict[str, object] = {
        "id": "demo:item-1",
        "source": "demo",
        "headline": "Parliament votes on the budget",
        "first_created": NOW,
        "version_created": NOW,
        "received_at": NOW,
    }
    fields.update(overrides)
    return Headline.model_validate(fields)


def test_defaults_are_those_of_a_plain_usable_english_item() -> None:
    item = headline()
    assert (item.version, item.urgency, item.pubstatus, item.language) == (1, 5, "usable", "en")
    assert item.guid == "item-1"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("urgency", 12, "less than or equal to 9"),
        ("urgency", 0, "greater than or equal to 1"),
        ("headline", "", "at least 1 character"),
        ("headline", "x" * 301, "at most 300 characters"),
        ("headline", "bell\x07", "control characters"),
        ("url", "javascript:alert(1)", "http or https"),
        ("url", "https://user:pw@example.com/", "credentials"),
        ("url", "https:///nohost", "must name a host"),
        ("language", "english please", "BCP 47"),
        ("pubstatus", "draft", "usable"),
        ("first_created", datetime(2026, 11, 26, 12, 0), "timezone"),
        ("source", "Not A Slug", "slug"),
        ("id", "other:item-1", "id must be 'demo:<guid>'"),
        ("schema_version", "2.0", "major version 2 is not supported"),
    ],
)
def test_contract_violations_name_the_rule(field: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        headline(**{field: value})


def test_unknown_fields_are_refused_not_silently_dropped() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        headline(colour="red")


def test_minor_schema_versions_of_the_known_major_are_accepted() -> None:
    assert headline(schema_version="1.7").schema_version == "1.7"


@pytest.mark.parametrize("tag", ["en", "en-GB", "zh-Hant-TW", "es-419", "de-CH-1996"])
def test_common_language_tags_are_valid(tag: str) -> None:
    assert headline(language=tag).language == tag


@given(st.integers(min_value=-14 * 60, max_value=14 * 60))
def test_any_utc_offset_is_aware(minutes: int) -> None:
    stamp = datetime(2026, 1, 1, tzinfo=timezone(timedelta(minutes=minutes)))
    assert headline(first_created=stamp).first_created == stamp


def test_event_ids_are_deterministic_per_story_revision() -> None:
    story = StoryView(
        story_id="s1", headline="A", level="breaking", score=1.0, sources=1,
        first_seen=NOW, updated_at=NOW, revision=3,
    )
    event = TickerEvent(
        event_id=event_id_for("s1", 3), type="story.update", story=story, ingested_at=NOW, processed_at=NOW
    )
    assert event.event_id == event_id_for("s1", 3) != event_id_for("s1", 4)
