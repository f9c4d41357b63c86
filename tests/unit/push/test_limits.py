"""Admission rules (caps, rates, exact counts) and how a refusal is answered over HTTP."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stoppress.push.limits import CAP_RETRY_AFTER_S, Admission, AdmissionLimits, TokenBucket
from stoppress.push.refusals import Forbidden, Refusal, TooMany
from stoppress.push.routes import problem


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


def test_refusals_say_when_to_retry() -> None:
    gate = admission(total=1, per_address=1, rate=0.5, burst=1.0)
    gate.open("a", 0.0)
    with pytest.raises(TooMany) as full:
        gate.open("b", 0.0)
    assert full.value.retry_after_s == CAP_RETRY_AFTER_S
    gate.close("a")
    with pytest.raises(TooMany) as fast:
        gate.open("a", 0.5)
    assert fast.value.retry_after_s == pytest.approx(1.5), "one token every 2 s, a quarter of one saved up"


def test_token_bucket_wait_until_the_next_token() -> None:
    bucket = TokenBucket(rate=4.0, burst=1.0, now=0.0)
    assert bucket.wait_s() == 0.0
    assert bucket.take(0.0)
    assert bucket.wait_s() == pytest.approx(0.25)


@given(st.lists(st.tuples(st.booleans(), st.sampled_from("abc"), st.floats(0.0, 0.5)), max_size=200))
def test_counts_stay_exact_whatever_opens_and_closes(steps: list[tuple[bool, str, float]]) -> None:
    gate = admission(total=5, per_address=2, rate=4.0, burst=3.0)
    held: list[str] = []
    now = 0.0
    for opening, address, later in steps:
        now += later
        if opening:
            try:
                gate.open(address, now)
            except TooMany:
                pass
            else:
                held.append(address)
        elif address in held:
            held.remove(address)
            gate.close(address)
        assert gate.total == len(held) <= 5
        assert all(gate.connections_from(a) == held.count(a) <= 2 for a in "abc")


@pytest.mark.parametrize(
    ("refusal", "retry_after"),
    [
        (TooMany("cap", CAP_RETRY_AFTER_S), "5"),
        (TooMany("rate", 0.2), "1"),
        (TooMany("rate", 2.1), "3"),
        (TooMany("messages"), "2"),
        (Forbidden("origin"), None),
    ],
)
def test_problem_answers_carry_retry_after_for_429_and_503(refusal: Refusal, retry_after: str | None) -> None:
    answer = problem(refusal)
    assert answer.status_code == refusal.http_status
    assert answer.headers.get("Retry-After") == retry_after
    assert answer.headers["Content-Type"] == "application/problem+json"
    body = orjson.loads(answer.body)
    assert (body["status"], body["code"], body["detail"]) == (refusal.http_status, refusal.error_code, refusal.reason)
