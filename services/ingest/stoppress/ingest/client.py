"""A small asyncio client of ingest's HTTP API, for ``stoppress post``/``replay``, tests and benchmarks.

::

    async with IngestClient("http://127.0.0.1:8081", key) as ingest:
        answer = await ingest.post({"headline": "Quake hits the coast", "urgency": 2})
        answer.status   # 202, 207, or the refusal's status
        answer.body     # the JSON answer (problem+json when refused)
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import aiohttp
import orjson

from stoppress.shared.problems import problem_text

DEFAULT_INGEST_URL = "http://127.0.0.1:8081"
JSON = "application/json"
NINJS = "application/ninjs+json"


@dataclass(frozen=True)
class IngestAnswer:
    """Ingest's answer: status, parsed JSON body (``None`` if not JSON) and ``Retry-After`` (s)."""

    status: int
    body: Any
    retry_after_s: float | None

    @property
    def problem_text(self) -> str:
        """The refusal as one readable paragraph: the detail and each field's problem."""
        return problem_text(self.status, self.body)


class IngestClient:
    """Posts to ``{base_url}/v1/headlines`` with ``Authorization: Bearer KEY``."""

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

    async def post(self, document: Any, *, ninjs: bool = False) -> IngestAnswer:
        """Post one item or a batch (a list, or ``{"items": [...]}``) as JSON or ninjs."""
        return await self.post_bytes(orjson.dumps(document), NINJS if ninjs else JSON)

    async def post_bytes(self, data: bytes, content_type: str | None) -> IngestAnswer:
        """Post raw bytes with any content type (tests send broken bodies this way)."""
        if self._session is None:
            raise RuntimeError("use 'async with IngestClient(...)'")
        headers = {}
        if self._key is not None:
            headers["Authorization"] = f"Bearer {self._key}"
        if content_type is not None:
            headers["Content-Type"] = content_type
        skip = () if content_type is not None else ("Content-Type",)
        url = f"{self.base_url}/v1/headlines"
        async with self._session.post(url, data=data, headers=headers, skip_auto_headers=skip) as response:
            raw = await response.read()
            retry_after = response.headers.get("Retry-After")
            try:
                body = orjson.loads(raw) if raw else None
            except orjson.JSONDecodeError:
                body = None
            return IngestAnswer(
                response.status, body, float(retry_after) if retry_after and retry_after.isdigit() else None
            )
