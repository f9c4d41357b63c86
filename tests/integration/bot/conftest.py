"""Fixtures for the bot's integration tests: a real gateway on private topics, a Mastodon stand-in, an HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.integration.bot.standins import MastodonStandIn
from tests.support.gateway import gateway, gateway_env, topics

__all__ = ["TOKEN", "gateway", "gateway_env", "http", "mastodon", "topics"]

TOKEN = "bot-token"
"""The access token the Mastodon stand-in accepts."""


@pytest.fixture
async def mastodon() -> AsyncIterator[MastodonStandIn]:
    """A Mastodon stand-in on a free port, accepting :data:`TOKEN`."""
    server = MastodonStandIn(TOKEN)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client session for the sinks (5 s per request)."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        yield session
