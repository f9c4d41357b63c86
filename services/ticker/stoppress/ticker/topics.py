"""The topics the ticker reads and writes, declared on its faust app.

``headlines.raw`` is keyed by ``source:guid``, so one source's items are
spread over its partitions and coverage of one event by two sources lands on
different partitions. Clustering needs every item that may belong to a story
in one place, so the *intake* agent re-keys each valid headline by its desk
(:func:`stoppress.ticker.book.desk_key`, the primary language subtag) into
the internal *desk* topic, whose partitions the *desk* agent and its tables
share (see ``docs/ranking.md``, "Partitioning"). Editors' commands take the
same road: the *commands* agent forwards each one from ``desk.commands`` into
the desk partition of its story, so it is applied in order with the story's
headlines (``docs/desk.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import faust

from stoppress.shared.topics import (
    DESK_COMMANDS,
    DESK_OUTCOMES,
    DESK_STORIES,
    HEADLINES_DLQ,
    HEADLINES_RAW,
    TICKER_EVENTS,
    TICKER_STORIES,
    TOPICS,
    TopicSpec,
)
from stoppress.ticker.settings import TickerSettings

DESK_RETENTION_S = 7 * 24 * 3600.0
"""How long re-keyed headlines stay on the desk topic (s); only a replay after a crash reads them."""

TICK_KEY = b"\x00tick"
"""Key of clock ticks on the desk topic (a desk key is a language subtag, never this)."""

RECORD_KIND = "stoppress-record"
"""Header naming what a desk-topic record is when it is not a headline (a tick has its own key)."""
COMMAND_KIND = b"command"
""":data:`RECORD_KIND` of an editor's command forwarded from ``desk.commands``, keyed by its story's desk."""
BUNDLE_KIND = b"headlines"
""":data:`RECORD_KIND` of several headlines of one desk in one record (:mod:`stoppress.ticker.bundles`)."""


@dataclass(frozen=True)
class TickerTopics:
    """Every topic of the worker, with raw bytes keys and values."""

    raw: faust.TopicT
    desk: faust.TopicT
    events: faust.TopicT
    stories: faust.TopicT
    dlq: faust.TopicT
    commands: faust.TopicT
    outcomes: faust.TopicT
    desk_stories: faust.TopicT


def declare_topics(app: faust.App, settings: TickerSettings) -> TickerTopics:
    """Declare the topics on ``app`` (see :mod:`stoppress.ticker.provision` for their creation)."""

    def external(name: str, spec: TopicSpec) -> faust.TopicT:
        return app.topic(name, partitions=spec.partitions, key_type=bytes, value_type=bytes, internal=False)

    specs = shared_topic_specs(settings)
    return TickerTopics(
        raw=external(settings.headlines_topic, specs[settings.headlines_topic]),
        desk=app.topic(
            desk_topic_name(settings),
            partitions=settings.desk_partitions,
            key_type=bytes,
            value_type=bytes,
            internal=True,
            retention=DESK_RETENTION_S,
        ),
        events=external(settings.events_topic, specs[settings.events_topic]),
        stories=external(settings.stories_topic, specs[settings.stories_topic]),
        dlq=external(settings.dlq_topic, specs[settings.dlq_topic]),
        commands=external(settings.commands_topic, specs[settings.commands_topic]),
        outcomes=external(settings.outcomes_topic, specs[settings.outcomes_topic]),
        desk_stories=external(settings.desk_stories_topic, specs[settings.desk_stories_topic]),
    )


def shared_topic_specs(settings: TickerSettings) -> dict[str, TopicSpec]:
    """The configured names of the shared topics the worker uses, each with its spec from DESIGN.md."""
    by_name = {spec.name: spec for spec in TOPICS}
    return {
        configured: replace(by_name[default], name=configured)
        for configured, default in (
            (settings.headlines_topic, HEADLINES_RAW),
            (settings.events_topic, TICKER_EVENTS),
            (settings.stories_topic, TICKER_STORIES),
            (settings.dlq_topic, HEADLINES_DLQ),
            (settings.commands_topic, DESK_COMMANDS),
            (settings.outcomes_topic, DESK_OUTCOMES),
            (settings.desk_stories_topic, DESK_STORIES),
        )
    }


def desk_topic_name(settings: TickerSettings) -> str:
    """The internal topic carrying re-keyed headlines and clock ticks to the desk agent."""
    return f"{settings.app_id}-desk"
