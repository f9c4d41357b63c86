"""The replication rule: how many copies, chosen from the number of brokers, and its overrides."""

from __future__ import annotations

import pytest

from stoppress.shared.replication import Replication, ReplicationError, replication_for


@pytest.mark.parametrize(
    ("brokers", "factor", "min_insync"),
    [(1, 1, 1), (2, 2, 1), (3, 3, 2), (5, 3, 2), (12, 3, 2)],
)
def test_the_factor_follows_the_cluster_up_to_three_and_one_copy_may_be_missing(
    brokers: int, factor: int, min_insync: int
) -> None:
    assert replication_for(brokers) == Replication(factor, min_insync)


def test_an_overridden_factor_brings_its_own_min_insync_unless_that_is_overridden_too() -> None:
    assert replication_for(1, factor=3) == Replication(3, 2)
    assert replication_for(3, factor=1) == Replication(1, 1)
    assert replication_for(3, min_insync=3) == Replication(3, 3)
    assert replication_for(5, factor=5, min_insync=3) == Replication(5, 3)


def test_the_topic_config_carries_the_min_insync() -> None:
    assert Replication(3, 2).topic_config() == {"min.insync.replicas": "2"}


@pytest.mark.parametrize(
    ("brokers", "factor", "min_insync", "message"),
    [
        (0, None, None, "at least one broker"),
        (3, 0, None, "at least 1"),
        (3, None, 4, "refuse every write"),
        (1, None, 2, "refuse every write"),
    ],
)
def test_replication_that_cannot_work_is_refused_with_the_reason(
    brokers: int, factor: int | None, min_insync: int | None, message: str
) -> None:
    with pytest.raises(ReplicationError, match=message):
        replication_for(brokers, factor, min_insync)
