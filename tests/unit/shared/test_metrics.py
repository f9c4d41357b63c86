"""Metric snapshots carry exactly what /metrics shows."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from stoppress.shared.metrics import flatten, new_registry, render, snapshot


def test_snapshot_flattens_labelled_samples_like_the_text_exposition() -> None:
    registry = new_registry()
    sent = Counter("stoppress_test_frames", "frames sent", ["transport"], registry=registry)
    sent.labels(transport="ws").inc(3)
    Histogram("stoppress_test_latency_seconds", "latency", buckets=(0.01, 0.1), registry=registry).observe(0.05)
    samples = flatten(registry)
    assert samples['stoppress_test_frames_total{transport="ws"}'] == 3.0
    assert samples['stoppress_test_latency_seconds_bucket{le="0.01"}'] == 0.0
    assert samples['stoppress_test_latency_seconds_bucket{le="0.1"}'] == 1.0
    assert not any(name.endswith("_created") for name in samples)
    body, content_type = render(registry)
    assert b'stoppress_test_frames_total{transport="ws"} 3.0' in body
    assert content_type.startswith("text/plain")
    assert snapshot(registry, "push", "push-1").samples == samples
