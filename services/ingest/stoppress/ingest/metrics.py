"""The ingest service's own metrics (served on ``/metrics`` and sent to ``ops.metrics``).

``refused`` reasons are a closed set (the ``REFUSAL_REASONS`` below), so the
label never grows with client input.
"""

from __future__ import annotations

from typing import Literal

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from stoppress.shared.metrics import new_registry

Channel = Literal["http", "feed"]
RefusalReason = Literal[
    "unauthorized", "forbidden", "rate_limited", "unsupported_media_type", "too_large", "invalid_json",
    "invalid_item", "broker_unavailable", "feed_item_invalid",
]
REFUSAL_REASONS: tuple[RefusalReason, ...] = (
    "unauthorized", "forbidden", "rate_limited", "unsupported_media_type", "too_large", "invalid_json",
    "invalid_item", "broker_unavailable", "feed_item_invalid",
)
FeedOutcome = Literal["fetched", "not_modified", "failed", "broker_unavailable"]

_LATENCY_BUCKETS_S = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class IngestMetrics:
    """Counters and histograms of one ingest replica, on their own registry."""

    def __init__(self) -> None:
        self.registry: CollectorRegistry = new_registry()
        self.accepted = Counter(
            "stoppress_ingest_accepted", "Headlines acknowledged by the broker", ["channel"], registry=self.registry
        )
        self.refused = Counter(
            "stoppress_ingest_refused", "Items or requests refused, by reason", ["reason"], registry=self.registry
        )
        self.accept_latency = Histogram(
            "stoppress_ingest_accept_latency_seconds",
            "From a request's arrival to its answer after the broker's ack (s)",
            ["kind"],
            buckets=_LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.feed_polls = Counter(
            "stoppress_ingest_feed_polls", "Feed polls, by outcome", ["outcome"], registry=self.registry
        )
        self.broker_connected = Gauge(
            "stoppress_ingest_broker_connected", "1 once the producer has connected", registry=self.registry
        )
        for channel in ("http", "feed"):
            self.accepted.labels(channel)
        for reason in REFUSAL_REASONS:
            self.refused.labels(reason)

    def count_accepted(self, channel: Channel, count: int = 1) -> None:
        if count:
            self.accepted.labels(channel).inc(count)

    def count_refused(self, reason: RefusalReason, count: int = 1) -> None:
        if count:
            self.refused.labels(reason).inc(count)

    def observe_latency(self, kind: Literal["single", "batch"], seconds: float) -> None:
        self.accept_latency.labels(kind).observe(seconds)

    def count_poll(self, outcome: FeedOutcome) -> None:
        self.feed_polls.labels(outcome).inc()
