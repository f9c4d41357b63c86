"""Create the topics the worker needs before faust starts, and check the ones it owns.

faust creates its internal topics itself, but only after its first partition
assignment, so on a fresh broker the first worker would start without its
desk partitions. Creating them up front (idempotently) avoids that. Every one
is replicated as the cluster's size calls for (:mod:`stoppress.shared.replication`;
the settings ``replication_factor`` and ``min_insync_replicas`` override it),
and the worker hands the same factor to faust for the topics faust creates.
Existing topics are kept as they are; an existing desk topic or changelog with a
partition count other than ``desk_partitions`` stops the worker with a
message, because the tables' state is laid out by partition (topics it has
just created are right by construction, and their metadata may lag).
"""

from __future__ import annotations

import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

from stoppress.shared.replication import Replication, ReplicationError, learn_replication
from stoppress.ticker.settings import TickerSettings
from stoppress.ticker.tables import TABLE_NAMES, changelog_topic_name
from stoppress.ticker.topics import DESK_RETENTION_S, desk_topic_name, shared_topic_specs

__all__ = ["ProvisioningError", "ensure_topics"]

log = logging.getLogger(__name__)


class ProvisioningError(RuntimeError):
    """The broker refused a topic, or an owned topic has the wrong number of partitions."""


async def ensure_topics(settings: TickerSettings) -> Replication:
    """Create missing topics (the shared ones it uses, as in DESIGN.md, and its own) and check its own.

    Returns the replication chosen, for the topics faust creates itself.
    """
    owned = [desk_topic_name(settings), *(changelog_topic_name(settings, name) for name in TABLE_NAMES)]
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, client_id=f"{settings.instance}-admin")
    await admin.start()
    try:
        try:
            brokers, replication = await learn_replication(
                admin, settings.replication_factor, settings.min_insync_replicas
            )
        except ReplicationError as exc:
            raise ProvisioningError(str(exc)) from None
        log.info(
            "topics replicated %d times, min.insync.replicas %d (%d brokers)",
            replication.factor, replication.min_insync, brokers,
        )  # fmt: skip
        replicated = replication.topic_config()
        wanted = [
            NewTopic(spec.name, spec.partitions, replication.factor, topic_configs=spec.topic_config() | replicated)
            for spec in shared_topic_specs(settings).values()
        ]
        wanted.append(
            NewTopic(
                owned[0],
                settings.desk_partitions,
                replication.factor,
                topic_configs={"retention.ms": str(int(DESK_RETENTION_S * 1000)), **replicated},
            )
        )
        wanted += [
            NewTopic(
                name,
                settings.desk_partitions,
                replication.factor,
                topic_configs={"cleanup.policy": "compact", **replicated},
            )
            for name in owned[1:]
        ]
        response = await admin.create_topics(wanted)
        failures = [
            f"{topic}: {for_code(code).__name__} {' '.join(str(m) for m in message if m)}"
            for topic, code, *message in response.topic_errors
            if code not in (0, TopicAlreadyExistsError.errno)
        ]
        if failures:
            raise ProvisioningError("Kafka refused to create topics: " + "; ".join(failures))
        existing = [
            topic
            for topic, code, *_ in response.topic_errors
            if code == TopicAlreadyExistsError.errno and topic in owned
        ]
        described = await admin.describe_topics(existing) if existing else []
    finally:
        await admin.close()
    wrong = [
        f"{topic['topic']} has {len(topic['partitions'])} partitions"
        for topic in described
        if len(topic["partitions"]) != settings.desk_partitions
    ]
    if wrong:
        raise ProvisioningError(
            f"{'; '.join(wrong)}, but desk_partitions is {settings.desk_partitions}: "
            "the tables' state is laid out by partition, so use the existing count or a new app_id"
        )
    return replication
