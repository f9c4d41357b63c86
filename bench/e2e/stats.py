"""The arithmetic of the benchmark: latency histograms, percentiles, and whether memory stayed flat. Pure.

Latencies travel between processes as a sparse histogram of 0.1 ms buckets
(``{bucket: count}``), so 5,000 readers × 1,400 events need not be shipped
one by one; percentiles read from it are exact to 0.1 ms.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

BUCKET_MS = 0.1
DIRECT_BASE = 1_000_000
"""Sequence numbers from here on are events the driver wrote straight to ``ticker.events`` (the gateway-only
comparison), not headlines posted to ingest."""


def bucket_of(latency_s: float) -> int:
    """The histogram bucket of a latency (s); negative latencies (clock noise) count as 0."""
    return max(0, round(latency_s * 1000 / BUCKET_MS))


def merge(histograms: Iterable[Mapping[str, int] | Mapping[int, int]]) -> Counter[int]:
    """Sum histograms (JSON turns the bucket keys into strings; both forms are accepted)."""
    total: Counter[int] = Counter()
    for histogram in histograms:
        for bucket, count in histogram.items():
            total[int(bucket)] += count
    return total


def percentile_ms(histogram: Mapping[int, int], q: float) -> float | None:
    """The ``q``-th percentile (0-100, nearest rank) in ms; ``None`` for an empty histogram."""
    count = sum(histogram.values())
    if not count:
        return None
    rank = max(1, round(q / 100 * count))
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= rank:
            return bucket * BUCKET_MS
    raise AssertionError("unreachable: the ranks add up to the count")


def rss_trend(samples: Sequence[tuple[float, float]], warmup_s: float) -> dict[str, float]:
    """How resident memory moved after ``warmup_s``: least-squares slope (MiB/min) and the change from the first
    minute's median to the last minute's median (MiB and ratio). ``samples`` are (seconds since start, bytes)."""
    settled = [(t, rss / 2**20) for t, rss in samples if t >= warmup_s]
    if len(settled) < 4:
        return {"slope_mib_per_min": 0.0, "first_minute_mib": 0.0, "last_minute_mib": 0.0, "growth_ratio": 1.0}
    times, mib = [t for t, _ in settled], [m for _, m in settled]
    slope = statistics.linear_regression(times, mib).slope * 60
    start, end = times[0], times[-1]
    first = statistics.median(m for t, m in settled if t <= start + 60)
    last = statistics.median(m for t, m in settled if t >= end - 60)
    return {"slope_mib_per_min": slope, "first_minute_mib": first, "last_minute_mib": last,
            "growth_ratio": last / first if first else 1.0}  # fmt: skip


def histogram_totals(metrics_text: str, name: str) -> tuple[float, float]:
    """(sum, count) of Prometheus histogram ``name`` in a ``/metrics`` page (0, 0 when absent)."""
    values = {"sum": 0.0, "count": 0.0}
    for line in metrics_text.splitlines():
        for part in values:
            if line.startswith(f"{name}_{part} "):
                values[part] = float(line.split()[1])
    return values["sum"], values["count"]


def mean_ms_between(before: str, after: str, name: str) -> float | None:
    """Mean (ms) of the observations histogram ``name`` gained between two ``/metrics`` pages."""
    sum_before, count_before = histogram_totals(before, name)
    sum_after, count_after = histogram_totals(after, name)
    observed = count_after - count_before
    return 1000 * (sum_after - sum_before) / observed if observed > 0 else None
