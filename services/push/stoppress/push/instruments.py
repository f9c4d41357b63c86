"""The gateway's Prometheus metrics (served on ``/metrics`` and published to ``ops.metrics``).

Names are ``stoppress_push_*``; docs/protocol.md lists them for the dashboard.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

from stoppress.shared.metrics import new_registry

LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
FANOUT_BUCKETS_S = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


@dataclass(slots=True)
class SendTally:
    """Messages and bytes written on one transport: plain ints, because the fan-out loop
    bumps them once per client per event and a locked Prometheus counter would cost more
    than the write itself. Exposed to Prometheus by :class:`_TallyCollector` at scrape time."""

    frames: int = 0
    bytes: int = 0
    coalesced: int = 0
    """Queued messages dropped because a newer one about the same story (or heartbeat) was queued."""


class _TallyCollector(Collector):
    def __init__(self, tallies: dict[str, SendTally]) -> None:
        self._tallies = tallies

    def collect(self) -> Iterator[CounterMetricFamily]:
        frames = CounterMetricFamily(
            "stoppress_push_frames_sent", "Messages written to clients", labels=["transport"]
        )
        sent = CounterMetricFamily(
            "stoppress_push_bytes_sent", "Bytes of messages written to clients", labels=["transport"]
        )
        for transport, tally in self._tallies.items():
            frames.add_metric([transport], tally.frames)
            sent.add_metric([transport], tally.bytes)
        coalesced = CounterMetricFamily(
            "stoppress_push_coalesced", "Superseded queued messages dropped by coalescing", labels=["transport"]
        )
        for transport, tally in self._tallies.items():
            coalesced.add_metric([transport], tally.coalesced)
        yield frames
        yield sent
        yield coalesced


class Instruments:
    """Every metric of one gateway process, in its own registry."""

    def __init__(self) -> None:
        self.registry: CollectorRegistry = new_registry()
        r = self.registry
        self.connections = Gauge(
            "stoppress_push_connections", "Open client connections", ["transport"], registry=r
        )
        self.connections_opened = Counter(
            "stoppress_push_connections_opened", "Connections accepted", ["transport"], registry=r
        )
        self.refusals = Counter(
            "stoppress_push_refusals", "Requests or connections refused, by error code", ["code"], registry=r
        )
        self.sent = {"ws": SendTally(), "sse": SendTally()}
        r.register(_TallyCollector(self.sent))
        self.events = Counter("stoppress_push_events", "Events read from ticker.events", registry=r)
        self.repeated_events = Counter(
            "stoppress_push_repeated_events",
            "Events ticker.events carried a second time (same story revision), dropped",
            registry=r,
        )
        self.bad_records = Counter(
            "stoppress_push_bad_records", "Records that did not decode, skipped", ["topic"], registry=r
        )
        self.resumes = Counter(
            "stoppress_push_resumes", "Resumes by outcome (recovered / not_recovered)", ["outcome"], registry=r
        )
        self.resumed_events = Counter(
            "stoppress_push_resumed_events", "Missed events replayed, by source (ring / kafka)", ["source"],
            registry=r,
        )
        self.slow_consumers = Counter(
            "stoppress_push_slow_consumer_disconnects", "Connections closed as slow consumers", ["transport"],
            registry=r,
        )
        self.e2e_latency = Histogram(
            "stoppress_push_e2e_latency_seconds",
            "From ingest receipt (event.ingested_at) to written to every socket, events a headline caused (s); "
            "observed as the fan-out round that completed it ends",
            buckets=LATENCY_BUCKETS_S,
            registry=r,
        )
        self.fanout = Histogram(
            "stoppress_push_fanout_seconds",
            "Time spent writing one fan-out round: every connection brought up to the newest event (s)",
            buckets=FANOUT_BUCKETS_S, registry=r,
        )
        self.ready = Gauge("stoppress_push_ready", "1 once the snapshot state is loaded", registry=r)
        self.stories = Gauge("stoppress_push_stories", "Stories in the snapshot state", registry=r)
