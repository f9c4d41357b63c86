"""The ops stream behind the live dashboard: ``ops.metrics`` as SSE at ``/v1/ops/sse``.

Keeps the latest ``MetricsSnapshot`` per service instance (instances silent
for ``stale_s`` are forgotten), sends them all to a dashboard when it
connects, then every new snapshot as it arrives (``event: metrics``).
"""

from __future__ import annotations

import logging
import time

from stoppress.push.outlet import Outlet
from stoppress.push.sse import sse_event
from stoppress.shared.codec import DecodeError, decode, encode
from stoppress.shared.models import MetricsSnapshot

log = logging.getLogger(__name__)


class OpsBoard:
    """Latest metrics per instance, and the dashboards watching them."""

    def __init__(self, stale_s: float = 300.0) -> None:
        self._latest: dict[str, tuple[float, bytes]] = {}
        self._watchers: set[Outlet] = set()
        self._stale_s = stale_s

    def on_record(self, value: bytes | None) -> None:
        """Take one ``ops.metrics`` record; a bad one is logged and skipped."""
        try:
            snapshot = decode(value, MetricsSnapshot)
        except DecodeError as exc:
            log.warning("skipping undecodable metrics snapshot", extra={"reason": exc.reason})
            return
        data = sse_event("metrics", encode(snapshot))
        now = time.monotonic()
        self._latest[snapshot.instance] = (now, data)
        for instance, (seen, _) in list(self._latest.items()):
            if now - seen > self._stale_s:
                del self._latest[instance]
        for watcher in self._watchers:
            watcher.send(data, snapshot.instance)

    def watch(self, outlet: Outlet) -> None:
        """Send the latest snapshot of every instance, then keep ``outlet`` updated."""
        for _, data in self._latest.values():
            outlet.send(data, None)
        self._watchers.add(outlet)

    def unwatch(self, outlet: Outlet) -> None:
        """Stop updating ``outlet``."""
        self._watchers.discard(outlet)

    def watchers(self) -> set[Outlet]:
        """The dashboards watching now."""
        return self._watchers
