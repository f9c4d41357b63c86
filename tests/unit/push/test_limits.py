from __future__ import annotations

import pytest

from stoppress.push.limits import Admission, AdmissionLimits, TokenBucket
from stoppress.push.refusals import TooMany


def test_token_bucket_allows_burst_then_rate() -> None:
    bucket = TokenBucket(rate=2.0, burst=3.0, now=0.0)
    assert [bucket.take(0.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.take(0.5)
    assert not bucket.take(0.5)


def admission(total: int = 10, per_address: int = 3, rate: float = 100.0, burst: float = 100.0) -> Admission:
    return Admission(AdmissionLimits(total, per_address, rate, burst))


def test_total_cap() -> None:
    gate = admission(total=2)
    gate.open("a", 0.0)
    gate.open("b", 0.0)
    with pytest.raises(TooMany, match="limit of 2 connections"):
        gate.open("c", 0.0)
    gate.close("a")
    gate.open("c", 0.0)


def test_per_address_cap_is_released_on_close() -> None:
    gate = admission(per_address=1)
    gate.open("a", 0.0)
    with pytest.raises(TooMany, match="per client address"):
        gate.open("a", 0.0)
    gate.open("b", 0.0)
    gate.close("a")
    gate.open("a", 0.0)
    assert gate.total == 2


def test_connect_rate_per_address() -> None:
    gate = admission(per_address=100, rate=1.0, burst=2.0)
    gate.open("a", 0.0)
    gate.open("a", 0.0)
    with pytest.raises(TooMany, match="too many new connections"):
        gate.open("a", 0.1)
    gate.open("a", 1.2)
    gate.open("b", 0.1)


def test_tracked_addresses_are_bounded() -> None:
    gate = Admission(AdmissionLimits(10**6, 10, 1.0, 1.0), max_tracked=5)
    for number in range(50):
        gate.open(f"10.0.0.{number}", 0.0)
        gate.close(f"10.0.0.{number}")
    assert len(gate._buckets) == 5
