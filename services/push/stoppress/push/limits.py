"""Admission limits: connection caps (total, per client address) and rates (token buckets).

Pure: every decision takes ``now`` (monotonic seconds) and returns or raises,
so the rules are tested without a clock or a socket. Refusals are
:class:`~stoppress.push.refusals.TooMany` (HTTP 429 before a WebSocket upgrade
or an SSE stream; close 4029 for too many messages on an open WebSocket), with
``retry_after_s`` saying when a retry may pass.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from stoppress.push.refusals import TooMany

CAP_RETRY_AFTER_S = 5.0
"""Suggested wait after a refusal for a full cap: nobody knows when a slot frees, so not too eager."""


class TokenBucket:
    """``rate`` (> 0) tokens per second, at most ``burst`` saved up; one token per action."""

    __slots__ = ("burst", "rate", "tokens", "updated")

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.updated = now

    def take(self, now: float) -> bool:
        """Spend one token if there is one; return whether the action is allowed."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def wait_s(self) -> float:
        """Seconds until the next token, as of the last :meth:`take` (0 if one is there now)."""
        return max(0.0, (1.0 - self.tokens) / self.rate)


@dataclass(frozen=True)
class AdmissionLimits:
    """Caps and rates for new connections (one set for WebSocket and SSE together)."""

    max_connections: int
    max_per_address: int
    connect_rate_per_address: float
    """New connections per second per client address, sustained."""
    connect_burst_per_address: float


class Admission:
    """Counts open connections and recent connects, and says whether one more may open.

    Per-address buckets are kept for at most ``max_tracked`` addresses (least
    recently seen dropped first), so a scan over many addresses cannot grow
    memory without bound.
    """

    def __init__(self, limits: AdmissionLimits, max_tracked: int = 100_000) -> None:
        self.limits = limits
        self.total = 0
        self._per_address: dict[str, int] = {}
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()
        self._max_tracked = max_tracked

    def open(self, address: str, now: float) -> None:
        """Admit one connection from ``address`` or raise :class:`TooMany` with the reason."""
        limits = self.limits
        if self.total >= limits.max_connections:
            raise TooMany(
                f"the gateway is at its limit of {limits.max_connections} connections; retry later", CAP_RETRY_AFTER_S
            )
        if self._per_address.get(address, 0) >= limits.max_per_address:
            raise TooMany(f"at most {limits.max_per_address} connections per client address", CAP_RETRY_AFTER_S)
        bucket = self._buckets.get(address)
        if bucket is None:
            bucket = TokenBucket(limits.connect_rate_per_address, limits.connect_burst_per_address, now)
            self._buckets[address] = bucket
            if len(self._buckets) > self._max_tracked:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(address)
        if not bucket.take(now):
            raise TooMany(
                f"too many new connections from this address (at most {limits.connect_rate_per_address:g}/s)",
                bucket.wait_s(),
            )
        self.total += 1
        self._per_address[address] = self._per_address.get(address, 0) + 1

    def connections_from(self, address: str) -> int:
        """How many connections from ``address`` are open."""
        return self._per_address.get(address, 0)

    def close(self, address: str) -> None:
        """Forget one connection from ``address`` (call exactly once per successful :meth:`open`)."""
        self.total -= 1
        remaining = self._per_address.get(address, 1) - 1
        if remaining:
            self._per_address[address] = remaining
        else:
            self._per_address.pop(address, None)
