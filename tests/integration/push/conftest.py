"""Fixtures for the push gateway's integration tests: private topics on the real broker, a ticker stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.integration.push.harness import TickerStandIn, Topics, create_topics


@pytest.fixture
def bootstrap(kafka: Any) -> str:
    """The session broker's address."""
    address: str = kafka.bootstrap
    return address


@pytest.fixture
async def topics(bootstrap: str) -> Topics:
    """Fresh ticker topics for one test."""
    return await create_topics(bootstrap)


@pytest.fixture
async def ticker(bootstrap: str, topics: Topics) -> AsyncIterator[TickerStandIn]:
    """Writes TickerEvents and StoryViews into the test's topics."""
    async with TickerStandIn(bootstrap, topics) as stand_in:
        yield stand_in
