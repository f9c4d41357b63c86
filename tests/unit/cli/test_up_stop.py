"""`stoppress up` stopping: gracefully in order, and a second Ctrl-C kills what is left, services before the broker."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from typing import Any, cast

import pytest

from stoppress.cli import up


class StandIn:
    """A service process or Kafka node that records what was done to it; ``stop`` may be interrupted (Ctrl-C)."""

    def __init__(self, name: str, journal: list[str], interrupted: bool = False) -> None:
        self.name, self.journal, self.interrupted = name, journal, interrupted

    def stop(self) -> None:
        self.journal.append(f"stop {self.name}")
        if self.interrupted:
            raise KeyboardInterrupt

    def kill(self) -> None:
        self.journal.append(f"kill {self.name}")


class Group:
    """What ``_stop`` reads of a stack (``services``) and of a cluster (``nodes``)."""

    def __init__(self, services: list[StandIn], nodes: list[StandIn]) -> None:
        self.services, self.nodes = tuple(services), tuple(nodes)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


@pytest.fixture(autouse=True)
def _restore_signal_handlers() -> Iterator[None]:
    saved = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGINT, saved[0])
    signal.signal(signal.SIGTERM, saved[1])


def _stop(journal: list[str], interrupt: str | None) -> None:
    def make(name: str) -> StandIn:
        return StandIn(name, journal, interrupted=name == interrupt)

    replay = make("replay")
    stack = Group([make("ticker"), make("push"), make("desk"), make("ingest")], [])
    broker = Group([], [make("kafka-1"), make("kafka-2")])
    up._stop(cast(Any, replay), cast(Any, stack), cast(Any, broker))


def test_a_stop_goes_replay_ingest_first_and_the_broker_last(capsys: pytest.CaptureFixture[str]) -> None:
    journal: list[str] = []
    _stop(journal, interrupt=None)
    assert journal == ["stop replay", "stop ingest", "stop desk", "stop push", "stop ticker", "stop kafka-1",
                       "stop kafka-2"]  # fmt: skip
    err = capsys.readouterr().err
    assert "Ctrl-C again to kill everything at once" in err and err.rstrip().endswith("stoppress up: stopped")


def test_ctrl_c_while_stopping_kills_the_rest_services_before_the_broker(capsys: pytest.CaptureFixture[str]) -> None:
    journal: list[str] = []
    _stop(journal, interrupt="desk")
    assert journal == ["stop replay", "stop ingest", "stop desk", "kill replay", "kill ingest", "kill desk",
                       "kill push", "kill ticker", "kill kafka-1", "kill kafka-2"]  # fmt: skip
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN  # a third Ctrl-C cannot cut the kills short
    err = capsys.readouterr().err
    assert "stoppress up: killing what is left" in err and err.rstrip().endswith("stoppress up: stopped")
