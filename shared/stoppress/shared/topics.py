"""Kafka topic names and specs: the one place that knows them (see DESIGN.md, "Topics").

The ``desk.*`` topics carry the editor's desk (docs/desk.md); ``desk.commands``
has one partition so that every editor action has one total order, the order
of the audit log.

``ticker.events`` has one partition on purpose: it gives every gateway replica
one total order, so a client cursor is a single offset and "every event, in
order, once" is simple to prove. At news rates (tens of events per second at
peak) one partition has orders of magnitude of headroom.
"""

from __future__ import annotations

from dataclasses import dataclass, field

HEADLINES_RAW = "headlines.raw"
TICKER_EVENTS = "ticker.events"
TICKER_STORIES = "ticker.stories"
HEADLINES_DLQ = "headlines.dlq"
OPS_METRICS = "ops.metrics"
"""Periodic metric snapshots of every service instance, for the live dashboard."""
DESK_COMMANDS = "desk.commands"
"""Editors' commands, keyed by the story's desk: the ticker applies them in order with headlines; the audit log."""
DESK_OUTCOMES = "desk.outcomes"
"""What the ticker did with each command, keyed by command id; with ``desk.commands``, the audit log."""
DESK_STORIES = "desk.stories"
"""What editors see of every live story (members, evidence, overrides); compacted, keyed by story id."""


@dataclass(frozen=True)
class TopicSpec:
    """How a topic is created: name, partition count, compaction and extra configs."""

    name: str
    partitions: int
    compacted: bool = False
    config: dict[str, str] = field(default_factory=dict)

    def topic_config(self) -> dict[str, str]:
        """The broker-side configs for ``CreateTopics``."""
        cleanup = {"cleanup.policy": "compact"} if self.compacted else {}
        return {**cleanup, **self.config}


TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec(HEADLINES_RAW, partitions=6),
    TopicSpec(TICKER_EVENTS, partitions=1, config={"retention.ms": str(7 * 24 * 3600 * 1000)}),
    TopicSpec(
        TICKER_STORIES,
        partitions=1,
        compacted=True,
        config={"min.cleanable.dirty.ratio": "0.1", "segment.ms": str(3600 * 1000)},
    ),
    TopicSpec(HEADLINES_DLQ, partitions=1, config={"retention.ms": str(30 * 24 * 3600 * 1000)}),
    TopicSpec(OPS_METRICS, partitions=1, config={"retention.ms": str(3600 * 1000)}),
    # The audit log is kept for good (retention.ms=-1): a busy newsroom's thousand commands a day
    # are well under a gigabyte a year, and "who killed this story, and why" has no expiry date.
    TopicSpec(DESK_COMMANDS, partitions=1, config={"retention.ms": "-1"}),
    TopicSpec(DESK_OUTCOMES, partitions=1, config={"retention.ms": "-1"}),
    TopicSpec(
        DESK_STORIES,
        partitions=1,
        compacted=True,
        config={"min.cleanable.dirty.ratio": "0.1", "segment.ms": str(3600 * 1000)},
    ),
)
