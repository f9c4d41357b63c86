"""Fixtures shared by every test folder: the real broker and the real stack.

``kafka`` (from :mod:`tests.conftest_kafka`) is one real Kafka broker for the
whole session; ``stack`` runs ingest, ticker and push as separate processes
against it, on free ports, logging into the session's temp folder.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from stoppress.cli.stack import Stack, StackConfig

pytest_plugins = ["tests.conftest_kafka"]

DEMO_KEY = "test-demo-key-0123456789"


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def stack(kafka: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """ingest + ticker + push as real processes on the session broker; stopped at the end."""
    root: Path = tmp_path_factory.mktemp("stack")
    config = StackConfig(
        bootstrap=kafka.bootstrap,  # type: ignore[attr-defined]
        demo_key=DEMO_KEY,
        data_dir=root / "data",
        log_dir=root / "logs",
        ingest_port=free_port(),
        ticker_port=free_port(),
        push_port=free_port(),
    )
    running = Stack(config)
    running.start()
    yield running
    running.stop()
