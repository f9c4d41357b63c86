"""The token bucket, the retry schedule and reading a server's "wait" hints."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stoppress.bot.pacing import RetrySchedule, TokenBucket, server_retry_delay
from stoppress.shared.reconnect import Backoff

NOW = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)


def test_a_burst_goes_out_at_once_then_posts_are_spaced_at_the_rate() -> None:
    bucket = TokenBucket(rate=0.5, burst=2, now=0.0)
    assert [bucket.reserve(0.0) for _ in range(4)] == [0.0, 0.0, 2.0, 4.0]


def test_tokens_refill_over_time_up_to_the_burst() -> None:
    bucket = TokenBucket(rate=1.0, burst=2, now=0.0)
    bucket.reserve(0.0)
    bucket.reserve(0.0)
    assert bucket.reserve(1.0) == 0.0
    assert bucket.reserve(100.0) == 0.0
    assert bucket.reserve(100.0) == 0.0
    assert bucket.reserve(100.0) == 1.0


@given(times=st.lists(st.floats(min_value=0, max_value=1000), min_size=1, max_size=50).map(sorted))
def test_the_long_run_rate_is_never_exceeded(times: list[float]) -> None:
    bucket = TokenBucket(rate=0.1, burst=3, now=0.0)
    release = [t + bucket.reserve(t) for t in times]
    for i, start in enumerate(release):
        within = [r for r in release[i:] if r < start + 100.0 - 1e-9]
        assert len(within) <= 3 + 10


def test_bad_bucket_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        TokenBucket(rate=0, burst=1, now=0.0)


def test_retries_back_off_with_jitter_and_give_up_after_max_attempts() -> None:
    schedule = RetrySchedule(max_attempts=3, backoff=Backoff(base=1.0, cap=60.0))
    assert schedule.delay(1, None, lambda: 0.5) == 0.5
    assert schedule.delay(2, None, lambda: 0.5) == 1.0
    assert schedule.delay(3, None, lambda: 0.5) is None


def test_retries_wait_at_least_what_the_server_asked_within_reason() -> None:
    schedule = RetrySchedule(max_attempts=5, max_server_delay=600.0)
    assert schedule.delay(1, 30.0, lambda: 0.0) == 30.0
    assert schedule.delay(1, 86_400.0, lambda: 0.0) == 600.0


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "120"}, 120.0),
        ({"Retry-After": "Thu, 26 Nov 2026 14:01:30 GMT"}, 90.0),
        ({"Retry-After": "Thu, 26 Nov 2026 13:00:00 GMT"}, 0.0),
        ({"Retry-After": "soon"}, None),
        ({"X-RateLimit-Reset": "2026-11-26T14:05:00.000Z"}, 300.0),
        ({"X-RateLimit-Reset": "whenever"}, None),
        ({}, None),
    ],
)
def test_server_retry_delay(headers: dict[str, str], seconds: float | None) -> None:
    assert server_retry_delay(headers, NOW) == seconds
