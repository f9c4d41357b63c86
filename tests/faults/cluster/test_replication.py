"""On a three-node cluster, every topic is replicated three times and needs two copies for a write.

Every topic the cluster holds once the stack runs: the Stop Press topics (created by the launcher), the
ticker's desk topic and changelogs (created by the worker), faust's own (created by faust) and Kafka's
internal ones (consumer offsets: configured by the launcher). None is named here, so a topic added to
any of them is checked too.
"""

from __future__ import annotations

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from stoppress.cli.localcluster import LocalKafkaCluster
from stoppress.cli.stack import Stack
from stoppress.shared.topics import TOPICS


@pytest.mark.slow
async def test_every_topic_has_three_copies_and_needs_two(
    whole_cluster: LocalKafkaCluster, cluster_stack: Stack
) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=whole_cluster.bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics()
        names = [topic["topic"] for topic in described]
        responses = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name) for name in names])
    finally:
        await admin.close()
    copies = {topic["topic"]: {len(p["replicas"]) for p in topic["partitions"]} for topic in described}
    min_insync = {resource[3]: entry[1] for response in responses for resource in response.resources
                  for entry in resource[4] if entry[0] == "min.insync.replicas"}  # fmt: skip
    print(f"{len(names)} topics: {', '.join(sorted(names))}")

    assert {spec.name for spec in TOPICS} <= set(names)
    assert any(name.endswith("-changelog") for name in names) and "__consumer_offsets" in names
    assert {name: sizes for name, sizes in copies.items() if sizes != {3}} == {}
    assert {name: value for name, value in min_insync.items() if value != "2"} == {}
    assert set(min_insync) == set(names)
