"""The sink contract and the one place HTTP answers become "retry" or "give up"."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from stoppress.bot.formatting import PostKind
from stoppress.bot.pacing import server_retry_delay
from stoppress.bot.textlength import Platform
from stoppress.shared.models import StoryView

USER_AGENT = "stoppress-bot/0.1"


@dataclass(frozen=True)
class OutgoingPost:
    """One post, ready to send: its text (already within the platform limit) and what it is about."""

    text: str
    kind: PostKind
    story: StoryView
    in_reply_to: str | None
    """The platform id of the post this one answers (corrections and retractions), if any."""
    idempotency_key: str
    take_back: tuple[str, ...] = ()
    """For a take-back (``kind == "takeback"``): the platform ids of the posts to withdraw, oldest first."""


class SinkError(Exception):
    """A post did not go out; ``retryable`` says whether trying again later can help.

    ``retry_after`` is how long (s) the receiver asked us to wait, if it said.
    """

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class Sink(Protocol):
    """Somewhere posts go; ``platform`` fixes how long a post may be."""

    name: str
    platform: Platform

    async def publish(self, post: OutgoingPost) -> str:
        """Send ``post``; return the receiver's id for it (replies refer to it). Raises :class:`SinkError`."""
        ...

    async def take_back(self, post: OutgoingPost) -> None:
        """Withdraw the posts ``post.take_back`` names, as far as the platform allows (an editor killed the story).

        Must be safe to repeat: a retry, or a restart, sends the same take-back again. Raises :class:`SinkError`.
        """
        ...


def error_for_status(status: int, headers: Mapping[str, str], body: str, now: datetime) -> SinkError:
    """The :class:`SinkError` for a non-2xx HTTP answer: 408, 429 and 5xx are worth retrying, other 4xx not."""
    retryable = status in (408, 429) or status >= 500
    retry_after = server_retry_delay(headers, now) if status in (429, 503) else None
    excerpt = " ".join(body.split())[:200]
    return SinkError(f"HTTP {status}: {excerpt or 'no body'}", retryable=retryable, retry_after=retry_after)
