"""Fixtures of the fault suite: processes of its own on the session broker, stopped whatever happens.

Fault tests kill and restart services for real, so they never use the
session-scoped ``stack``: each starts its own processes (own ports, own data
folders, private topics and consumer groups) through a :class:`Fleet`. The
broker-outage test goes further and runs its own broker.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from stoppress.cli.localkafka import LocalKafka
from tests.faults.fleet import Fleet
from tests.support.kafka import PrivateTopics


@pytest.fixture
def fleet(kafka: LocalKafka, tmp_path: Path) -> Iterator[Fleet]:
    """Service processes on the session broker, all stopped at the end of the test."""
    started = Fleet(kafka.bootstrap, tmp_path)
    yield started
    started.stop_all()


@pytest.fixture
def topics() -> PrivateTopics:
    """Fresh topic names for one test (created by the test or by its ticker worker)."""
    return PrivateTopics(f"fault{uuid.uuid4().hex[:10]}")
