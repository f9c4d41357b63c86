"""The worker's clock: a tick into every desk partition it owns, every ``tick_interval_s``.

Time-driven rules (embargo release, held-back updates, level falls, expiry)
must change tables, and faust tables may only change while an event of
their partition is processed. So the clock does not touch the desks: it
writes a tick (key :data:`~stoppress.ticker.topics.TICK_KEY`, value the POSIX
time as ASCII) into each desk partition this worker owns, and the desk agent
handles it in order with the headlines. A tick carries the time it was sent,
which is never later than when it is handled, so an embargo is never lifted
early. Ticks go through a plain idempotent producer, outside any
transaction, so they are visible to the desk agent at once.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import faust
from aiokafka import AIOKafkaProducer
from mode import Service

from stoppress.shared.kafka import durable_producer
from stoppress.ticker.settings import TickerSettings
from stoppress.ticker.topics import TICK_KEY

log = logging.getLogger(__name__)


class TickerClock(Service):
    """Sends clock ticks to the desk partitions assigned to this worker."""

    def __init__(self, app: faust.App, settings: TickerSettings, desk_topic: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._app = app
        self._settings = settings
        self._desk_topic = desk_topic
        self._producer: AIOKafkaProducer | None = None

    async def on_start(self) -> None:
        """Start the tick producer."""
        self._producer = durable_producer(self._settings.kafka_bootstrap, f"{self._settings.instance}-clock")
        await self._producer.start()

    async def on_stop(self) -> None:
        """Stop the tick producer (pending ticks are flushed)."""
        if self._producer is not None:
            await self._producer.stop()

    @Service.task
    async def _tick_forever(self) -> None:
        while not self.should_stop:
            await self.sleep(self._settings.tick_interval_s)
            if self._producer is None or self._app.rebalancing:
                continue
            value = repr(time.time()).encode()
            assigned = self._app.assignor.assigned_actives()
            partitions = sorted(tp.partition for tp in assigned if tp.topic == self._desk_topic)
            try:
                for partition in partitions:
                    await self._producer.send(self._desk_topic, value, key=TICK_KEY, partition=partition)
            except Exception as exc:  # broker trouble: skip this tick; the next one catches up
                log.warning("clock tick not sent: %s", exc)
