"""Gateway killed: two push replicas behind a balancer, clients spread over both; kill -9 one of them.

Its clients reconnect (through the balancer, to the surviving replica) with
their cursors and miss nothing: each client's events are compared with the
full log of ``ticker.events`` from the cursor of its first snapshot — every
event, in order, once.

The clients are 60 Python SDK streams (:class:`stoppress.shared.client.Stream`,
unmodified: default backoff and resume) in the test process, 30 per replica;
a stand-in for the ticker writes events into private topics at 20 per second
throughout, so events keep coming while the killed replica's clients are away.
"""

from __future__ import annotations

import asyncio

import pytest

from stoppress.shared.client import Stream
from tests.faults.balancer import Balancer
from tests.faults.fleet import Fleet
from tests.faults.readers import ClientLog, cursor_offset, follow, wait_until
from tests.faults.stand_in import StandInTicker
from tests.support.kafka import PrivateTopics, create_topics, read_topic, ticker_events

CLIENTS = 60
STORIES = 40
EVENTS = 400
KILL_AT = 100
"""The replica is killed after this many events of :data:`EVENTS`."""
EVENT_INTERVAL_S = 0.05
CATCH_UP_S = 90.0


@pytest.mark.slow
async def test_clients_of_a_killed_replica_resume_on_the_other_and_miss_nothing(
    fleet: Fleet, topics: PrivateTopics
) -> None:
    await create_topics(fleet.bootstrap, topics)
    doomed, survivor = fleet.push("replica-a", topics.push_env(), wait=False), fleet.push(
        "replica-b", topics.push_env(), wait=False
    )
    await asyncio.gather(*(asyncio.to_thread(r.process.wait_healthy, 60) for r in (doomed, survivor)))
    balancer = Balancer([doomed.port, survivor.port])
    await balancer.start()
    async with StandInTicker(fleet.bootstrap, topics, stories=STORIES) as ticker:
        for n in range(STORIES // 2):
            await ticker.write(n)
        logs = [ClientLog() for _ in range(CLIENTS)]
        streams = [Stream(f"ws://127.0.0.1:{balancer.port}/v1/ws") for _ in range(CLIENTS)]
        readers = [asyncio.create_task(follow(s, log)) for s, log in zip(streams, logs, strict=True)]
        try:
            await wait_until(lambda: all(log.first_cursor for log in logs), 30.0, "every client has its snapshot")
            on_doomed = balancer.live[doomed.port]
            for n in range(STORIES // 2, EVENTS):
                if n == KILL_AT:
                    doomed.process.kill()
                await ticker.write(n)
                await asyncio.sleep(EVENT_INTERVAL_S)
            last = ticker.written[-1]
            await wait_until(lambda: all(log.event_ids[-1:] == [last] or log.failure for log in logs), CATCH_UP_S,
                         "every client has the last event")  # fmt: skip
        finally:
            for stream in streams:
                await stream.close()
            await asyncio.gather(*readers)
            await balancer.close()

    full_log = await read_topic(fleet.bootstrap, topics.events, until=lambda r: len(r) >= len(ticker.written))
    offsets = {record.offset: event.event_id for record, event in zip(full_log, ticker_events(full_log), strict=True)}
    print(f"{on_doomed} of {CLIENTS} clients were on the killed replica; "
          f"{sum(log.recovered for log in logs)} resumes recovered")  # fmt: skip
    assert CLIENTS // 3 <= on_doomed <= 2 * CLIENTS // 3, "clients should be spread over both replicas"
    assert [log.failure for log in logs if log.failure] == []
    for number, log in enumerate(logs):
        assert log.first_cursor is not None
        start = cursor_offset(log.first_cursor)
        expected = [event_id for offset, event_id in sorted(offsets.items()) if offset > start]
        assert log.event_ids == expected, f"client {number}: events differ from the log after its cursor"
        assert log.snapshots == 1, f"client {number}: a resume fell back to a fresh snapshot"
    assert sum(log.recovered for log in logs) == on_doomed, "each client of the killed replica resumed once"
    assert survivor.process.returncode is None
