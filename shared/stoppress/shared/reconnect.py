"""When a client reconnects, and how long it waits first: pure rules, no I/O.

Many clients lose their connection at the same moment (a gateway restarts
with close code 1012); if they all came back after the same delay they would
knock the new process over together. So every wait is drawn uniformly from
``[0, ceiling]`` ("full jitter"), where the ceiling doubles with each failed
attempt up to a cap. A server that says "too many" or "restarting" (4029,
HTTP 429 or 503 on the upgrade) gets a longer wait with a floor, so the herd
thins out instead of retrying at once; a ``Retry-After`` it sends with the
HTTP answer is honoured (up to the slow cap).
"""

from __future__ import annotations

import email.utils
import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


class CloseAction(enum.Enum):
    """What a client does after a connection ends or a handshake fails."""

    RECONNECT = "reconnect"
    """Transient: wait with jittered backoff, then resume from the cursor."""
    RECONNECT_SLOWLY = "reconnect_slowly"
    """The server is shedding load: wait longer than usual, then resume."""
    GIVE_UP = "give_up"
    """Retrying the same request cannot succeed (refused, or we broke the protocol)."""


_GIVE_UP_CLOSE_CODES = frozenset(
    {
        1002,  # protocol error: the server could not understand our frames
        1003,  # unsupported data
        1008,  # policy violation (for example an Origin the gateway does not allow)
        1009,  # our frame was too big; sending it again will not make it smaller
        4001,  # unauthorised: a token is required
        4003,  # forbidden: the token does not allow this filter
    }
)
_SLOW_CLOSE_CODES = frozenset({1013, 4029})  # try again later / too many connections or too fast


def action_for_close(code: int) -> CloseAction:
    """The reaction to a WebSocket close code (1006 = the link dropped without a close frame)."""
    if code in _GIVE_UP_CLOSE_CODES:
        return CloseAction.GIVE_UP
    if code in _SLOW_CLOSE_CODES:
        return CloseAction.RECONNECT_SLOWLY
    return CloseAction.RECONNECT


def action_for_http_status(status: int) -> CloseAction:
    """The reaction to an HTTP status that refused the WebSocket upgrade.

    429 (connection caps or rate) and 503 (shutting down) are the gateway
    shedding load, like close codes 4029 and 1012; 401 and 403 (a refused
    ``Origin``) are final, like 4001 and 4003.
    """
    if status in (429, 503):
        return CloseAction.RECONNECT_SLOWLY
    if status >= 500 or status in (404, 408):
        return CloseAction.RECONNECT
    return CloseAction.GIVE_UP


def retry_after_s(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date); ``None`` if absent or invalid.

    ``now`` must be timezone-aware; a date in the past means 0.
    """
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter (all times in seconds).

    Attempt ``n`` (0-based: the first retry is attempt 0) waits a uniform
    random time in ``[0, min(cap, base * 2**n)]``. After a "slow down"
    (4029, 429, 503) the wait is at least ``slow_floor`` and drawn from
    ``[floor, max(floor, 4 * normal ceiling)]``, capped at ``slow_cap``.
    """

    base: float = 1.0
    cap: float = 30.0
    slow_floor: float = 5.0
    slow_cap: float = 120.0

    def ceiling(self, attempt: int) -> float:
        """The largest normal wait for ``attempt`` (s)."""
        return min(self.cap, self.base * 2.0 ** min(attempt, 62))

    def delay(
        self, attempt: int, action: CloseAction, uniform01: Callable[[], float], retry_after: float | None = None
    ) -> float:
        """How long to wait before ``attempt`` (s); ``uniform01`` returns a float in ``[0, 1)``.

        ``retry_after`` (the server's ``Retry-After``, s) is a lower bound, itself capped at ``slow_cap``.
        """
        if action is CloseAction.RECONNECT_SLOWLY:
            floor = min(self.slow_floor, self.slow_cap)
            top = min(self.slow_cap, max(floor, 4.0 * self.ceiling(attempt)))
            drawn = floor + uniform01() * (top - floor)
        else:
            drawn = uniform01() * self.ceiling(attempt)
        return drawn if retry_after is None else max(drawn, min(retry_after, self.slow_cap))
