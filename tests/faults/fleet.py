"""Real service processes for the fault and scale-out tests, each on its own ports and data folder.

Every process is built by :class:`stoppress.cli.stack.Stack`, so the
environment variable names of the services stay in one place; a
:class:`Fleet` only adds settings on top (private topic names, a faust app
id) and stops every process it started, whatever the test did. The
session-scoped ``stack`` fixture is never touched.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from stoppress.cli.processes import ServiceProcess
from stoppress.cli.stack import Stack
from tests.conftest import private_stack_config

START_TIMEOUT_S = 120.0
"""A cold faust worker on a busy 2-core machine can take a while to join its group (s)."""


@dataclass(frozen=True)
class Replica:
    """One running service process and where it listens."""

    process: ServiceProcess
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v1/ws"


class Fleet:
    """Starts service processes on ``bootstrap`` under ``folder`` and stops them all in :meth:`stop_all`."""

    def __init__(self, bootstrap: str, folder: Path) -> None:
        self.bootstrap = bootstrap
        self.folder = folder
        self._started: list[ServiceProcess] = []

    def ticker(self, name: str, app_id: str, env: Mapping[str, str], *, wait: bool = True) -> Replica:
        """A ticker worker in consumer group ``app_id`` (never the real one), with ``env`` on top."""
        stack = self._stack(name)
        settings = {"STOPPRESS_TICKER_INSTANCE": name, "STOPPRESS_TICKER_APP_ID": app_id, **env}
        process = _with_env(stack.ticker, settings)
        return self._start(process, stack.config.ticker_port, wait)

    def push(self, name: str, env: Mapping[str, str], *, wait: bool = True) -> Replica:
        """A push gateway with ``env`` on top of the stack's settings."""
        stack = self._stack(name)
        process = _with_env(stack.push, {"STOPPRESS_PUSH_INSTANCE": name, **env})
        return self._start(process, stack.config.push_port, wait)

    def ingest(self, name: str, env: Mapping[str, str] | None = None, *, wait: bool = True) -> Replica:
        """An ingest replica (the ``demo`` source's key is :data:`tests.conftest.DEMO_KEY`)."""
        stack = self._stack(name)
        process = _with_env(stack.ingest, {"STOPPRESS_INGEST_INSTANCE": name, **(env or {})})
        return self._start(process, stack.config.ingest_port, wait)

    def desk(self, name: str, env: Mapping[str, str] | None = None, *, wait: bool = True) -> Replica:
        """A desk service (its ``demo-editor``'s key is :data:`tests.conftest.EDITOR_KEY`)."""
        stack = self._stack(name)
        process = _with_env(stack.desk, {"STOPPRESS_DESK_INSTANCE": name, **(env or {})})
        return self._start(process, stack.config.desk_port, wait)

    def stop_all(self) -> None:
        """Stop every process this fleet started (killed ones are skipped), newest first."""
        for process in reversed(self._started):
            process.stop()

    def _stack(self, name: str) -> Stack:
        return Stack(private_stack_config(self.bootstrap, self.folder / name))

    def _start(self, process: ServiceProcess, port: int, wait: bool) -> Replica:
        process.start()
        self._started.append(process)
        if wait:
            process.wait_healthy(START_TIMEOUT_S)
        return Replica(process, port)


def _with_env(process: ServiceProcess, extra: Mapping[str, str]) -> ServiceProcess:
    return dataclasses.replace(process, env={**process.env, **extra})
