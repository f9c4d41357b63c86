"""``stoppress topics``: create the Stop Press topics on any broker (idempotent).

The topic list itself lives in :mod:`stoppress.shared.topics`; this module only
talks to a broker. The local launcher, the compose stack's one-shot ``topics``
service and operators all create topics through :func:`create_topics`.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

from stoppress.shared.settings import DEFAULT_BOOTSTRAP
from stoppress.shared.topics import TOPICS, TopicSpec


class TopicCreationError(RuntimeError):
    """The broker refused to create one or more topics; the message names each and why."""


async def create_topics(bootstrap: str, topics: Sequence[TopicSpec] = TOPICS, replication: int = 1) -> None:
    """Create ``topics`` with ``replication`` replicas each; topics that already exist are left as they are."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="stoppress-topics")
    await admin.start()
    try:
        response = await admin.create_topics(
            [NewTopic(spec.name, spec.partitions, replication, topic_configs=spec.topic_config()) for spec in topics]
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


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``stoppress topics`` to the command line."""
    parser = subparsers.add_parser("topics", help="create the Stop Press topics on a broker (idempotent)")
    parser.add_argument("--bootstrap", default=DEFAULT_BOOTSTRAP, help="host:port of a broker")
    parser.add_argument("--replication", type=int, default=1, help="replicas per topic (the broker count, up to 3)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    asyncio.run(create_topics(args.bootstrap, replication=args.replication))
    print(f"topics ready on {args.bootstrap}: {', '.join(spec.name for spec in TOPICS)}")
    return 0
