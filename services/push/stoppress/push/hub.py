"""Fan-out: every live outlet, grouped by (filter, transport), and the rounds that write to them.

Events are written in rounds: a round visits every live outlet once and
writes it everything published since its previous visit (its *position* in
the :class:`~stoppress.push.backlog.Backlog`), as one write. A round yields
to the event loop every ``STEP_S``, so an event published meanwhile joins it
at once: the outlets still ahead in the round get it in this round, those
behind in the next, which starts as soon as this one ends. Every client thus
has a new event within one round (half of one on average), where writing each
batch of events to every client before reading the next made it wait for the
rest of the write in progress, then for its own turn in the next (a whole
write on average, two at worst).

Grouping means a visit's bytes are built once per distinct (position,
filter, transport), then the same bytes are written to every outlet that
shares them. A full socket only queues (or overflows and gets its close frame
queued behind what it has not read), so one stalled client never delays the
others. Closes never wait for the client (see
:func:`~stoppress.push.outlet.close_websocket`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Sequence

from stoppress.push import messages
from stoppress.push.backlog import Backlog, Batch
from stoppress.push.filters import Filter
from stoppress.push.frames import text_frame
from stoppress.push.instruments import Instruments
from stoppress.push.outlet import Outlet, Transport, close_websocket
from stoppress.push.refusals import CLOSE_SLOW_CONSUMER, Refusal
from stoppress.push.ring import RingEntry
from stoppress.push.sse import sse_event

HEARTBEAT_KEY = "\x00heartbeat"
"""Coalescing key of heartbeats: a newer one replaces an unsent older one."""
STEP_S = 0.001
"""A round writes for about this long (s) before letting the event loop run (Kafka reads, clients, handshakes).

