"""Fan-out: every live outlet, grouped by (filter, transport), and the loop that feeds them.

Grouping means an event is matched once per distinct filter and encoded once
per transport, then the same bytes are written to every outlet of the group.
Nothing here awaits: a full socket only queues (or overflows and gets its
close frame queued behind what it has not read), so one stalled client never
delays the others. Closes never wait for the client (see
:func:`~stoppress.push.outlet.close_websocket`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

from stoppress.push import messages
from stoppress.push.filters import Filter
from stoppress.push.frames import text_frame
from stoppress.push.instruments import Instruments
from stoppress.push.outlet import Outlet, Transport, close_websocket
from stoppress.push.refusals import CLOSE_SLOW_CONSUMER, Refusal
from stoppress.push.ring import Delivery, RingEntry
from stoppress.push.sse import sse_event

HEARTBEAT_KEY = "\x00heartbeat"
"""Coalescing key of heartbeats: a newer one replaces an unsent older one."""


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

    def attach(self, outlet: Outlet, subscription: Filter) -> None:
        """Make ``outlet`` live with ``subscription`` (replacing its previous filter)."""
        self.detach(outlet)
        outlet.subscription = subscription
        outlet.live = True
        self._groups.setdefault((subscription, outlet.transport_kind), set()).add(outlet)

    def detach(self, outlet: Outlet) -> None:
        """Stop sending live events to ``outlet`` (idempotent)."""
        if not outlet.live or outlet.subscription is None:
            return
        key = (outlet.subscription, outlet.transport_kind)
        group = self._groups.get(key)
        if group is not None:
            group.discard(outlet)
            if not group:
                del self._groups[key]
        outlet.live = False

    def outlets(self) -> Iterator[Outlet]:
        """Every live outlet."""
        for group in self._groups.values():
            yield from group

    def __len__(self) -> int:
        return sum(len(group) for group in self._groups.values())

    def publish(self, entries: Sequence[RingEntry]) -> None:
        """Write ``entries`` (one Kafka fetch, oldest first) to every live outlet they concern.

        Per (filter, transport) group the matching frames are joined once, and a
        client that keeps up gets them in one ``transport.write``: under load the
        system calls, not Python, are the cost, and a fetch often holds many events.
        """
        started = time.perf_counter()
        restricted = self.restricted
        for (subscription, transport), group in self._groups.items():
            frames: list[bytes] = []
            keys: list[str] = []
            for entry in entries:
                delivery = entry.delivery(subscription, restricted)
                if delivery is not Delivery.NONE:
                    frames.append(entry.encoded(transport, delivery is Delivery.MATCH))
                    keys.append(entry.story_id)
            if not frames:
                continue
            if len(frames) == 1:
                data, key = frames[0], keys[0]
                for outlet in group:
                    outlet.send(data, key)
            else:
                joined = b"".join(frames)
                for outlet in group:
                    outlet.send_many(joined, frames, keys)
        finished = time.perf_counter()
        self.instruments.fanout.observe(finished - started)
        now = time.time()
        for entry in entries:
            if entry.fresh:
                self.instruments.e2e_latency.observe(max(0.0, now - entry.event.ingested_at.timestamp()))

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

