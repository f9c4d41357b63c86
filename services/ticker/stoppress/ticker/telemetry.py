"""The ticker's metrics: what ``/metrics`` serves and ``ops.metrics`` carries.

=============================================  =====================================================
``stoppress_ticker_headlines_processed_total``  headlines the desks handled (repeats included)
``stoppress_ticker_dead_letters_total``         records sent to ``headlines.dlq``, by ``stage``
``stoppress_ticker_events_total``               events published, by ``type``
``stoppress_ticker_consumer_lag``               records not yet handled, by ``topic`` (raw / desk)
``stoppress_ticker_skipped_records_total``      records the stream skipped, read directly, by ``topic``
``stoppress_ticker_stalls_total``               partitions found not delivering and resumed, by ``topic``
``stoppress_ticker_processing_seconds``         ingest's receipt → the desk's decision (s)
``stoppress_ticker_desk_seconds``               time the pure desk spent on one headline (s)
``stoppress_ticker_desk_commands_total``        editors' commands decided, by ``action`` and ``code``
                                                (200 applied, 404, 409, 422; repeats are not counted)
``stoppress_ticker_corrections_total``          editors' merges and splits applied, by ``kind``: with
                                                ``headlines_processed``, corrections per 1,000 headlines
=============================================  =====================================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from stoppress.shared.metrics import new_registry

LagSource = Callable[[], Mapping[str, int]]
"""Returns records not yet handled, by topic."""

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_DESK_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.1)


class TickerMetrics:
    """The worker's own registry and instruments; the lag is read from ``lag`` at each scrape."""

    def __init__(self, lag: LagSource) -> None:
        self.registry = new_registry()
        self.processed = Counter(
            "stoppress_ticker_headlines_processed", "Headlines the desks handled", registry=self.registry
        )
        self.dead_letters = Counter(
            "stoppress_ticker_dead_letters", "Records sent to headlines.dlq", ["stage"], registry=self.registry
        )
        self.events = Counter("stoppress_ticker_events", "Ticker events published", ["type"], registry=self.registry)
        self.skipped = Counter(
            "stoppress_ticker_skipped_records",
            "Records the stream skipped, read directly and handled (stoppress.ticker.continuity)",
            ["topic"],
            registry=self.registry,
        )
        self.stalls = Counter(
            "stoppress_ticker_stalls",
            "Times a partition with records waiting delivered none and was resumed (stoppress.ticker.continuity)",
            ["topic"],
            registry=self.registry,
        )
        self.processing = Histogram(
            "stoppress_ticker_processing_seconds",
            "From ingest's receipt of a headline to the desk's decision (s)",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.desk = Histogram(
            "stoppress_ticker_desk_seconds",
            "Time the pure desk spent on one headline (s)",
            buckets=_DESK_BUCKETS,
            registry=self.registry,
        )
        self.commands = Counter(
            "stoppress_ticker_desk_commands",
            "Editors' commands decided (repeats of a command id not counted)",
            ["action", "code"],
            registry=self.registry,
        )
        self.corrections = Counter(
            "stoppress_ticker_corrections",
            "Editors' corrections of the clusterer applied (merges and splits)",
            ["kind"],
            registry=self.registry,
        )
        self.registry.register(_LagCollector(lag))

    def observe_headline(self, desk_s: float, since_received_s: float) -> None:
        """Count one handled headline with its desk time and its age at decision (s)."""
        self.processed.inc()
        self.desk.observe(desk_s)
        self.processing.observe(max(0.0, since_received_s))


class _LagCollector(Collector):
    def __init__(self, lag: LagSource) -> None:
        self._lag = lag

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "stoppress_ticker_consumer_lag", "Records not yet handled by this worker", labels=["topic"]
        )
        for topic, records in sorted(self._lag().items()):
            family.add_metric([topic], float(records))
        yield family
