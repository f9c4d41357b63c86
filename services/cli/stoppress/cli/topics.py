"""``stoppress topics``: create the Stop Press topics on any broker (idempotent).

The topic list itself lives in :mod:`stoppress.shared.topics`; this module only
talks to a broker. The local launcher, the compose stack's one-shot ``topics``
service and operators all create topics through :func:`create_topics`, with
the replication the cluster's size calls for (:mod:`stoppress.shared.replication`)
unless told otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

from stoppress.shared.replication import Replication, ReplicationError, learn_replication
from stoppress.shared.settings import DEFAULT_BOOTSTRAP
from stoppress.shared.topics import TOPICS, TopicSpec


class TopicCreationError(RuntimeError):
    """The broker refused to create one or more topics; the message names each and why."""


async def create_topics(
    bootstrap: str,
    topics: Sequence[TopicSpec] = TOPICS,
    *,
    factor: int | None = None,
    min_insync: int | None = None,
) -> Replication:
    """Create ``topics``; topics that already exist are left as they are. Returns the replication used.

    The replication factor and ``min.insync.replicas`` follow from the number of brokers the cluster
    lists now (:func:`stoppress.shared.replication.replication_for`); ``factor`` and ``min_insync``
    override them.
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="stoppress-topics")
    await admin.start()
    try:
        _, replication = await learn_replication(admin, factor, min_insync)
        response = await admin.create_topics(
            [
                NewTopic(
                    spec.name,
                    spec.partitions,
                    replication.factor,
                    topic_configs={**spec.topic_config(), **replication.topic_config()},
                )
                for spec in topics
            ]
        )
    finally:
        await admin.close()
    failures = [
        f"{topic}: {for_code(error_code).__name__} {' '.join(map(str, message))}"
        for topic, error_code, *message in response.topic_errors
        if error_code not in (0, TopicAlreadyExistsError.errno)
    ]
    if failures:
        raise TopicCreationError("Kafka refused to create topics: " + "; ".join(failures))
    return replication


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``stoppress topics`` to the command line."""
    parser = subparsers.add_parser("topics", help="create the Stop Press topics on a broker (idempotent)")
    parser.add_argument(
        "--bootstrap", default=DEFAULT_BOOTSTRAP, help="host:port of a broker (or several, comma-separated)"
    )
    parser.add_argument(
        "--replication",
        type=int,
        help="replicas per partition (default: from the cluster's size, 3 on three or more brokers, else 1)",
    )
    parser.add_argument(
        "--min-insync-replicas",
        type=int,
        help="copies an acks=all write needs (default: one less than the replication factor, at least 1)",
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        replication = asyncio.run(
            create_topics(args.bootstrap, factor=args.replication, min_insync=args.min_insync_replicas)
        )
    except (ReplicationError, TopicCreationError) as exc:
        print(f"stoppress topics: {exc}", file=sys.stderr)
        return 2
    print(
        f"topics ready on {args.bootstrap} (replication factor {replication.factor}, "
        f"min.insync.replicas {replication.min_insync}): {', '.join(spec.name for spec in TOPICS)}"
    )
    return 0
