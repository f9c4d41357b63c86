"""Valid stories, events and server messages to feed the client and bot tests."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from stoppress.shared.models import Level, StoryView, TickerEvent, event_id_for

NOW = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)


def story(
    story_id: str = "s1",
    headline: str = "UK government partners with Meta on AI team for public services",
    level: Level = "breaking",
    revision: int = 1,
    **overrides: object,
) -> StoryView:
    fields: dict[str, object] = {
        "story_id": story_id,
        "headline": headline,
        "url": "https://news.example.com/uk-meta-ai",
        "level": level,
        "score": 0.9,
        "sources": 3,
        "source_names": ["BBC News", "Reuters", "The Guardian"],
        "first_seen": NOW,
        "updated_at": NOW,
        "revision": revision,
    }
    fields.update(overrides)
    return StoryView.model_validate(fields)


def ticker_event(view: StoryView, kind: str = "story.new") -> TickerEvent:
    return TickerEvent.model_validate(
        {
            "event_id": event_id_for(view.story_id, view.revision),
            "type": kind,
            "story": view.model_dump(),
            "ingested_at": NOW,
            "processed_at": NOW,
        }
    )


def frame(message: dict[str, object]) -> str:
    """A server frame as the gateway would send it."""
    return orjson.dumps(message, default=_jsonable, option=orjson.OPT_UTC_Z).decode()


def _jsonable(value: object) -> object:
    if isinstance(value, StoryView | TickerEvent):
        return value.model_dump(mode="json")
    raise TypeError(type(value).__name__)
