"""Requests per key: bursts, sustained rates, and what a refused client is told."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from stoppress.shared.ratelimit import RateLimiter, retry_after_header


def test_a_burst_is_allowed_then_the_rate_applies() -> None:
    limiter = RateLimiter()
    assert [limiter.acquire("k", 2.0, 3, now=0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire("k", 2.0, 3, now=0.0) == 0.5
    assert limiter.acquire("k", 2.0, 3, now=0.5) == 0.0
    assert limiter.acquire("other", 2.0, 3, now=0.5) == 0.0


def test_retry_after_is_whole_seconds_and_never_zero() -> None:
    assert retry_after_header(0.01) == "1"
    assert retry_after_header(1.2) == "2"


def test_idle_keys_are_forgotten_when_the_table_is_full() -> None:
    limiter = RateLimiter(max_keys=2)
    limiter.acquire("a", 10.0, 1, now=0.0)
    limiter.acquire("b", 10.0, 1, now=0.0)
    assert limiter.acquire("c", 10.0, 1, now=5.0) == 0.0
    assert limiter.acquire("a", 10.0, 1, now=5.0) == 0.0


@given(rate=st.floats(0.1, 1000), burst=st.integers(1, 50), gaps=st.lists(st.floats(0, 2), max_size=200))
def test_never_more_than_burst_plus_rate_times_elapsed(rate: float, burst: int, gaps: list[float]) -> None:
    limiter = RateLimiter()
    now = 0.0
    allowed = 0
    for gap in gaps:
        now += gap
        if limiter.acquire("k", rate, burst, now) == 0.0:
            allowed += 1
    assert allowed <= burst + rate * now + 1e-6
