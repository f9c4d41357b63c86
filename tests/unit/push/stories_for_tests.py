"""Small builders of contract values for the push unit tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from stoppress.shared.models import Level, StoryView, TickerEvent, event_id_for

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def view(
    story_id: str = "s1",
    revision: int = 1,
    *,
    level: Level = "breaking",
    category: str | None = None,
    region: str | None = None,
    language: str = "en",
    score: float = 1.0,
    minutes: int = 0,
    pinned_minutes: int | None = None,
) -> StoryView:
    """A StoryView with sensible defaults; ``pinned_minutes``: pinned by an editor that many minutes after T0."""
    at = T0 + timedelta(minutes=minutes)
    pinned_at = None if pinned_minutes is None else T0 + timedelta(minutes=pinned_minutes)
    return StoryView(
        story_id=story_id, headline=f"{story_id} r{revision}", level=level, score=score, sources=1,
        category=category, region=region, language=language, first_seen=T0, updated_at=at, revision=revision,
        pinned_at=pinned_at,
    )


def event(story: StoryView, kind: str = "story.update") -> TickerEvent:
    """The event carrying ``story``."""
    return TickerEvent(
        event_id=event_id_for(story.story_id, story.revision), type=kind,
        story=story, ingested_at=T0, processed_at=T0,
    )
