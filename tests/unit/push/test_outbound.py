from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from stoppress.push.outbound import Offer, OutboundQueue


def drain(queue: OutboundQueue) -> list[bytes]:
    out = []
    while queue:
        out.append(queue.pop())
    return out


def test_queues_within_the_bound() -> None:
    queue = OutboundQueue(100)
    assert queue.push(b"a" * 40, "s1") is Offer.QUEUED
    assert queue.push(b"b" * 40, "s2") is Offer.QUEUED
    assert queue.size == 80
    assert drain(queue) == [b"a" * 40, b"b" * 40]
    assert queue.size == 0


def test_full_queue_coalesces_superseded_updates_of_the_same_story_keeping_order() -> None:
    queue = OutboundQueue(100)
    queue.push(b"A1" + b"." * 38, "a")
    queue.push(b"B1" + b"." * 38, "b")
    assert queue.push(b"A2" + b"." * 38, "a") is Offer.COALESCED
    assert [item[:2] for item in drain(queue)] == [b"B1", b"A2"]
    assert queue.dropped == 1


def test_messages_without_key_are_never_dropped_and_overflow_means_slow_consumer() -> None:
    queue = OutboundQueue(100)
    queue.push(b"x" * 60, None)
    assert queue.push(b"y" * 60, None) is Offer.OVERFLOW
    assert drain(queue) == [b"x" * 60]


def test_older_heartbeats_coalesce() -> None:
    queue = OutboundQueue(30)
    queue.push(b"p" * 10, "hb")
    queue.push(b"q" * 10, "hb")
    assert queue.push(b"r" * 15, "hb") is Offer.COALESCED
    assert drain(queue) == [b"r" * 15]


@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", None]), st.integers(1, 50)), max_size=60))
def test_invariants(pushes: list[tuple[str | None, int]]) -> None:
    queue = OutboundQueue(200)
    accepted: list[tuple[int, str | None]] = []
    overflowed = False
    for number, (key, size) in enumerate(pushes):
        data = number.to_bytes(2, "big") + b"." * size
        if queue.push(data, key) is Offer.OVERFLOW:
            overflowed = True  # the connection is closed as a slow consumer; the queue is discarded
            break
        accepted.append((number, key))
        assert queue.size <= 200
        assert queue.size == sum(len(i.data) for i in queue._items)
    numbers = [int.from_bytes(item[:2], "big") for item in drain(queue)]
    assert numbers == sorted(numbers), "order never changes"
    if overflowed:
        return
    last_per_key = {key: number for number, key in accepted if key is not None}
    for key, number in last_per_key.items():
        assert number in numbers, f"newest message of {key} survives"
