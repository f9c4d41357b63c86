"""Fixtures for the ticker's integration tests: the session broker, private topics, worker processes."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.ticker.harness import TickerProcess, Topics


@pytest.fixture
def bootstrap(kafka: Any) -> str:
    """The session broker's address."""
    address: str = kafka.bootstrap
    return address


@pytest.fixture
def topics() -> Topics:
    """Private topic names for one test (the worker creates them)."""
    return Topics.fresh()


@pytest.fixture
def ticker_process(bootstrap: str, tmp_path: Path) -> Iterator[Callable[..., TickerProcess]]:
    """Makes worker processes for the test (``make(topics, **settings)``); all are stopped at the end."""
    made: list[TickerProcess] = []

    def make(topics: Topics, app_id: str | None = None, **settings: str) -> TickerProcess:
        worker = TickerProcess(bootstrap, topics, app_id or f"tk-{uuid.uuid4().hex[:10]}", tmp_path, **settings)
        made.append(worker)
        return worker

    yield make
    for worker in made:
        worker.kill()
