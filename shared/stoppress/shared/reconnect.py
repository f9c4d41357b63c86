"""When a client reconnects, and how long it waits first: pure rules, no I/O.

Many clients lose their connection at the same moment (a gateway restarts
with close code 1012); if they all came back after the same delay they would
knock the new process over together. So every wait is drawn uniformly from
``[0, ceiling]`` ("full jitter"), where the ceiling doubles with each failed
attempt up to a cap. A server that says "too many" (4029, HTTP 429) gets a
longer wait with a floor, so the herd thins out instead of retrying at once.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass


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
    """The reaction to an HTTP status that refused the WebSocket upgrade."""
    if status in (429, 503):
        return CloseAction.RECONNECT_SLOWLY
    if status >= 500 or status in (404, 408):
        return CloseAction.RECONNECT
    return CloseAction.GIVE_UP


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter (all times in seconds).

    Attempt ``n`` (0-based: the first retry is attempt 0) waits a uniform
    random time in ``[0, min(cap, base * 2**n)]``. After a "slow down"
    (4029/429) the wait is at least ``slow_floor`` and drawn from
    ``[floor, max(floor, 4 * normal ceiling)]``, capped at ``slow_cap``.
    """

    base: float = 1.0
    cap: float = 30.0
    slow_floor: float = 5.0
    slow_cap: float = 120.0

    def ceiling(self, attempt: int) -> float:
        """The largest normal wait for ``attempt`` (s)."""
        return min(self.cap, self.base * 2.0 ** min(attempt, 62))

    def delay(self, attempt: int, action: CloseAction, uniform01: Callable[[], float]) -> float:
        """How long to wait before ``attempt`` (s); ``uniform01`` returns a float in ``[0, 1)``."""
        if action is CloseAction.RECONNECT_SLOWLY:
            floor = min(self.slow_floor, self.slow_cap)
            top = min(self.slow_cap, max(floor, 4.0 * self.ceiling(attempt)))
            return floor + uniform01() * (top - floor)
        return uniform01() * self.ceiling(attempt)
