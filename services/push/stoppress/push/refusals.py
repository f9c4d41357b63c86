"""Why the gateway refuses something, and how each edge says so.

The pure core raises these; only the edges translate them — a WebSocket gets an
``error`` message and a close code, HTTP gets a problem+json body with a status.
Every refusal carries a reason a person can act on, and a refusal that passes
with time (429, 503) may say when to try again (``retry_after_s``).

Admission (shutdown, Origin, connection caps and rate) is decided before the
WebSocket upgrade, so those refusals reach a WebSocket client as HTTP 503,
403 and 429; the close codes 1012, 4003 and 4029 are for what can only happen
on an open connection (shutdown, a filter the token does not allow, too many
messages).

Exception tree::

    PushError
     └── Refusal                  (close_code, http_status, reason)
          ├── BadRequest          1008 / 400  malformed frame, unknown filter value
          ├── Unauthorised        4001 / 401  restricted channel without a valid token
          ├── Forbidden           4003 / 403  a filter the token does not allow; Origin not allowed
          ├── TooMany             4029 / 429  connection caps, connection or message rate
          ├── hub.SlowConsumer    4008        outbound queue overflowed
          └── gateway.Restarting  1012 / 503  graceful shutdown
"""

from __future__ import annotations

from typing import ClassVar

CLOSE_GOING_AWAY = 1001
CLOSE_UNSUPPORTED_DATA = 1003
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_RESTART = 1012
CLOSE_UNAUTHORISED = 4001
CLOSE_FORBIDDEN = 4003
CLOSE_SLOW_CONSUMER = 4008
CLOSE_TOO_MANY = 4029


class PushError(Exception):
    """Root of every error the push gateway raises on purpose."""


class Refusal(PushError):  # noqa: N818 -- a decision with a reason, named for what it is
    """Something a client asked for is refused; ``reason`` says why in plain words."""

    close_code: ClassVar[int] = CLOSE_POLICY
    http_status: ClassVar[int] = 400
    error_code: ClassVar[str] = "bad_request"

    def __init__(self, reason: str, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = retry_after_s
        """When trying again may succeed, in seconds from now (``None``: the edge's default, if any)."""


class BadRequest(Refusal):
    """A malformed frame, message, filter or cursor."""


class Unauthorised(Refusal):
    """A restricted channel was asked for without a valid, unexpired token."""

    close_code = CLOSE_UNAUTHORISED
    http_status = 401
    error_code = "unauthorised"


class Forbidden(Refusal):
    """The token is valid but does not allow this filter, or the Origin is not allowed."""

    close_code = CLOSE_FORBIDDEN
    http_status = 403
    error_code = "forbidden"


class TooMany(Refusal):
    """Too many connections (total or per address) or too fast (connections or messages)."""

    close_code = CLOSE_TOO_MANY
    http_status = 429
    error_code = "too_many"
