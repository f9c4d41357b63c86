"""What a story looks like on the ticker: its ``StoryView``, its next ``TickerEvent``, and the facts that make news.

Pure functions over a :class:`~stoppress.ticker.story.Story`; times are
POSIX seconds (UTC) on the way in and aware datetimes in the contract models.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from stoppress.shared.models import EventType, RetractReason, StoryView, TickerEvent, event_id_for
from stoppress.ticker.lifecycle import Snapshot
from stoppress.ticker.members import Member, Standing
from stoppress.ticker.ranking import RankingPolicy, band
from stoppress.ticker.story import Shown, Story

__all__ = ["as_datetime", "next_event", "shown_snapshot", "story_view"]


def story_view(story: Story, lead: Member, level: str, score: float, max_names: int) -> dict[str, Any]:
    """The JSON form of the ``StoryView`` to show (without ``revision`` and ``updated_at``).

    ``level`` is the level to show (editors' overrides applied); the
    headline and URL are an editor's correction if there is one, else the
    lead's; ``pinned_at`` is set while an editor pins the story.
    ``source_names`` lists up to ``max_names`` sources, most authoritative
    first; ``category``/``region`` are the lead's, else those of the first
    source that gave one. Built only when an event is published: deciding
    needs just the lead, level, score, source count and what editors set.
    """
    standings = story.standings.values()
    named = heapq.nsmallest(max_names, standings, key=lambda s: (-s.authority, s.first_joined, s.source))
    headline, url = story.overrides.headline_for(lead.headline, lead.url)
    pin = story.overrides.pin
    return {
        "story_id": story.story_id,
        "headline": headline,
        "url": url,
        "level": level,
        "score": score,
        "sources": len(story.standings),
        "source_names": [s.name for s in named],
        "category": lead.category or _first_known(standings, "category"),
        "region": lead.region or _first_known(standings, "region"),
        "language": lead.language,
        "first_seen": as_datetime(story.first_seen).isoformat(),
        "pinned_at": None if pin is None else as_datetime(pin.at).isoformat(),
    }


def next_event(
    story: Story,
    kind: EventType,
    view: dict[str, Any],
    at: float,
    received: float | None,
    *,
    reason: RetractReason | None = None,
) -> TickerEvent:
    """The event that brings ``story`` to its next revision at ``at`` (s), showing ``view``.

    ``received`` (when ingest received the headline that caused it; for a
    clock-driven or editor-caused event, the story's latest member's; for an
    empty stub, ``at``) stamps ``ingested_at``. ``reason`` says why an
    editor retracted it (a merge names the story it went into).
    """
    revision = story.revision + 1
    now = as_datetime(at)
    if received is None:
        received = max((m.received_at for m in story.members.values()), default=at)
    return TickerEvent(
        event_id=event_id_for(story.story_id, revision),
        type=kind,
        story=StoryView.model_validate({**view, "revision": revision, "updated_at": now}),
        ingested_at=as_datetime(received),
        processed_at=now,
        reason=reason,
        merged_into=story.merged_into if reason == "merged" else None,
    )


def shown_snapshot(shown: Shown | None, policy: RankingPolicy) -> Snapshot | None:
    """The facts the lifecycle compares, for what the ticker shows now (``None``: nothing)."""
    if shown is None:
        return None
    view = shown.view
    pinned = view.get("pinned_at")
    display = (view["headline"], view["url"], None if pinned is None else datetime.fromisoformat(pinned))
    return Snapshot(
        shown.lead_id, shown.lead_version, view["level"], band(view["score"], policy), view["sources"], display
    )


def as_datetime(at: float) -> datetime:
    """POSIX seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(at, UTC)


def _first_known(standings: Iterable[Standing], field_name: str) -> str | None:
    known = [s for s in standings if getattr(s, field_name)]
    return getattr(min(known, key=lambda s: (s.first_joined, s.source)), field_name) if known else None
