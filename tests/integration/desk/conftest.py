"""The desk's integration fixtures: the session stack (its desk has the ``demo-editor``), a second desk process
with editors of its own (slow, disabled, unlimited), helpers to make a story and to follow a reader's stream.

Both desks read the same ``desk.*`` topics and the session ticker applies the commands of either, as two
replicas of one desk would.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from stoppress.cli.localkafka import LocalKafka
from stoppress.cli.processes import ServiceProcess, free_port
from stoppress.cli.stack import Stack
from stoppress.desk.client import DeskClient
from stoppress.ingest.client import IngestClient
from stoppress.shared.keys import hash_key
from tests.conftest import DEMO_KEY, EDITOR_KEY

SLOW_KEY = "slow-editor-key-0123456789"
DISABLED_KEY = "disabled-editor-key-0123456789"
FAST_KEY = "fast-editor-key-0123456789"
EDITORS = {
    "editors": [
        {"name": "slowpoke", "key_hashes": [hash_key(SLOW_KEY)], "commands_per_s": 0.2, "commands_burst": 2},
        {"name": "gone", "enabled": False, "key_hashes": [hash_key(DISABLED_KEY)]},
        {"name": "firehose", "key_hashes": [hash_key(FAST_KEY)], "commands_per_s": 100000, "commands_burst": 100000},
    ]
}


@dataclass
class RunningDesk:
    """A desk process and where to reach it."""

    process: ServiceProcess
    url: str


def start_desk(bootstrap: str, folder: Path, **extra_env: str) -> RunningDesk:
    """``python -m stoppress.desk`` on a free port with :data:`EDITORS`, ready when this returns."""
    port = free_port()
    env = {
        "STOPPRESS_KAFKA_BOOTSTRAP": bootstrap,
        "STOPPRESS_DESK_PORT": str(port),
        "STOPPRESS_DESK_EDITORS_JSON": json.dumps(EDITORS),
        "STOPPRESS_DESK_READS_PER_S": "100000",
        "STOPPRESS_DESK_READS_BURST": "100000",
        **extra_env,
    }
    url = f"http://127.0.0.1:{port}"
    process = ServiceProcess("desk", "stoppress.desk", env, f"{url}/readyz", folder / "desk.log")
    process.start()
    process.wait_healthy(60)
    return RunningDesk(process, url)


@pytest.fixture(scope="module")
def second_desk(kafka: LocalKafka, stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDesk]:
    """A second desk replica with :data:`EDITORS`, on the session broker."""
    running = start_desk(kafka.bootstrap, tmp_path_factory.mktemp("desk"))
    yield running
    running.process.stop()


async def new_story(stack: Stack, headline: str, *, urgency: int = 2, timeout_s: float = 20.0) -> str:
    """Publish ``headline`` (a fresh item) through ingest and return the id of the story the desk lists it in.

    Other tests publish to the same stack, so the item may join a story of theirs; the story is found by the
    item, whichever it is.
    """
    guid = uuid.uuid4().hex
    async with IngestClient(stack.config.ingest_url, DEMO_KEY) as ingest:
        answer = await ingest.post({"guid": guid, "headline": headline, "urgency": urgency})
        assert answer.status == 202, answer.body
    async with DeskClient(stack.config.desk_url, EDITOR_KEY) as desk:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            listed = await desk.get("/v1/desk/stories", {"limit": "5000"})
            for story in listed.body["stories"]:
                if any(member["item_id"] == f"demo:{guid}" for member in story["members"]):
                    return str(story["story_id"])
            await asyncio.sleep(0.1)
    raise AssertionError(f"the desk never listed {headline!r}")
