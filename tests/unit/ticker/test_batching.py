"""Batcher: records handed to their handler in batches while a backlog drains, one at a time when caught up.

An async generator over a plain asyncio queue stands in for faust's
stream (like faust's, it yields to the loop before each record); a record
is "behind" when the queue holds more, as a partition's high-water mark
past the record says in the worker.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from stoppress.ticker.batching import Batcher

END = -1


class Stream:
    """Records put on a queue, iterated like a faust stream; ``END`` ends it."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[int] = asyncio.Queue()

    def put(self, *records: int) -> None:
        for record in records:
            self.queue.put_nowait(record)

    def behind(self, _record: int) -> bool:
        return any(record != END for record in self.queue._queue)  # type: ignore[attr-defined]

    async def records(self) -> AsyncIterator[int]:
        while True:
            await asyncio.sleep(0)
            record = await self.queue.get()
            if record == END:
                return
            yield record


class Handler:
    def __init__(self, *, fail_on: int | None = None, hold: asyncio.Event | None = None) -> None:
        self.batches: list[list[int]] = []
        self.fail_on = fail_on
        self.hold = hold
        self.handled = asyncio.Event()

    async def until(self, batches: int) -> None:
        """Wait until this many batches were handled (at most 1 s)."""
        async with asyncio.timeout(1.0):
            while len(self.batches) < batches:
                self.handled.clear()
                await self.handled.wait()

    async def __call__(self, batch: list[int]) -> None:
        if self.hold is not None:
            await self.hold.wait()
        if self.fail_on in batch:
            raise RuntimeError(f"failed on {self.fail_on}")
        self.batches.append(batch)
        self.handled.set()


def batcher(stream: Stream, handler: Handler, *, most: int = 500, wait_s: float = 10.0) -> Batcher[int]:
    return Batcher(handler, stream.behind, most=most, wait_s=wait_s)


async def test_a_backlog_is_handled_in_order_in_full_batches() -> None:
    stream, handler = Stream(), Handler()
    stream.put(*range(1000), END)
    await batcher(stream, handler, most=300).run(stream.records())
    assert [record for batch in handler.batches for record in batch] == list(range(1000))
    assert [len(batch) for batch in handler.batches] == [300, 300, 300, 100]


async def test_a_record_at_the_end_of_its_partition_is_handled_at_once() -> None:
    stream, handler = Stream(), Handler()
    running = asyncio.create_task(batcher(stream, handler).run(stream.records()))
    for record in (1, 2):
        started = time.monotonic()
        stream.put(record)
        await handler.until(record)
        assert time.monotonic() - started < 1.0, "no waiting for more (the wait here is 10 s)"
    assert handler.batches == [[1], [2]]
    stream.put(END)
    await asyncio.wait_for(running, 1)


async def test_a_batch_waits_no_longer_than_its_wait_for_records_that_do_not_come() -> None:
    stream, handler = Stream(), Handler()
    running = asyncio.create_task(Batcher(handler, lambda _: True, wait_s=0.05).run(stream.records()))
    started = time.monotonic()
    stream.put(1)
    await handler.until(1)
    assert 0.04 < time.monotonic() - started < 1.0
    stream.put(END)
    await asyncio.wait_for(running, 1)


async def test_records_arriving_while_a_batch_is_handled_make_the_next_batch() -> None:
    hold = asyncio.Event()
    stream, handler = Stream(), Handler(hold=hold)
    running = asyncio.create_task(batcher(stream, handler).run(stream.records()))
    stream.put(1)
    await asyncio.sleep(0.01)
    stream.put(2, 3, 4)
    await asyncio.sleep(0.01)
    hold.set()
    stream.put(END)
    await asyncio.wait_for(running, 1)
    assert handler.batches == [[1], [2, 3, 4]]


async def test_the_stream_waits_while_a_full_batch_waits_for_the_handler() -> None:
    hold = asyncio.Event()
    stream, handler = Stream(), Handler(hold=hold)
    stream.put(*range(10), END)
    running = asyncio.create_task(batcher(stream, handler, most=3).run(stream.records()))
    await asyncio.sleep(0.01)
    assert stream.queue.qsize() >= 11 - 2 * 3, "one batch in the handler, one waiting: the rest stays queued"
    hold.set()
    await asyncio.wait_for(running, 1)
    assert [record for batch in handler.batches for record in batch] == list(range(10))


async def test_a_failing_handler_fails_the_run_at_once_even_while_the_stream_is_quiet() -> None:
    stream, handler = Stream(), Handler(fail_on=2)
    running = asyncio.create_task(batcher(stream, handler).run(stream.records()))
    stream.put(1)
    await asyncio.sleep(0.01)
    stream.put(2)
    with pytest.raises(RuntimeError, match="failed on 2"):
        await asyncio.wait_for(running, 1)
    assert handler.batches == [[1]]


async def test_cancelling_the_run_stops_the_handler_and_leaves_the_rest_unhandled() -> None:
    hold = asyncio.Event()
    stream, handler = Stream(), Handler(hold=hold)
    stream.put(1, 2, 3)
    running = asyncio.create_task(batcher(stream, handler).run(stream.records()))
    await asyncio.sleep(0.01)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    hold.set()
    await asyncio.sleep(0.01)
    assert handler.batches == []
