"""Starting a subscription: a fresh snapshot, or a resume from a cursor — then live.

The hand-over to live events is always synchronous: the last replayed events
(or the snapshot) are written and the outlet is attached to the hub with no
``await`` in between, so no event can fall between replay and live, and none
can come twice. Long replays are written with backpressure first, then the
plan is made again from where the client now is (the ring may have moved on
meanwhile, or a read-back from Kafka may be needed).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from stoppress.push import messages
from stoppress.push.cursor import parse_cursor
from stoppress.push.feeds import Feeds
from stoppress.push.filters import Filter
from stoppress.push.frames import text_frame
from stoppress.push.history import History, HistoryGapError
from stoppress.push.hub import Hub
from stoppress.push.instruments import Instruments
from stoppress.push.outlet import Outlet, Transport
from stoppress.push.refusals import BadRequest
from stoppress.push.resume import FromRing, ReadBack, Reset, WaitFor, plan_resume
from stoppress.push.ring import Delivery, EventRing, RingEntry
from stoppress.push.sse import sse_event
from stoppress.push.stories import StoryState
from stoppress.shared.cursor import BEFORE_FIRST, Cursor

log = logging.getLogger(__name__)

SYNC_TAIL = 256
"""At most this many ring events are written in the final, synchronous step of a resume."""
MAX_ROUNDS = 10_000
"""Bound on replay rounds (each moves the client forward by at least one batch)."""


@dataclass(frozen=True)
class StreamLimits:
    """What the streamer needs from the settings."""

    restricted: frozenset[str]
    snapshot_limit: int
    resume_wait_s: float


class Streamer:
    """Brings outlets from "connected" to "live", by snapshot or by resume."""

    def __init__(
        self,
        *,
        ring: EventRing,
        state: StoryState,
        feeds: Feeds,
        history: History,
        hub: Hub,
        instruments: Instruments,
        limits: StreamLimits,
    ) -> None:
        self._ring = ring
        self._state = state
        self._feeds = feeds
        self._history = history
        self._hub = hub
        self._instruments = instruments
        self._limits = limits
        self._snapshots: dict[tuple[Filter, Transport, int, str], bytes] = {}

    def current_cursor(self) -> str:
        """The cursor of the newest event applied to the snapshot state."""
        last = self._ring.last
        return last.cursor if last is not None else str(BEFORE_FIRST)

    def snapshot_message(self, subscription: Filter, reason: str | None) -> bytes:
        """The ``snapshot`` JSON for ``subscription`` now."""
        stories = self._state.matching(subscription, self._limits.restricted, self._limits.snapshot_limit)
        return messages.snapshot(self.current_cursor(), stories, subscription.as_dict(), reason)

    def _snapshot_bytes(self, subscription: Filter, transport: Transport) -> bytes:
        """Encoded snapshot, cached per (filter, transport, state version, cursor) for reconnect storms."""
        key = (subscription, transport, self._state.version, self.current_cursor())
        data = self._snapshots.get(key)
        if data is None:
            if len(self._snapshots) > 256:
                self._snapshots.clear()
            data = self._wrap(transport, "snapshot", self.snapshot_message(subscription, None), self.current_cursor())
            self._snapshots[key] = data
        return data

    @staticmethod
    def _wrap(transport: Transport, kind: str, message: bytes, cursor: str | None) -> bytes:
        return text_frame(message) if transport == "ws" else sse_event(kind, message, cursor)

    def go_live_with_snapshot(self, outlet: Outlet, subscription: Filter, reason: str | None = None) -> None:
        """Send a snapshot (``recovered: false``) and attach, synchronously."""
        if reason is None:
            data = self._snapshot_bytes(subscription, outlet.transport_kind)
        else:
            message = self.snapshot_message(subscription, reason)
            data = self._wrap(outlet.transport_kind, "snapshot", message, self.current_cursor())
        outlet.send(data, None)
        self._hub.attach(outlet, subscription)

    async def start(self, outlet: Outlet, subscription: Filter, cursor_text: str | None) -> None:
        """Snapshot, or resume from ``cursor_text``; return once ``outlet`` is live."""
        if not cursor_text:
            self.go_live_with_snapshot(outlet, subscription)
            return
        try:
            cursor = parse_cursor(cursor_text)
        except BadRequest as exc:
            self._not_recovered(outlet, subscription, f"cursor not usable: {exc.reason}")
            return
        await self._resume(outlet, subscription, cursor)

    def _not_recovered(self, outlet: Outlet, subscription: Filter, reason: str) -> None:
        self._instruments.resumes.labels("not_recovered").inc()
        self.go_live_with_snapshot(outlet, subscription, reason)

    async def _resume(self, outlet: Outlet, subscription: Filter, cursor: Cursor) -> None:
        plan = await self._plan(cursor)
        if isinstance(plan, Reset):
            self._not_recovered(outlet, subscription, plan.reason)
            return
        ring = self._ring
        count = 0
        if isinstance(plan, ReadBack):
            read_start: int | None = plan.start
            verify = plan.verify
            next_offset = plan.start + (1 if verify is not None else 0)
        else:
            read_start, verify, next_offset = None, None, plan.after + 1
        for _ in range(MAX_ROUNDS):
            if outlet.closed:
                return
            first = ring.first_offset
            if read_start is None and (first is None or first <= next_offset):
                pending = list(ring.after(next_offset - 1))
                if len(pending) > SYNC_TAIL:
                    head = pending[:-SYNC_TAIL]
                    count += await self._replay(outlet, subscription, head, "ring")
                    next_offset = head[-1].offset + 1
                    continue
                self._finish_resume(outlet, subscription, pending, count)
                return
            if read_start is None:
                read_start, verify = next_offset, None
            stop = first if first is not None else self._feeds.log_end
            try:
                entries, next_offset = await self._history.read(read_start, stop, verify)
            except HistoryGapError as gap:
                self._not_recovered(outlet, subscription, gap.reason)
                return
            count += await self._replay(outlet, subscription, entries, "kafka")
            read_start, verify = None, None
        self._not_recovered(outlet, subscription, "resume did not converge")

    async def _plan(self, cursor: Cursor) -> FromRing | ReadBack | Reset:
        """Plan a resume, waiting once for this replica to catch up with a cursor from a faster one."""
        for attempt in range(2):
            ring = self._ring
            last = ring.last
            plan = plan_resume(
                cursor,
                ring_first=ring.first_offset,
                ring_last=last.offset if last is not None else None,
                fingerprint_at=ring.fingerprint_at,
                log_start=self._feeds.log_start,
                log_end=self._feeds.log_end,
            )
            if not isinstance(plan, WaitFor):
                return plan
            if attempt == 0 and await self._feeds.wait_for_offset(plan.offset, self._limits.resume_wait_s):
                continue
            break
        return Reset("this gateway replica has not caught up with the cursor yet; retry")

    async def _replay(self, outlet: Outlet, subscription: Filter, entries: list[RingEntry], source: str) -> int:
        count = 0
        for entry in entries:
            delivery = entry.delivery(subscription, self._limits.restricted)
            if delivery is Delivery.NONE:
                continue
            await outlet.write_waiting(entry.encoded(outlet.transport_kind, delivery is Delivery.MATCH))
            count += 1
        self._instruments.resumed_events.labels(source).inc(count)
        return count

    def _finish_resume(self, outlet: Outlet, subscription: Filter, entries: list[RingEntry], earlier: int) -> None:
        """Write the last missed events and ``recovered`` in one go, and attach: no ``await`` in between.

        One write for the whole tail (not one per event) matters in a reconnect
        storm, where every client replays the same events: each write is a system call.
        """
        frames: list[bytes] = []
        keys: list[str | None] = []
        for entry in entries:
            delivery = entry.delivery(subscription, self._limits.restricted)
            if delivery is Delivery.NONE:
                continue
            frames.append(entry.encoded(outlet.transport_kind, delivery is Delivery.MATCH))
            keys.append(entry.story_id)
        self._instruments.resumed_events.labels("ring").inc(len(frames))
        self._instruments.resumes.labels("recovered").inc()
        message = messages.recovered(self.current_cursor(), earlier + len(frames))
        frames.append(self._wrap(outlet.transport_kind, "recovered", message, None))
        keys.append(None)
        outlet.send_many(b"".join(frames), frames, keys)
        self._hub.attach(outlet, subscription)
