"""Fixtures for tests that talk to a real gateway process on private ticker topics (bot, SDK, ``stoppress tail``).

A folder's ``conftest.py`` re-exports them. A test writes stories into
``topics`` with :class:`tests.integration.push.harness.TickerStandIn` and
reads them from ``gateway``; a module that needs other gateway settings
overrides ``gateway_env``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from stoppress.cli.processes import free_port
from tests.integration.push.harness import GatewayProcess, Topics, create_topics


@pytest.fixture
async def topics(kafka: Any, request: pytest.FixtureRequest) -> Topics:
    """Fresh private ticker topics on the session broker, named after the test's module."""
    module = request.module.__name__.rpartition(".")[2].removeprefix("test_")
    return await create_topics(kafka.bootstrap, prefix=module.replace("_", "-"))


@pytest.fixture
def gateway_env() -> dict[str, str]:
    """Settings for ``gateway`` on top of the topics' (``STOPPRESS_PUSH_*`` variables); none by default."""
    return {}


@pytest.fixture
async def gateway(
    kafka: Any, topics: Topics, gateway_env: dict[str, str], tmp_path: Path
) -> AsyncIterator[GatewayProcess]:
    """``python -m stoppress.push`` on a free port, reading ``topics``, ready; stopped after the test."""
    process = GatewayProcess(kafka.bootstrap, topics, free_port(), tmp_path / "push.log", **gateway_env)
    await process.start()
    yield process
    process.stop()
