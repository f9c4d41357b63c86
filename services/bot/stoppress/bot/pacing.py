"""How fast the bot may post, and how long it waits after a failure (pure; times in seconds).

Two separate limits apply. The token bucket keeps the bot within the
platform's posting allowance (Mastodon's default is 300 statuses per 3 hours
per account) while letting a burst of breaking stories out at once. The retry
schedule spaces attempts at one post after a 5xx, a 429 or a network error:
exponential backoff with full jitter, never sooner than the server asked for
with ``Retry-After`` (or Mastodon's ``X-RateLimit-Reset``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime

from stoppress.shared.reconnect import Backoff, CloseAction


class TokenBucket:
    """``burst`` posts at once, refilled at ``rate`` posts per second.

    :meth:`reserve` takes one token at time ``now`` (monotonic seconds) and
    returns how long the caller must wait before posting (0 if a token was
    free); reservations queue up behind each other, so callers are served
    in order and the long-run rate never exceeds ``rate``.
    """

    def __init__(self, rate: float, burst: int, now: float) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 posts/s and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._updated = now

    def reserve(self, now: float) -> float:
        """Take one token; the wait (s) before it is usable."""
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate)
        self._updated = now
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate


@dataclass(frozen=True)
class RetrySchedule:
    """Up to ``max_attempts`` tries of one post, spaced by ``backoff`` (full jitter)."""

    max_attempts: int = 8
    backoff: Backoff = field(default_factory=lambda: Backoff(base=1.0, cap=300.0))
    max_server_delay: float = 3600.0
    """A ``Retry-After`` beyond this (s) is taken as this: a typo on the server must not park the bot for days."""

    def delay(self, failures: int, server_asked: float | None, uniform01: Callable[[], float]) -> float | None:
        """The wait (s) before the next try after ``failures`` failed ones; ``None``: give up."""
        if failures >= self.max_attempts:
            return None
        jittered = self.backoff.delay(failures - 1, CloseAction.RECONNECT, uniform01)
        return max(jittered, min(server_asked or 0.0, self.max_server_delay))


def server_retry_delay(headers: Mapping[str, str], now: datetime) -> float | None:
    """How long (s) the server asked us to wait: ``Retry-After`` (seconds or HTTP date) or ``X-RateLimit-Reset``."""
    retry_after = headers.get("Retry-After")
    if retry_after is not None:
        value = retry_after.strip()
        if value.isdigit():
            return float(value)
        try:
            return max(0.0, (parsedate_to_datetime(value) - now).total_seconds())
        except (TypeError, ValueError):
            return None
    reset = headers.get("X-RateLimit-Reset")
    if reset is not None:
        try:
            return max(0.0, (datetime.fromisoformat(reset.replace("Z", "+00:00")) - now).total_seconds())
        except ValueError:
            return None
    return None
