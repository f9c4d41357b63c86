"""Test harness for the ticker worker: private topics, the worker as a real process, headline records.

Each test gets its own headlines/events/stories/DLQ topics and its own faust
app id (so its own consumer group, desk topic and changelogs), so it depends
neither on other tests nor on what other components wrote to the shared
topics. The worker runs as ``python -m stoppress.ticker`` on a free web port.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from stoppress.cli.processes import free_port

READY_TIMEOUT_S = 90.0


@dataclass(frozen=True)
class Topics:
    """One test's private topics."""

    headlines: str
    events: str
    stories: str
    dlq: str

    @classmethod
    def fresh(cls, tag: str | None = None) -> Topics:
        tag = tag or f"tk{uuid.uuid4().hex[:10]}"
        return cls(f"{tag}.headlines.raw", f"{tag}.ticker.events", f"{tag}.ticker.stories", f"{tag}.headlines.dlq")

    def with_outputs(self, tag: str) -> Topics:
        """The same input topic, with fresh output topics (to compare two runs on one input)."""
        fresh = Topics.fresh(tag)
        return Topics(self.headlines, fresh.events, fresh.stories, fresh.dlq)


class TickerProcess:
    """``python -m stoppress.ticker`` in its own process group, logging to ``log_path``."""

    def __init__(self, bootstrap: str, topics: Topics, app_id: str, workdir: Path, **settings: str) -> None:
        self.bootstrap = bootstrap
        self.topics = topics
        self.app_id = app_id
        self.workdir = workdir
        self.settings = settings
        self.port = 0
        self.log_path = workdir / f"{app_id}.log"
        self._process: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        variables = {
            "STOPPRESS_KAFKA_BOOTSTRAP": self.bootstrap,
            "STOPPRESS_TICKER_APP_ID": self.app_id,
            "STOPPRESS_TICKER_WEB_PORT": str(self.port),
            "STOPPRESS_TICKER_DATA_DIR": str(self.workdir / f"{self.app_id}-data"),
            "STOPPRESS_TICKER_HEADLINES_TOPIC": self.topics.headlines,
            "STOPPRESS_TICKER_EVENTS_TOPIC": self.topics.events,
            "STOPPRESS_TICKER_STORIES_TOPIC": self.topics.stories,
            "STOPPRESS_TICKER_DLQ_TOPIC": self.topics.dlq,
            "STOPPRESS_TICKER_INSTANCE": self.app_id,
            "STOPPRESS_TICKER_UPDATE_INTERVAL_S": "1",
            "STOPPRESS_TICKER_SESSION_TIMEOUT_S": "6",
        }
        variables.update({f"STOPPRESS_TICKER_{k.upper()}": v for k, v in self.settings.items()})
        return {**os.environ, **variables}

    async def start(self) -> None:
        """Start the worker and wait until ``/readyz`` answers 200."""
        self.port = free_port()
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: ASYNC220 - returns at once; the worker runs on its own
                [sys.executable, "-m", "stoppress.ticker"],
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + READY_TIMEOUT_S
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    raise AssertionError(f"ticker exited with {self._process.returncode}:\n{self.log_tail()}")
                try:
                    async with session.get(f"http://127.0.0.1:{self.port}/readyz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.2)
        raise AssertionError(f"ticker not ready within {READY_TIMEOUT_S}s:\n{self.log_tail()}")

    def stop(self, timeout_s: float = 30.0) -> int:
        """SIGTERM and wait; returns the exit code (kills after ``timeout_s``)."""
        process = self._process
        if process is None or process.poll() is not None:
            return process.returncode if process is not None else 0
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"ticker ignored SIGTERM for {timeout_s}s:\n{self.log_tail()}") from None

    def kill(self) -> None:
        """SIGKILL (``kill -9``) the worker, no clean-up at all."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    async def metrics(self) -> dict[str, float]:
        """The samples of ``/metrics`` by name with labels."""
        async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{self.port}/metrics") as response:
            text = await response.text()
        samples: dict[str, float] = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                samples[name] = float(value)
        return samples

    async def processed(self) -> float:
        """Headlines the desks handled since this process started."""
        return (await self.metrics()).get("stoppress_ticker_headlines_processed_total", 0.0)

    async def wait_processed(self, count: float, timeout_s: float = 30.0) -> None:
        """Wait until the desks have handled ``count`` headlines since this process started."""
        deadline = time.monotonic() + timeout_s
        while (done := await self.processed()) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"processed {done} of {count} headlines:\n{self.log_tail()}")
            await asyncio.sleep(0.1)

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def headline_record(
    source: str,
    guid: str,
    text: str,
    *,
    version: int = 1,
    urgency: int = 5,
    **fields: Any,
) -> tuple[bytes, bytes]:
    """A ``headlines.raw`` record (key, value) as ingest would write it, received now."""
    now = datetime.now(UTC).isoformat()
    value = {
        "id": f"{source}:{guid}",
        "version": version,
        "source": source,
        "headline": text,
        "urgency": urgency,
        "first_created": now,
        "version_created": now,
        "received_at": now,
        **fields,
    }
    return f"{source}:{guid}".encode(), orjson.dumps(value)
