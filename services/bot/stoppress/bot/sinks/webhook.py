"""A generic webhook: each post as a signed JSON POST.

The body is::

    {"id": "...", "kind": "new|correction|retraction", "reason": "killed" | null,
     "take_back": ["<id>", ...], "text": "...", "in_reply_to": "<id of the first post>" | null,
     "story": {StoryView}}

When an editor kills a story the bot sends a retraction with ``reason:
"killed"`` and, in ``take_back``, the ids of every post it made about the
story (as the receiver answered them, else ours), oldest first: a receiver
that can delete posts deletes those; one that cannot, or that predates the
field, still gets a retraction it can post as a reply. Otherwise ``reason``
is null (a retraction: the sources withdrew the story) and ``take_back`` is
empty.

Two headers let the receiver check that it came from us and is fresh:
``X-StopPress-Timestamp`` (Unix seconds) and ``X-StopPress-Signature``
(``sha256=`` + hex HMAC-SHA256 of ``"<timestamp>." + body`` with the shared
secret). Binding the timestamp into the signature stops a captured request
being replayed later; receivers should refuse timestamps older than a few
minutes (:func:`verify_signature` does, 300 s by default). ``Idempotency-Key``
repeats ``id`` so a retried delivery can be dropped.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime

import aiohttp
import orjson

from stoppress.bot.sinks.base import USER_AGENT, OutgoingPost, SinkError, error_for_status
from stoppress.bot.textlength import Platform

SIGNATURE_HEADER = "X-StopPress-Signature"
TIMESTAMP_HEADER = "X-StopPress-Timestamp"


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    digest = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(
    secret: bytes, body: bytes, timestamp: str, signature: str, *, now: float, tolerance: float = 300.0
) -> bool:
    """For receivers: whether ``signature`` signs ``body`` and ``timestamp`` is within ``tolerance`` s of ``now``."""
    if not timestamp.isdigit() or abs(now - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, int(timestamp), body), signature)


def webhook_body(post: OutgoingPost) -> bytes:
    """The JSON body for ``post``; a take-back travels as a retraction with ``reason: "killed"``."""
    killed = post.kind == "takeback"
    return orjson.dumps(
        {
            "id": post.idempotency_key,
            "kind": "retraction" if killed else post.kind,
            "reason": "killed" if killed else None,
            "take_back": list(post.take_back),
            "text": post.text,
            "in_reply_to": post.in_reply_to,
            "story": post.story.model_dump(mode="json"),
        }
    )


class WebhookSink:
    """POSTs each post to ``url`` signed with ``secret``; the post's id is the receiver's ``id`` or ours."""

    name = "webhook"

    def __init__(self, http: aiohttp.ClientSession, url: str, secret: bytes, platform: Platform) -> None:
        if not secret:
            raise ValueError("a webhook needs a shared secret to sign its requests")
        self._http = http
        self._url = url
        self._secret = secret
        self.platform = platform

    async def publish(self, post: OutgoingPost) -> str:
        """Deliver ``post``; a 2xx answer means delivered."""
        return _receiver_id(await self._deliver(post)) or post.idempotency_key

    async def take_back(self, post: OutgoingPost) -> None:
        """Deliver the killed story's retraction; the receiver withdraws the posts it names."""
        await self._deliver(post)

    async def _deliver(self, post: OutgoingPost) -> str:
        """POST ``post`` signed; the answer's text if it is a 2xx."""
        body = webhook_body(post)
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Idempotency-Key": post.idempotency_key,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(self._secret, timestamp, body),
        }
        try:
            async with self._http.post(self._url, data=body, headers=headers) as response:
                text = await response.text(errors="replace")
                if response.status >= 300:
                    raise error_for_status(response.status, response.headers, text, datetime.now(UTC))
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise SinkError(f"webhook unreachable: {type(exc).__name__}: {exc}", retryable=True) from None
        return text


def _receiver_id(text: str) -> str | None:
    try:
        answer = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    identifier = answer.get("id") if isinstance(answer, dict) else None
    return identifier if isinstance(identifier, str) and identifier else None
