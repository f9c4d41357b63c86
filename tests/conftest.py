"""Fixtures shared by every test folder: the real broker and the real stack.

``kafka`` (from :mod:`tests.conftest_kafka`) is one real Kafka broker for the
whole session; ``stack`` runs ingest, ticker and push as separate processes
against it, on free ports, logging into the session's temp folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from stoppress.cli.processes import free_ports
from stoppress.cli.stack import Stack, StackConfig

pytest_plugins = ["tests.conftest_kafka"]

DEMO_KEY = "test-demo-key-0123456789"
EDITOR_KEY = "test-editor-key-0123456789"
"""The key of the stack desk's ``demo-editor``."""


def private_stack_config(bootstrap: str, root: Path) -> StackConfig:
    """A stack on ``bootstrap`` with :data:`DEMO_KEY` and :data:`EDITOR_KEY`, each service on a free port, data and
    logs under ``root``."""
    ingest_port, ticker_port, push_port, desk_port = free_ports(4)
    return StackConfig(
        bootstrap=bootstrap,
        demo_key=DEMO_KEY,
        demo_editor_key=EDITOR_KEY,
        data_dir=root / "data",
        log_dir=root / "logs",
        ingest_port=ingest_port,
        ticker_port=ticker_port,
        push_port=push_port,
        desk_port=desk_port,
    )


@pytest.fixture(scope="session")
def stack(kafka: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """ingest + ticker + push + desk as real processes on the session broker; stopped at the end."""
    running = Stack(private_stack_config(kafka.bootstrap, tmp_path_factory.mktemp("stack")))  # type: ignore[attr-defined]
    running.start()
    yield running
    running.stop()
