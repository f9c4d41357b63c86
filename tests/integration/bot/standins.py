"""Real local HTTP servers standing in for the platforms the bot posts to.

:class:`MastodonStandIn` speaks the part of the Mastodon API the bot uses:
``POST /api/v1/statuses`` with a Bearer token, ``in_reply_to_id`` (which must
name an existing status), ``Idempotency-Key`` (a repeated key returns the
first status instead of creating another, as Mastodon does) and the 500
character limit counted Mastodon's way; ``DELETE /api/v1/statuses/:id``
(the deleted status, or 404 for one that does not exist or is gone). It can
be told to fail the next requests, of either kind, with given statuses. :class:`WebhookReceiver` checks each delivery's
signature as a real receiver would.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

from stoppress.bot.sinks.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from stoppress.bot.textlength import PLATFORMS, post_length


@dataclass
class Failure:
    """One scripted failure: the HTTP status and extra headers to answer with."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)


class _Server:
    def __init__(self) -> None:
        self.app = web.Application()
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.changed = asyncio.Event()
        """Set whenever the server records a request; tests wait on it instead of polling."""

    async def start(self) -> str:
        self._runner = web.AppRunner(self.app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


class MastodonStandIn(_Server):
    """``POST /api/v1/statuses`` like a Mastodon instance; see the module docstring."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.statuses: list[dict[str, Any]] = []
        """The statuses that exist, oldest first."""
        self.deleted: list[dict[str, Any]] = []
        """The statuses deleted, in the order they were."""
        self.requests: list[tuple[float, int]] = []
        """(monotonic time, answered status) of every POST."""
        self.deletions: list[tuple[str, int]] = []
        """(status id, answered status) of every DELETE."""
        self.failures: deque[Failure] = deque()
        self._by_key: dict[str, dict[str, Any]] = {}
        self.app.router.add_post("/api/v1/statuses", self._create)
        self.app.router.add_delete("/api/v1/statuses/{id}", self._delete)

    async def _create(self, request: web.Request) -> web.Response:
        response = self._refusal(request) or await self._answer(request)
        self.requests.append((time.monotonic(), response.status))
        self.changed.set()
        return response

    async def _delete(self, request: web.Request) -> web.Response:
        status_id = request.match_info["id"]
        response = self._refusal(request) or self._remove(status_id)
        self.deletions.append((status_id, response.status))
        self.changed.set()
        return response

    def _refusal(self, request: web.Request) -> web.Response | None:
        """A bad token's 401 or the next scripted failure, if any."""
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"error": "The access token is invalid"}, status=401)
        if self.failures:
            failure = self.failures.popleft()
            return web.json_response({"error": "scripted failure"}, status=failure.status, headers=failure.headers)
        return None

    def _remove(self, status_id: str) -> web.Response:
        status = next((s for s in self.statuses if s["id"] == status_id), None)
        if status is None:
            return web.json_response({"error": "Record not found"}, status=404)
        self.statuses.remove(status)
        self.deleted.append(status)
        return web.json_response(status)

    async def _answer(self, request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        key = request.headers.get("Idempotency-Key")
        if key is not None and key in self._by_key:
            return web.json_response(self._by_key[key])
        text = body.get("status", "")
        if post_length(text, PLATFORMS["mastodon"]) > 500:
            return web.json_response({"error": "Validation failed: Text character limit of 500 exceeded"}, status=422)
        reply_to = body.get("in_reply_to_id")
        if reply_to is not None and not any(s["id"] == reply_to for s in self.statuses):
            return web.json_response({"error": "Record not found"}, status=404)
        status = {
            "id": str(110_000_000 + len(self.statuses)),
            "content": text,
            "in_reply_to_id": reply_to,
            "visibility": body.get("visibility"),
            "language": body.get("language"),
            "idempotency_key": key,
        }
        self.statuses.append(status)
        if key is not None:
            self._by_key[key] = status
        return web.json_response(status)


class WebhookReceiver(_Server):
    """Accepts signed deliveries (401 for a bad or stale signature) and records them."""

    def __init__(self, secret: bytes) -> None:
        super().__init__()
        self.secret = secret
        self.deliveries: list[dict[str, Any]] = []
        self.rejected = 0
        self.app.router.add_post("/hook", self._deliver)

    @property
    def url(self) -> str:
        return f"{self.base_url}/hook"

    async def _deliver(self, request: web.Request) -> web.Response:
        body = await request.read()
        genuine = verify_signature(
            self.secret,
            body,
            request.headers.get(TIMESTAMP_HEADER, ""),
            request.headers.get(SIGNATURE_HEADER, ""),
            now=time.time(),
        )
        self.changed.set()
        if not genuine:
            self.rejected += 1
            return web.json_response({"error": "bad signature"}, status=401)
        delivery = orjson.loads(body)
        delivery["idempotency_key_header"] = request.headers.get("Idempotency-Key")
        self.deliveries.append(delivery)
        return web.Response(status=204)
