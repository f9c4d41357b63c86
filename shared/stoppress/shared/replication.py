"""How many copies of every record the cluster keeps: chosen from the number of brokers (see DESIGN.md, "Topics").

One rule serves every topic Stop Press creates (the shared topics, the
ticker's desk topic and changelogs, faust's own), and the local launcher
applies the same rule to Kafka's internal topics, so nothing is hard-coded
per topic:

- one broker: replication factor 1, ``min.insync.replicas`` 1 (there is
  nothing to copy to);
- three or more: replication factor 3, ``min.insync.replicas`` 2. With
  ``acks=all`` a write is acknowledged once two copies have it, so any one
  broker can be lost without losing an acknowledged record, and writes go
  on while one broker is away; with two away, writes are refused (never
  acknowledged with a single copy);
- two: factor 2, ``min.insync.replicas`` 1 — each record on both brokers
  while both are up, writes going on with one. (A two-node KRaft quorum
  survives no failure, which is why the local launcher refuses to start
  one; an outside cluster of two gets this.)

:func:`learn_replication` asks the cluster how many brokers it has right
now; a caller should create topics with the whole cluster up (``stoppress up``
and the compose one-shot wait for every broker first).
"""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient

MAX_FACTOR = 3
"""More copies than three cost disk and produce latency and buy no more safety at news scale."""


class ReplicationError(ValueError):
    """A replication factor or ``min.insync.replicas`` that cannot work; the message says why."""


@dataclass(frozen=True)
class Replication:
    """Copies per partition (``factor``) and how many must have a write before ``acks=all`` succeeds."""

    factor: int
    min_insync: int

    def __post_init__(self) -> None:
        if self.factor < 1:
            raise ReplicationError(f"replication factor must be at least 1, not {self.factor}")
        if not 1 <= self.min_insync <= self.factor:
            raise ReplicationError(
                f"min.insync.replicas must be between 1 and the replication factor ({self.factor}), "
                f"not {self.min_insync}: more would refuse every write"
            )

    def topic_config(self) -> dict[str, str]:
        """The topic-level config that goes with the factor in ``CreateTopics``."""
        return {"min.insync.replicas": str(self.min_insync)}


def replication_for(brokers: int, factor: int | None = None, min_insync: int | None = None) -> Replication:
    """The rule for a cluster of ``brokers``: factor ``min(brokers, 3)``, ``min.insync.replicas`` one less
    (at least 1). ``factor`` and ``min_insync`` override it (settings); an overridden factor alone brings
    the rule's ``min.insync.replicas`` for it."""
    if brokers < 1:
        raise ReplicationError(f"a cluster has at least one broker, not {brokers}")
    chosen = min(brokers, MAX_FACTOR) if factor is None else factor
    return Replication(chosen, max(1, chosen - 1) if min_insync is None else min_insync)


async def learn_replication(
    admin: AIOKafkaAdminClient, factor: int | None = None, min_insync: int | None = None
) -> tuple[int, Replication]:
    """How many brokers the cluster of ``admin`` lists right now, and :func:`replication_for` that many."""
    brokers = len((await admin.describe_cluster())["brokers"])
    return brokers, replication_for(brokers, factor, min_insync)
