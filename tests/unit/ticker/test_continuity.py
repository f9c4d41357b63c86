"""Skipped records are named so the agent can read them; partitions that deliver nothing are noticed."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from stoppress.ticker.continuity import Continuity, Missing, StallWatch


def test_consecutive_records_miss_nothing() -> None:
    continuity: Continuity[str] = Continuity()
    assert [continuity.arrived("p", offset) for offset in (5, 6, 7)] == [None] * 3


def test_a_jump_names_the_skipped_records_once() -> None:
    continuity: Continuity[str] = Continuity()
    assert continuity.arrived("p", 22) is None
    assert continuity.arrived("p", 24) == Missing(23, 24)
    assert continuity.arrived("p", 25) is None


def test_records_read_again_after_a_seek_to_the_committed_offset_miss_nothing() -> None:
    continuity: Continuity[str] = Continuity()
    for offset in (10, 11, 12):
        continuity.arrived("p", offset)
    assert [continuity.arrived("p", offset) for offset in (8, 9, 10, 11, 12, 13)] == [None] * 6


def test_partitions_are_independent_and_a_rebalance_resets_them_to_their_committed_offsets() -> None:
    continuity: Continuity[str] = Continuity()
    continuity.arrived("a", 0)
    continuity.arrived("b", 100)
    continuity.restart({"a": 1, "c": 40})  # "b" went to another worker, "c" came from one
    assert continuity.arrived("b", 300) is None  # no expectation for a partition not assigned
    assert continuity.arrived("c", 42) == Missing(40, 42)  # dropped at the start of a taken-over partition
    assert continuity.arrived("a", 1) is None


def test_the_expected_offset_follows_arrivals_and_rebalances() -> None:
    continuity: Continuity[str] = Continuity()
    assert continuity.expected("p") is None
    continuity.arrived("p", 0)
    assert continuity.expected("p") == 1
    continuity.restart({"p": 9})
    assert continuity.expected("p") == 9


@given(total=st.integers(1, 60), dropped=st.sets(st.integers(0, 59), max_size=20))
def test_every_record_is_handled_once_in_order_however_the_stream_drops_them(total: int, dropped: set[int]) -> None:
    """The agent's loop: each arrival, preceded by the records it reveals as missing (read directly).

    The first record is never dropped: expectations start with it (or with a committed offset).
    """
    dropped -= {0}
    continuity: Continuity[str] = Continuity()
    handled: list[int] = []
    for offset in (o for o in range(total) if o not in dropped):
        missing = continuity.arrived("p", offset)
        if missing is not None:
            handled += range(missing.start, missing.stop)
        handled.append(offset)
    last_delivered = max(o for o in range(total) if o not in dropped)
    assert handled == list(range(last_delivered + 1))


def test_a_partition_with_records_waiting_and_none_arriving_is_stalled_once_per_period() -> None:
    watch: StallWatch[str] = StallWatch(after_s=5.0)
    watch.restart(["a", "b"], now=100.0)
    watch.heard("a", now=103.0)
    assert watch.stalled(["a", "b"], now=104.9) == []
    assert watch.stalled(["a", "b"], now=105.0) == ["b"]
    assert watch.stalled(["a", "b"], now=107.0) == []  # "b" was just resumed: its clock started again
    assert watch.stalled(["a", "b"], now=108.0) == ["a"]
    assert watch.stalled([], now=200.0) == []  # nothing waiting, nothing stalled


def test_a_partition_first_seen_behind_gets_a_full_period() -> None:
    watch: StallWatch[str] = StallWatch(after_s=5.0)
    assert watch.stalled(["new"], now=10.0) == []
    assert watch.stalled(["new"], now=15.0) == ["new"]
