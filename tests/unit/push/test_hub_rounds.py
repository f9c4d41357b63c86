"""Fan-out rounds (with in-memory transports): every live outlet gets every event once, in order, whenever it was
published, and an outlet attached mid-way gets exactly the events published after it."""

from __future__ import annotations

import asyncio

import pytest

from stoppress.push import hub as hub_module
from stoppress.push.filters import Filter
from stoppress.push.hub import Hub
from stoppress.push.instruments import Instruments
from stoppress.push.outlet import Outlet
from stoppress.push.ring import RingEntry, entry_for
from tests.unit.push.stories_for_tests import event, view


class Written:
    """An asyncio transport that keeps what was written."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> None:
        self.data += data


class Connection:
    """What an outlet needs of a websockets connection: its transport and flow control."""

    def __init__(self) -> None:
        self.transport = Written()
        self.paused = False
        self.outlet: Outlet | None = None


def outlet(hub: Hub) -> Outlet:
    return Outlet(
        Connection(),  # type: ignore[arg-type]
        transport_kind="ws", queue_max_bytes=1 << 20, address="127.0.0.1", on_overflow=hub.slow_consumer,
        tally=hub.instruments.sent["ws"],
    )  # fmt: skip


def received(target: Outlet) -> bytes:
    transport = target.transport
    assert isinstance(transport, Written)
    return bytes(transport.data)


def new_entry(number: int) -> RingEntry:
    return entry_for(number, 0, event(view(f"s{number}"), "story.new"), None)


async def settle(hub: Hub) -> None:
    """Let the loop run until every round in progress is written."""
    for _ in range(10_000):
        if not hub._work.is_set() and not len(hub._backlog):
            return
        await asyncio.sleep(0)
    raise AssertionError("rounds did not finish")


@pytest.fixture(autouse=True)
def tiny_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub_module, "STEP_S", 0.0)  # yield after every 64 outlets: events land mid-round


async def test_events_published_during_rounds_reach_every_outlet_once_in_order() -> None:
    hub = Hub(frozenset(), Instruments(), close_grace_s=1.0)
    early = [outlet(hub) for _ in range(300)]
    for target in early:
        hub.attach(target, Filter())
    writer = asyncio.create_task(hub.run())
    published: list[RingEntry] = []
    late: list[Outlet] = []
    late_from: list[int] = []
    try:
        for number in range(40):
            entry = new_entry(number)
            hub.publish([entry])
            published.append(entry)
            for _ in range(number % 4):  # let rounds run some way, not always to the end
                await asyncio.sleep(0)
            if number == 20:
                for _ in range(50):
                    target = outlet(hub)
                    hub.attach(target, Filter())
                    late.append(target)
                late_from.append(len(published))
        await settle(hub)
    finally:
        writer.cancel()
    frames = [entry.encoded("ws", True) for entry in published]
    assert all(received(target) == b"".join(frames) for target in early)
    assert all(received(target) == b"".join(frames[late_from[0]:]) for target in late)
    assert len(hub._backlog) == 0


async def test_a_paused_outlet_queues_in_order_and_a_detached_one_gets_nothing_more() -> None:
    hub = Hub(frozenset(), Instruments(), close_grace_s=1.0)
    slow, gone, steady = outlet(hub), outlet(hub), outlet(hub)
    for target in (slow, gone, steady):
        hub.attach(target, Filter())
    writer = asyncio.create_task(hub.run())
    try:
        published = [new_entry(0)]
        hub.publish(published[-1:])
        await settle(hub)
        slow.connection.paused = True
        hub.detach(gone)
        for number in range(1, 5):
            published.append(new_entry(number))
            hub.publish(published[-1:])
            await asyncio.sleep(0)
        await settle(hub)
    finally:
        writer.cancel()
    frames = [entry.encoded("ws", True) for entry in published]
    assert received(steady) == b"".join(frames)
    assert received(gone) == frames[0]
    assert received(slow) == frames[0]
    assert [slow.queue.pop() for _ in range(len(slow.queue))] == frames[1:]
