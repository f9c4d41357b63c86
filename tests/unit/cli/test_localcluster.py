"""The local cluster's pure parts: ports per node, the broker settings a size brings, the restart back-off,
and what a data folder may hold. No JVM is started here."""

from __future__ import annotations

from pathlib import Path

import pytest

from stoppress.cli.localcluster import LocalKafkaCluster, RestartBackoff, node_ports
from stoppress.cli.localkafka import LocalKafkaError, cluster_settings


def test_node_k_listens_two_ports_further_so_9092_stays_first() -> None:
    assert node_ports(1) == [(9092, 9093)]
    assert node_ports(3) == [(9092, 9093), (9094, 9095), (9096, 9097)]
    assert node_ports(3, 19092, 29092) == [(19092, 29092), (19094, 29094), (19096, 29096)]


def test_overlapping_ports_are_refused_with_what_to_choose() -> None:
    with pytest.raises(LocalKafkaError, match=r"overlap.*9092 and 9093"):
        node_ports(3, 9092, 9094)


@pytest.mark.parametrize(("brokers", "factor", "min_isr"), [(1, "1", "1"), (3, "3", "2"), (5, "3", "2")])
def test_internal_topics_and_new_topics_are_replicated_as_the_size_calls_for(
    brokers: int, factor: str, min_isr: str
) -> None:
    settings = cluster_settings(brokers)
    factors = {key: value for key, value in settings.items() if key.endswith("replication.factor")}
    minimums = {key: value for key, value in settings.items() if key.endswith(("min.isr", "min.insync.replicas"))}
    assert set(factors) >= {"default.replication.factor", "offsets.topic.replication.factor",
                            "transaction.state.log.replication.factor",
                            "share.coordinator.state.topic.replication.factor"}  # fmt: skip
    assert set(factors.values()) == {factor}
    assert set(minimums.values()) == {min_isr}


def test_restarts_back_off_while_a_node_keeps_dying_and_start_over_after_a_stable_run() -> None:
    backoff = RestartBackoff(first_s=1, max_s=30, stable_s=60)
    assert [backoff.after_death(ran_s=5) for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    assert backoff.after_death(ran_s=600) == 1
    assert backoff.after_death(ran_s=0.5) == 2


@pytest.mark.parametrize("brokers", [0, 2, -1])
def test_sizes_without_a_working_quorum_are_refused(tmp_path: Path, brokers: int) -> None:
    with pytest.raises(LocalKafkaError, match="run 1 node, or 3 or more"):
        LocalKafkaCluster(tmp_path, brokers)


def test_a_cluster_puts_each_node_in_its_own_folder_and_one_node_stays_where_it_was(tmp_path: Path) -> None:
    assert [node.data_dir for node in LocalKafkaCluster(tmp_path / "c", 3).nodes] == [
        (tmp_path / "c" / f"node-{k}").resolve() for k in (1, 2, 3)
    ]
    assert [node.data_dir for node in LocalKafkaCluster(tmp_path / "s", 1).nodes] == [(tmp_path / "s").resolve()]


def test_every_node_knows_the_whole_quorum_and_one_cluster_id(tmp_path: Path) -> None:
    cluster = LocalKafkaCluster(tmp_path, 3)
    assert {node.quorum for node in cluster.nodes} == {"1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097"}
    assert [node.node_id for node in cluster.nodes] == [1, 2, 3]
    assert {node.cluster_id for node in cluster.nodes} == {cluster.cluster_id}
    assert cluster.bootstrap == "127.0.0.1:9092,127.0.0.1:9094,127.0.0.1:9096"


def test_a_stored_cluster_id_is_kept_for_a_node_whose_storage_was_lost(tmp_path: Path) -> None:
    meta = tmp_path / "node-1" / "kraft-combined-logs" / "meta.properties"
    meta.parent.mkdir(parents=True)
    meta.write_text("version=1\ncluster.id=AbCdEfGhIjKlMnOpQrStUv\nnode.id=1\n")
    assert {node.cluster_id for node in LocalKafkaCluster(tmp_path, 3).nodes} == {"AbCdEfGhIjKlMnOpQrStUv"}


@pytest.mark.parametrize(
    ("existing", "brokers", "held"),
    [
        (["node-1", "node-2", "node-3"], 1, "a cluster of 3 nodes"),
        (["node-1", "node-2", "node-3", "node-4", "node-5"], 3, "a cluster of 5 nodes"),
        (["kraft-combined-logs"], 3, "a single node"),
    ],
)
def test_a_folder_laid_out_for_another_size_is_refused(
    tmp_path: Path, existing: list[str], brokers: int, held: str
) -> None:
    for name in existing:
        (tmp_path / name).mkdir()
    with pytest.raises(LocalKafkaError, match=rf"holds the storage of {held}, not of {brokers}.*same --brokers"):
        LocalKafkaCluster(tmp_path, brokers)
