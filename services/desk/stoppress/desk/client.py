"""A small asyncio client of the desk's HTTP API, for ``stoppress desk``, tests and benchmarks.

::

    async with DeskClient("http://127.0.0.1:8082", editor_key) as desk:
        answer = await desk.command("st-…", "kill", {"reason": "unverified"})
        answer.status   # 200, or the refusal's status (404, 409, 422, 503, ...)
        answer.body     # the outcome (problem+json when refused)

:meth:`DeskClient.command` gives every command an id before sending it, and
:meth:`DeskClient.command_until_decided` sends the same id again while the
desk answers 503 (or 429), so a retry can never apply a command twice.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import aiohttp
import orjson

from stoppress.shared.problems import problem_text

DEFAULT_DESK_URL = "http://127.0.0.1:8082"
RETRY_STATUSES = (429, 503)
MAX_RETRY_WAIT_S = 10.0


@dataclass(frozen=True)
class DeskAnswer:
    """The desk's answer: status, parsed JSON body (``None`` if not JSON) and ``Retry-After`` (s)."""

    status: int
    body: Any
    retry_after_s: float | None

    @property
    def problem_text(self) -> str:
        """The refusal as one readable paragraph: the detail and each field's problem."""
        return problem_text(self.status, self.body)


class DeskClient:
    """Talks to the desk at ``base_url`` with ``Authorization: Bearer KEY`` (an editor's key)."""

    def __init__(self, base_url: str, key: str | None, *, timeout_s: float = 15.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._key = key
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def command(self, story_id: str, action: str, body: Mapping[str, Any]) -> DeskAnswer:
        """Send one command (``body``: ``reason`` and what the action takes); a ``command_id`` is added if absent."""
        document = {"command_id": uuid.uuid4().hex, **body}
        return await self.request("POST", f"/v1/desk/stories/{quote(story_id, safe='')}/{quote(action, safe='')}",
                                  data=orjson.dumps(document))  # fmt: skip

    async def command_until_decided(
        self,
        story_id: str,
        action: str,
        body: Mapping[str, Any],
        *,
        attempts: int = 4,
        on_retry: Callable[[DeskAnswer, float], None] | None = None,
    ) -> DeskAnswer:
        """:meth:`command`, sent again with the same id after ``Retry-After`` while the answer is 429 or 503."""
        document = {"command_id": uuid.uuid4().hex, **body}
        answer = await self.command(story_id, action, document)
        for _ in range(attempts - 1):
            if answer.status not in RETRY_STATUSES:
                break
            wait_s = min(MAX_RETRY_WAIT_S, answer.retry_after_s or 1.0)
            if on_retry is not None:
                on_retry(answer, wait_s)
            await asyncio.sleep(wait_s)
            answer = await self.command(story_id, action, document)
        return answer

    async def get(self, path: str, params: Mapping[str, str] | None = None) -> DeskAnswer:
        """``GET`` one of the desk's read endpoints (``/v1/desk/stories``, ``/v1/desk/log``, ...)."""
        return await self.request("GET", path, params=params)

    async def request(
        self, method: str, path: str, *, data: bytes | None = None, params: Mapping[str, str] | None = None,
        content_type: str | None = "application/json",
    ) -> DeskAnswer:  # fmt: skip
        """Any request to the desk (tests send broken bodies this way)."""
        if self._session is None:
            raise RuntimeError("use 'async with DeskClient(...)'")
        headers = {}
        if self._key is not None:
            headers["Authorization"] = f"Bearer {self._key}"
        if content_type is not None and data is not None:
            headers["Content-Type"] = content_type
        url = f"{self.base_url}{path}"
        async with self._session.request(method, url, data=data, params=params, headers=headers) as response:
            raw = await response.read()
            retry_after = response.headers.get("Retry-After")
            try:
                body = orjson.loads(raw) if raw else None
            except orjson.JSONDecodeError:
                body = None
            return DeskAnswer(
                response.status, body, float(retry_after) if retry_after and retry_after.isdigit() else None
            )
