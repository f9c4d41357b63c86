"""Broker outage: 503 with Retry-After quickly while it is down, 202 again once it is back, nothing lost.

Stops and restarts the session broker; the fixture starts it again even if the test fails.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from stoppress.cli.localkafka import LocalKafka
from stoppress.ingest.client import IngestClient
from tests.integration.ingest.conftest import WIRE_KEY, RunningIngest, end_offsets, records_since, start_ingest

QUICK_503_S = 5.0
"""A 503 must come within the ack timeout (3 s by default) plus slack."""
RECOVERY_S = 60.0


@pytest.fixture
def own_ingest(kafka: LocalKafka, tmp_path: Path) -> Iterator[RunningIngest]:
    running = start_ingest(kafka.bootstrap, tmp_path)
    yield running
    running.process.stop()


async def test_outage_answers_503_quickly_and_every_202_lands(
    broker: LocalKafka, own_ingest: RunningIngest, guid_prefix: str
) -> None:
    start = await end_offsets(broker.bootstrap)
    accepted: list[str] = []
    async with IngestClient(own_ingest.url, WIRE_KEY) as client:

        async def post(name: str) -> tuple[int, float, float | None]:
            began = time.monotonic()
            answer = await client.post({"guid": f"{guid_prefix}{name}", "headline": f"Outage test {name}"})
            if answer.status == 202:
                accepted.append(f"{guid_prefix}{name}")
            return answer.status, time.monotonic() - began, answer.retry_after_s

        assert (await post("before"))[0] == 202

        await asyncio.to_thread(broker.stop)
        during = [await post(f"during-{i}") for i in range(4)]
        for status, elapsed_s, retry_after_s in during:
            assert status == 503
            assert elapsed_s < QUICK_503_S
            assert retry_after_s is not None
        assert await _ready(own_ingest.url) == 503

        await asyncio.to_thread(broker.start)
        await asyncio.to_thread(broker.wait_ready)
        deadline = time.monotonic() + RECOVERY_S
        status = 0
        attempt = 0
        while status != 202 and time.monotonic() < deadline:
            attempt += 1
            status, _, retry_after_s = await post(f"after-{attempt}")
            if status != 202:
                await asyncio.sleep(min(retry_after_s or 1.0, 2.0))
        assert status == 202, f"no 202 within {RECOVERY_S:.0f} s of the broker's return"
        assert (await post("later"))[0] == 202
        assert await _ready(own_ingest.url) == 200

    landed = {headline.guid for _, headline in await records_since(broker.bootstrap, start, guid_prefix)}
    assert set(accepted) <= landed, f"accepted but missing: {sorted(set(accepted) - landed)}"


async def _ready(url: str) -> int:
    async with aiohttp.ClientSession() as session, session.get(f"{url}/readyz") as response:
        return response.status
