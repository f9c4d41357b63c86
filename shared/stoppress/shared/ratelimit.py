"""Requests per API key: a token bucket per key, with the wait to tell a refused client.

Pure: the caller passes ``now`` (monotonic seconds). Buckets of keys idle
long enough to be full again are forgotten, so memory follows the number of
active keys, not the number ever seen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated_at: float


class RateLimiter:
    """At most ``burst`` requests at once and ``rate_per_s`` sustained, per key."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._buckets: dict[str, _Bucket] = {}
        self._max_keys = max_keys

    def acquire(self, key: str, rate_per_s: float, burst: int, now: float) -> float:
        """Take one token for ``key``: 0.0 if allowed, else the seconds until a token is available."""
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max_keys:
                self._forget_full(now, rate_per_s, burst)
            bucket = self._buckets[key] = _Bucket(float(burst), now)
        bucket.tokens = min(float(burst), bucket.tokens + (now - bucket.updated_at) * rate_per_s)
        bucket.updated_at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / rate_per_s

    def _forget_full(self, now: float, rate_per_s: float, burst: int) -> None:
        refill_s = burst / rate_per_s
        self._buckets = {k: b for k, b in self._buckets.items() if now - b.updated_at < refill_s}


def retry_after_header(wait_s: float) -> str:
    """``Retry-After`` in whole seconds, never 0 (a client reading 0 would retry at once)."""
    return str(max(1, math.ceil(wait_s)))
