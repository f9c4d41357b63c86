"""The reconnect rules: which close codes end the stream, and the jittered backoff schedule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stoppress.shared.client import refusal_detail
from stoppress.shared.reconnect import Backoff, CloseAction, action_for_close, action_for_http_status, retry_after_s

NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("code", "action"),
    [
        (1000, CloseAction.RECONNECT),
        (1001, CloseAction.RECONNECT),
        (1006, CloseAction.RECONNECT),
        (1011, CloseAction.RECONNECT),
        (1012, CloseAction.RECONNECT),
        (4008, CloseAction.RECONNECT),
        (1013, CloseAction.RECONNECT_SLOWLY),
        (4029, CloseAction.RECONNECT_SLOWLY),
        (4001, CloseAction.GIVE_UP),
        (4003, CloseAction.GIVE_UP),
        (1008, CloseAction.GIVE_UP),
        (1009, CloseAction.GIVE_UP),
    ],
)
def test_close_codes(code: int, action: CloseAction) -> None:
    assert action_for_close(code) is action


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (429, CloseAction.RECONNECT_SLOWLY),
        (503, CloseAction.RECONNECT_SLOWLY),
        (502, CloseAction.RECONNECT),
        (404, CloseAction.RECONNECT),
        (401, CloseAction.GIVE_UP),
        (403, CloseAction.GIVE_UP),
        (400, CloseAction.GIVE_UP),
    ],
)
def test_refused_handshakes(status: int, action: CloseAction) -> None:
    assert action_for_http_status(status) is action


def test_ceiling_doubles_from_base_up_to_the_cap() -> None:
    backoff = Backoff(base=1.0, cap=30.0)
    assert [backoff.ceiling(n) for n in range(7)] == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert backoff.ceiling(10_000) == 30.0


def test_full_jitter_spans_zero_to_the_ceiling() -> None:
    backoff = Backoff(base=1.0, cap=30.0)
    assert backoff.delay(3, CloseAction.RECONNECT, lambda: 0.0) == 0.0
    assert backoff.delay(3, CloseAction.RECONNECT, lambda: 0.5) == 4.0


def test_slow_down_waits_at_least_the_floor_and_longer_than_a_normal_retry() -> None:
    backoff = Backoff(base=1.0, cap=30.0, slow_floor=5.0, slow_cap=120.0)
    assert backoff.delay(0, CloseAction.RECONNECT_SLOWLY, lambda: 0.0) == 5.0
    assert backoff.delay(3, CloseAction.RECONNECT_SLOWLY, lambda: 0.999999) == pytest.approx(32.0, abs=1e-3)
    assert backoff.delay(50, CloseAction.RECONNECT_SLOWLY, lambda: 0.999999) <= 120.0


@given(
    attempt=st.integers(min_value=0, max_value=10_000),
    draw=st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
    slow=st.booleans(),
)
def test_every_delay_is_within_its_bounds(attempt: int, draw: float, slow: bool) -> None:
    backoff = Backoff()
    action = CloseAction.RECONNECT_SLOWLY if slow else CloseAction.RECONNECT
    delay = backoff.delay(attempt, action, lambda: draw)
    if slow:
        assert backoff.slow_floor <= delay <= backoff.slow_cap
    else:
        assert 0.0 <= delay <= backoff.ceiling(attempt) <= backoff.cap


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("5", 5.0),
        (" 120 ", 120.0),
        ("Thu, 26 Nov 2026 12:00:30 GMT", 30.0),
        ("Thu, 26 Nov 2026 11:00:00 GMT", 0.0),
        ("-3", None),
        ("soon", None),
        ("", None),
    ],
)
def test_retry_after_header(header: str | None, seconds: float | None) -> None:
    assert retry_after_s(header, NOW) == seconds


def test_retry_after_is_a_floor_capped_at_the_slow_cap() -> None:
    backoff = Backoff(base=1.0, cap=30.0, slow_floor=5.0, slow_cap=120.0)
    assert backoff.delay(0, CloseAction.RECONNECT_SLOWLY, lambda: 0.0, retry_after=30.0) == 30.0
    assert backoff.delay(0, CloseAction.RECONNECT_SLOWLY, lambda: 0.0, retry_after=1.0) == 5.0
    assert backoff.delay(0, CloseAction.RECONNECT, lambda: 0.0, retry_after=2.0) == 2.0
    assert backoff.delay(0, CloseAction.RECONNECT_SLOWLY, lambda: 0.0, retry_after=86_400.0) == 120.0


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"type":"about:blank","status":403,"code":"forbidden","detail":"origin not allowed"}', "origin not allowed"),
        (b"Server is shutting down.\n", "Server is shutting down."),
        (b'{"status":429}', '{"status":429}'),
        (b"", ""),
        (None, ""),
    ],
)
def test_a_refused_upgrade_reads_its_problem_detail(body: bytes | None, reason: str) -> None:
    assert refusal_detail(body) == reason
