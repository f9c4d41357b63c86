"""Metrics: Prometheus text on ``/metrics`` and periodic snapshots on ``ops.metrics``.

Each service keeps its own :class:`prometheus_client.CollectorRegistry` (made
with :func:`new_registry`), serves it with :func:`render`, and runs
:func:`publish_forever` so the live dashboard sees every instance's numbers
through Kafka, the only channel between services.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from stoppress.shared.codec import encode
from stoppress.shared.models import MetricsSnapshot, Service
from stoppress.shared.topics import OPS_METRICS

log = logging.getLogger(__name__)


def new_registry() -> CollectorRegistry:
    """A registry of the service's own metrics (not the process-global default)."""
    return CollectorRegistry(auto_describe=True)


def render(registry: CollectorRegistry) -> tuple[bytes, str]:
    """The Prometheus text exposition of ``registry`` and its content type."""
    return generate_latest(registry), CONTENT_TYPE_LATEST


def flatten(registry: CollectorRegistry) -> dict[str, float]:
    """Every sample as ``name{label="value",...}`` → value, as in the text exposition."""
    samples: dict[str, float] = {}
    for family in registry.collect():
        for sample in family.samples:
            if sample.name.endswith("_created"):
                continue
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}" if labels else sample.name] = float(sample.value)
    return samples


def snapshot(
    registry: CollectorRegistry, service: Service, instance: str
) -> MetricsSnapshot:
    """The current values of ``registry`` as an ``ops.metrics`` record."""
    return MetricsSnapshot(service=service, instance=instance, at=datetime.now(UTC), samples=flatten(registry))


async def publish_forever(
    producer: AIOKafkaProducer,
    registry: CollectorRegistry,
    service: Service,
    instance: str,
    interval_s: float = 2.0,
) -> None:
    """Send a snapshot to ``ops.metrics`` every ``interval_s`` seconds until cancelled.

    A failed send is logged and skipped: metrics must never take a service down.
    """
    while True:
        try:
            await producer.send(OPS_METRICS, encode(snapshot(registry, service, instance)), key=instance.encode())
        except Exception as exc:  # any broker trouble: skip this tick, never crash
            log.warning("metrics snapshot not sent: %s", exc)
        await asyncio.sleep(interval_s)