The Kafka consumer moves one hop (socket → response → fetcher → ``getmany``)
per loop iteration: with 5 ms steps a record reached the gateway 50–150 ms
after it was written, under 200,000 frames/s; with 1 ms, 14–40 ms."""


class SlowConsumer(Refusal):
    """The client did not read fast enough and its outbound queue overflowed."""

    close_code = CLOSE_SLOW_CONSUMER
    http_status = 429
    error_code = "slow_consumer"


class Hub:
    """The live outlets and what every event is written to."""

    def __init__(self, restricted: frozenset[str], instruments: Instruments, close_grace_s: float) -> None:
        self.restricted = restricted
        self.instruments = instruments
        self.close_grace_s = close_grace_s
        """How long a closed client may take to read its close frame before the socket is aborted (s)."""
        self._groups: dict[tuple[Filter, Transport], set[Outlet]] = {}
        self._backlog = Backlog()
        self._work = asyncio.Event()
        """Set when events are published; :meth:`run` then writes a round."""

    def attach(self, outlet: Outlet, subscription: Filter) -> None:
        """Make ``outlet`` live with ``subscription`` (replacing its previous filter).

        The caller has written it everything published so far (a snapshot or a
        resume, in the same synchronous step): it gets the events published from now on.
        """
        self.detach(outlet)
        outlet.subscription = subscription
        outlet.position = self._backlog.newest
        self._groups.setdefault((subscription, outlet.transport_kind), set()).add(outlet)

    def detach(self, outlet: Outlet) -> None:
        """Stop sending live events to ``outlet`` (idempotent)."""
        if outlet.position is None or outlet.subscription is None:
            return
        key = (outlet.subscription, outlet.transport_kind)
        group = self._groups.get(key)
        if group is not None:
            group.discard(outlet)
            if not group:
                del self._groups[key]
        outlet.position = None

    def outlets(self) -> Iterator[Outlet]:
        """Every live outlet."""
        for group in self._groups.values():
            yield from group

    def __len__(self) -> int:
        return sum(len(group) for group in self._groups.values())

    def publish(self, entries: Sequence[RingEntry]) -> None:
        """Queue ``entries`` (one Kafka fetch, oldest first) for every live outlet; :meth:`run` writes them."""
        self._backlog.append(entries)
        self._work.set()

    async def run(self) -> None:
        """Write rounds while events are published (the gateway runs this as a task of its own)."""
        while True:
            await self._work.wait()
            self._work.clear()
            await self._round()

    async def _round(self) -> None:
        """Bring every outlet live at its start up to the newest event, yielding every ``STEP_S``.

        Outlets attached meanwhile start at the newest event then, and events
        published meanwhile reach the outlets not yet visited; the rest get them
        in the next round. So after it every live outlet has every event that was
        published when it started, and the backlog forgets those.
        """
        target = self._backlog.newest
        groups = [(key, members, list(members)) for key, members in self._groups.items()]
        writing = 0.0
        for (subscription, transport), members, outlets in groups:
            index = 0
            while True:
                started = time.perf_counter()
                index = self._visit(subscription, transport, members, outlets, index, deadline=started + STEP_S)
                writing += time.perf_counter() - started
                if index >= len(outlets):
                    break
                await asyncio.sleep(0)
        self.instruments.fanout.observe(writing)
        now = time.time()
        for entry in self._backlog.trim(target):
            if entry.fresh:
                self.instruments.e2e_latency.observe(max(0.0, now - entry.event.ingested_at.timestamp()))

    def _visit(
        self, subscription: Filter, transport: Transport, members: set[Outlet], outlets: list[Outlet], index: int, *,
        deadline: float,
    ) -> int:
        """Write to ``outlets[index:]`` until ``deadline`` (``time.perf_counter()``); return where it stopped.

        Under load the system calls, not Python, are the cost: a client that
        keeps up gets everything since its last visit in one ``transport.write``,
        and the bytes are built once per position (:class:`Batch`).
        """
        backlog, restricted, newest = self._backlog, self.restricted, self._backlog.newest
        batches: dict[int, Batch | None] = {}
        last_position, batch = -1, None
        frames = written = 0
        end = len(outlets)
        while index < end:
            outlet = outlets[index]
            index += 1
            position = outlet.position
            if position is None or position >= newest or outlet.closed or outlet not in members:
                continue  # detached, up to date, closing, or moved to another group since the round began
            if position != last_position:
                if position not in batches:
                    batches[position] = backlog.batch(position, subscription, transport, restricted)
                last_position, batch = position, batches[position]
            outlet.position = newest
            if batch is None:
                pass
            elif not outlet.queue.size and not outlet.connection.paused:
                outlet.transport.write(batch.joined)
                frames += len(batch.frames)
                written += len(batch.joined)
            else:
                outlet.send_many(batch.joined, batch.frames, batch.keys)
            if not index & 63 and time.perf_counter() > deadline:
                break
        tally = self.instruments.sent[transport]
        tally.frames += frames
        tally.bytes += written
        return index

    def heartbeat(self, ws_frame: bytes, sse_ping: bytes) -> None:
        """Send one app-level heartbeat to every live outlet (coalesced if unsent)."""
        for (_, transport), group in self._groups.items():
            data = ws_frame if transport == "ws" else sse_ping
            for outlet in group:
                outlet.send(data, HEARTBEAT_KEY)

    def slow_consumer(self, outlet: Outlet) -> None:
        """Overflow callback of an outlet: count it and close it in its own task."""
        self.instruments.slow_consumers.labels(outlet.transport_kind).inc()
        refusal = SlowConsumer(
            f"slow consumer: more than {outlet.queue.max_bytes} bytes waiting; reconnect with your last cursor"
        )
        self.close_outlet(outlet, refusal)

    def close_outlet(self, outlet: Outlet, refusal: Refusal, *, abort_later: bool = True) -> None:
        """Tell a client why and close it, without waiting for it to read anything.

        With ``abort_later`` the socket is aborted after the close grace if the
        client has not closed it; shutdown passes ``False`` and aborts everyone at once.
        """
        outlet.closed = True
        payload = messages.error(refusal)
        if outlet.transport_kind == "sse":
            if not outlet.connection.protocol.eof_sent:  # else the client's FIN came first: asyncio refuses writes
                outlet.transport.write(sse_event("error", payload))
            if refusal.close_code == CLOSE_SLOW_CONSUMER:
                outlet.transport.abort()  # its buffer is full: close() would wait for it forever
            else:
                outlet.transport.close()
            return
        grace = self.close_grace_s if abort_later else None
        close_websocket(outlet.connection, refusal.close_code, refusal.reason, text_frame(payload), grace)

