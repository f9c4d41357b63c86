"""The desk service's metrics (``/metrics`` and ``ops.metrics``).

=========================================  =================================================================
``stoppress_desk_commands_total``          commands answered, by ``action`` and ``answer`` (200, 404, 409,
                                           422, 503: the HTTP status the editor got)
``stoppress_desk_answer_seconds``          from a command request's arrival to its answer (s)
``stoppress_desk_refused_total``           requests refused before any command was sent, by ``status``
``stoppress_desk_consoles``                open console streams
``stoppress_desk_stories``                 live stories the desk knows of
=========================================  =================================================================
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from stoppress.shared.metrics import new_registry

_ANSWER_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0)


class DeskMetrics:
    """Counters and gauges of one desk replica, on their own registry."""

    def __init__(self) -> None:
        self.registry: CollectorRegistry = new_registry()
        self.commands = Counter(
            "stoppress_desk_commands", "Commands answered, by action and HTTP answer", ["action", "answer"],
            registry=self.registry,
        )  # fmt: skip
        self.answer = Histogram(
            "stoppress_desk_answer_seconds", "From a command request's arrival to its answer (s)",
            buckets=_ANSWER_BUCKETS_S, registry=self.registry,
        )  # fmt: skip
        self.refused = Counter(
            "stoppress_desk_refused", "Requests refused before a command was sent, by status", ["status"],
            registry=self.registry,
        )  # fmt: skip
        self.consoles = Gauge("stoppress_desk_consoles", "Open console streams", registry=self.registry)
        self.stories = Gauge("stoppress_desk_stories", "Live stories the desk knows of", registry=self.registry)
