"""Hand a stream's records to their handler in batches while a backlog drains, one at a time when caught up.

A worker draining a backlog paid per record for what it could pay per
batch: a produce request (the producer sends whatever is waiting each time
the event loop turns, one request in flight per broker), the state's
changelog writes (a story's header rewritten for each of its headlines) and
the editors' views of the stories that changed. :class:`Batcher` lets the
agent keep iterating faust's stream while a separate task handles the
records that have arrived, all of them in one go, without yielding to the
event loop between records unless a record itself waits (an editor's
command waits for the broker's ack).

faust hands records over one per turn of the event loop, so "what has
arrived" is not a batch by itself. The handler waits for more only while
the partition of the latest record is known to hold more (its high-water
mark is past that record): then it takes up to :data:`MOST` records, or
what has arrived after :data:`WAIT_S`. A record at the end of its
partition, which is every record of a worker that keeps up, is handled as
soon as it arrives: no timer, no latency added.

The stream must not acknowledge records itself (faust's ``stream.noack()``):
the handler acknowledges a batch once its outputs are with the producer, so
a committed offset still means its outputs reached the changelogs and
topics. Records in a batch are unacknowledged until then, which is what
faust waits for before it gives partitions away in a rebalance
(``stream_wait_empty``); the handler never waits for the stream for longer
than :data:`WAIT_S`, so it always finishes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterable, Awaitable, Callable
from typing import Generic, TypeVar

__all__ = ["MOST", "Batcher"]

T = TypeVar("T")

MOST = 500
"""Most records in one batch: about 0.1 s of the desk's work, so one batch never holds the loop for long."""

WAIT_S = 0.02
"""Longest the handler waits for a backlog's records to arrive before it handles what it has (s)."""


class Batcher(Generic[T]):
    """Feeds the records of a stream to ``handle`` in batches of at most ``most``, in order.

    ``behind(record)`` says whether more records are known to follow
    ``record`` in its partition: then the handler waits up to ``wait_s``
    for a full batch before it starts.
    """

    def __init__(
        self,
        handle: Callable[[list[T]], Awaitable[None]],
        behind: Callable[[T], bool],
        most: int = MOST,
        wait_s: float = WAIT_S,
    ) -> None:
        self._handle = handle
        self._behind = behind
        self._most = most
        self._wait_s = wait_s
        self._pending: list[T] = []
        self._arrived = asyncio.Event()
        self._ready = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()
        self._idle = asyncio.Event()
        self._busy = False

    async def run(self, records: AsyncIterable[T]) -> None:
        """Take ``records`` until they end and all are handled; re-raise the handler's failure at once.

        Cancelling this (faust stopping the agent) cancels the handler: records
        not yet handled stay unacknowledged, so they are read again.
        """
        reader = asyncio.current_task()
        handler = asyncio.create_task(self._handle_forever(), name="stoppress.ticker.batches")
        handler.add_done_callback(lambda task: _cancel_on_failure(task, reader))
        try:
            async for record in records:
                self._pending.append(record)
                self._arrived.set()
                if len(self._pending) >= self._most or not self._behind(record):
                    self._ready.set()
                if len(self._pending) >= self._most:
                    self._room.clear()
                    await self._room.wait()
            self._idle.clear()
            if self._pending or self._arrived.is_set() or self._busy:
                await self._idle.wait()
        except asyncio.CancelledError:
            failure = _failure(handler)
            if failure is not None:
                raise failure from None
            raise
        finally:
            if not handler.done():
                handler.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await handler

    async def _handle_forever(self) -> None:
        while True:
            await self._arrived.wait()
            if not self._ready.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._ready.wait(), self._wait_s)
            batch, self._pending = self._pending, []
            self._arrived.clear()
            self._ready.clear()
            self._room.set()
            self._busy = True
            try:
                await self._handle(batch)
            finally:
                self._busy = False
            if not self._pending:
                self._idle.set()


def _failure(task: asyncio.Task[None]) -> BaseException | None:
    """What ``task`` failed with, if it has ended with an exception."""
    return task.exception() if task.done() and not task.cancelled() else None


def _cancel_on_failure(handler: asyncio.Task[None], reader: asyncio.Task[object] | None) -> None:
    """Wake the stream's reader when the handler failed, so that the failure is raised at once."""
    if reader is not None and _failure(handler) is not None:
        reader.cancel()
