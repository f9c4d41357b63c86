"""A Mastodon-compatible status API (``POST /api/v1/statuses``).

Authenticates with ``Authorization: Bearer <token>`` (an application token
with the ``write:statuses`` scope), threads corrections and retractions under
the first post with ``in_reply_to_id``, and sends an ``Idempotency-Key`` so a
retry after a lost answer does not post twice (Mastodon keeps keys for an
hour). When an editor kills a story, each of its statuses is deleted
(``DELETE /api/v1/statuses/:id``), newest first; a 404 means it is already
gone, so a repeated take-back is harmless. Any server speaking this API
(Mastodon, GoToSocial, Akkoma, ...) works.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal
from urllib.parse import quote

import aiohttp
import orjson

from stoppress.bot.sinks.base import USER_AGENT, OutgoingPost, SinkError, error_for_status
from stoppress.bot.textlength import PLATFORMS, Platform

Visibility = Literal["public", "unlisted", "private", "direct"]


class MastodonSink:
    """Posts statuses to the instance at ``base_url`` as the account owning ``token``."""

    name = "mastodon"

    def __init__(
        self,
        http: aiohttp.ClientSession,
        base_url: str,
        token: str,
        *,
        visibility: Visibility = "public",
        platform: Platform = PLATFORMS["mastodon"],
    ) -> None:
        if not token:
            raise ValueError("Mastodon needs an access token (write:statuses)")
        self._http = http
        self._endpoint = base_url.rstrip("/") + "/api/v1/statuses"
        self._headers = {"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT}
        self._visibility = visibility
        self.platform = platform

    async def publish(self, post: OutgoingPost) -> str:
        """Create the status; its id comes from the server's answer."""
        status: dict[str, object] = {
            "status": post.text,
            "visibility": self._visibility,
            "language": post.story.language.split("-")[0].lower(),
        }
        if post.in_reply_to is not None:
            status["in_reply_to_id"] = post.in_reply_to
        headers = {
            **self._headers,
            "Idempotency-Key": post.idempotency_key,
            "Content-Type": "application/json",
        }
        try:
            async with self._http.post(self._endpoint, data=orjson.dumps(status), headers=headers) as response:
                text = await response.text(errors="replace")
                if response.status >= 300:
                    raise error_for_status(response.status, response.headers, text, datetime.now(UTC))
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise SinkError(f"Mastodon unreachable: {type(exc).__name__}: {exc}", retryable=True) from None
        try:
            answer = orjson.loads(text)
        except orjson.JSONDecodeError:
            answer = None
        status_id = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(status_id, str) or not status_id:
            raise SinkError(f"Mastodon answered {response.status} without a status id", retryable=False)
        return status_id

    async def take_back(self, post: OutgoingPost) -> None:
        """Delete the statuses ``post.take_back`` names, newest first; one already gone (404) counts as deleted."""
        for status_id in reversed(post.take_back):
            url = f"{self._endpoint}/{quote(status_id, safe='')}"
            try:
                async with self._http.delete(url, headers=self._headers) as response:
                    text = await response.text(errors="replace")
                    if response.status >= 300 and response.status != 404:
                        raise error_for_status(response.status, response.headers, text, datetime.now(UTC))
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise SinkError(f"Mastodon unreachable: {type(exc).__name__}: {exc}", retryable=True) from None
