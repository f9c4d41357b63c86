"""Broker outage: stop the broker for 30 seconds under steady ingest load, then start it again.

This test runs a broker of its own (free ports, its own folder) and a whole
stack on it, so no other test sees the outage. A poster sends 5 headlines a
second to ingest for the whole run, and a Python SDK reader follows the push
gateway. Checked:

- while the broker is down, ingest answers every post with 503 and a
  ``Retry-After`` header, quickly (within its 3 s ack timeout plus slack);
- once the broker is back, ingest answers 202 again within a minute, and
  never anything but 202 or 503;
- every headline that got a 202, before or after the outage, reaches
  ``ticker.events`` as a new story, and the reader receives it;
- an editor's command sent during the outage is answered 503 with
  ``Retry-After`` within the desk's 2 s, and sent again with the same command
  id once the broker is back, it is applied, once;
- no service was restarted: the same processes ran throughout.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from stoppress.cli.localkafka import LocalKafka
from stoppress.cli.processes import free_ports
from stoppress.cli.stack import Stack
from stoppress.desk.client import DeskAnswer, DeskClient
from stoppress.ingest.client import IngestClient
from stoppress.shared.client import Stream
from stoppress.shared.protocol import Event
from stoppress.shared.topics import TICKER_EVENTS
from tests.conftest import DEMO_KEY, EDITOR_KEY, private_stack_config
from tests.faults.newswire import distinct_headline
from tests.faults.readers import wait_until
from tests.support.kafka import read_topic, ticker_events

OUTAGE_S = 30.0
POSTS_PER_S = 5.0
BEFORE_S = 8.0
QUICK_503_S = 5.0
"""Ingest waits at most ``ack_timeout_s`` (3 s by default) for the broker before answering 503."""
DESK_503_S = 3.0
"""The desk answers within its 2 s (``answer_timeout_s``), plus slack for a busy machine."""
RECOVERY_S = 60.0
SETTLED_S = 8.0
"""How long the load goes on after the first 202 that follows the outage."""


@dataclass(frozen=True)
class Answer:
    """One post: when it was sent (monotonic s), the headline, ingest's status, how long it took, Retry-After."""

    sent_at: float
    headline: str
    status: int
    took_s: float
    retry_after_s: float | None


@pytest.fixture
def own_stack(tmp_path: Path) -> Iterator[tuple[LocalKafka, Stack]]:
    """A broker and a stack that only this test uses; both stopped at the end whatever happened."""
    port, controller_port = free_ports(2)
    broker = LocalKafka(tmp_path / "kafka", port=port, controller_port=controller_port)
    broker.launch()
    stack = Stack(private_stack_config(broker.bootstrap, tmp_path))
    try:
        stack.start(timeout_s=120)
        yield broker, stack
    finally:
        stack.stop()
        broker.stop()


class SteadyLoad:
    """Posts :data:`POSTS_PER_S` distinct headlines a second, each in its own task, until stopped."""

    def __init__(self, ingest: IngestClient) -> None:
        self.ingest = ingest
        self.answers: list[Answer] = []
        self._salt = uuid.uuid4().hex
        self._stopped = asyncio.Event()

    async def run(self) -> None:
        posts: set[asyncio.Task[None]] = set()
        n = 0
        while not self._stopped.is_set():
            n += 1
            post = asyncio.create_task(self._post(n))
            posts.add(post)
            post.add_done_callback(posts.discard)
            await asyncio.sleep(1 / POSTS_PER_S)
        await asyncio.gather(*posts)

    def stop(self) -> None:
        self._stopped.set()

    async def _post(self, n: int) -> None:
        headline = distinct_headline(n, self._salt)
        sent_at = time.monotonic()
        answer = await self.ingest.post({"guid": f"outage-{n}", "headline": headline, "urgency": 3})
        self.answers.append(Answer(sent_at, headline, answer.status, time.monotonic() - sent_at, answer.retry_after_s))


@pytest.mark.slow
async def test_thirty_second_outage_answers_503_then_202_and_loses_nothing(
    own_stack: tuple[LocalKafka, Stack],
) -> None:
    broker, stack = own_stack
    pids = [service.proc.pid for service in stack.services if service.proc is not None]
    received: set[str] = set()

    async def read(stream: Stream) -> None:
        async for message in stream:
            if isinstance(message, Event) and message.event.type == "story.new":
                received.add(message.event.story.headline)

    async with IngestClient(stack.config.ingest_url, DEMO_KEY) as ingest, Stream(stack.config.ws_url) as stream:
        reader = asyncio.create_task(read(stream))
        load = SteadyLoad(ingest)
        posting = asyncio.create_task(load.run())
        await asyncio.sleep(BEFORE_S)
        editor = await OutageEditor.on_a_story(stack)
        await asyncio.to_thread(broker.stop)
        down_from = time.monotonic()
        await asyncio.sleep(OUTAGE_S / 2)
        await editor.pin_while_down()
        await asyncio.sleep(OUTAGE_S / 2)
        down_until = time.monotonic()
        await asyncio.to_thread(broker.start)
        await asyncio.to_thread(broker.wait_ready, 60)
        back_at = time.monotonic()
        deadline = back_at + RECOVERY_S
        while not any(a.status == 202 and a.sent_at > back_at for a in load.answers):
            assert time.monotonic() < deadline, f"no 202 within {RECOVERY_S:.0f} s of the broker's return"
            await asyncio.sleep(0.5)
        recovered_in = min(a.sent_at + a.took_s for a in load.answers if a.status == 202 and a.sent_at > back_at)
        await editor.pin_again_until_decided(deadline)
        await asyncio.sleep(SETTLED_S)
        load.stop()
        await posting

        accepted = {a.headline for a in load.answers if a.status == 202}
        events = await read_topic(
            broker.bootstrap,
            TICKER_EVENTS,
            until=lambda records: accepted <= {e.story.headline for e in ticker_events(records)},
            timeout_s=90.0,
        )
        with contextlib.suppress(AssertionError):
            await wait_until(lambda: accepted <= received, 30.0, "the reader has every accepted headline")
        gateway_state = await asyncio.to_thread(_readyz, stack.config.push_url)
        reader.cancel()

    during = [a for a in load.answers if down_from < a.sent_at and a.sent_at + a.took_s < down_until]
    late = [a for a in load.answers if a.sent_at > recovered_in + 1.0]
    print(f"{len(load.answers)} posts, {len(accepted)} accepted; {len(during)} during the outage; "
          f"202 again {recovered_in - back_at:.1f} s after the broker was ready; "
          f"slowest 503 {max(a.took_s for a in during):.2f} s")  # fmt: skip

    assert {a.status for a in load.answers} <= {202, 503}, "only 202 or 503, never an error"
    assert len(during) >= OUTAGE_S * POSTS_PER_S / 2
    assert all(a.status == 503 and a.retry_after_s for a in during), "503 with Retry-After while the broker is down"
    assert all(a.took_s < QUICK_503_S for a in during), "the 503 comes quickly"
    assert late and all(a.status == 202 for a in late), "202 again once the broker is back"
    new_stories = {e.story.headline for e in ticker_events(events) if e.type == "story.new"}
    assert accepted <= new_stories, f"accepted but not in ticker.events: {sorted(accepted - new_stories)[:5]}"
    assert accepted <= received, (
        f"{len(accepted - received)} accepted headlines never reached the reader, e.g. "
        f"{sorted(accepted - received)[:2]}; ticker.events holds {len(events)} events, the gateway says {gateway_state}"
    )
    editor.check([e.event_id for e in ticker_events(events)])
    assert [s.proc.pid for s in stack.services if s.proc is not None] == pids
    assert all(service.returncode is None for service in stack.services), "no service died"


class OutageEditor:
    """An editor who pins a story while the broker is down, then sends the same command again once it is back."""

    def __init__(self, stack: Stack, story_id: str) -> None:
        self._stack = stack
        self._story_id = story_id
        self._pin = {"reason": "outage test", "command_id": uuid.uuid4().hex}
        self._answers: list[tuple[DeskAnswer, float]] = []

    @classmethod
    async def on_a_story(cls, stack: Stack) -> OutageEditor:
        """An editor with a live story to act on (the load has made some by now)."""
        async with DeskClient(stack.config.desk_url, EDITOR_KEY) as desk:
            for _ in range(100):
                listed = await desk.get("/v1/desk/stories", {"state": "shown"})
                if listed.status == 200 and listed.body["stories"]:
                    return cls(stack, str(listed.body["stories"][0]["story_id"]))
                await asyncio.sleep(0.1)
        raise AssertionError("the desk lists no story")

    async def pin_while_down(self) -> None:
        await self._send()

    async def pin_again_until_decided(self, deadline: float) -> None:
        await self._send()
        while self._answers[-1][0].status == 503 and time.monotonic() < deadline:
            await asyncio.sleep(self._answers[-1][0].retry_after_s or 1.0)
            await self._send()

    def check(self, event_ids: list[str]) -> None:
        (unconfirmed, waited), (decided, _) = self._answers[0], self._answers[-1]
        assert (unconfirmed.status, unconfirmed.body["command_id"]) == (503, self._pin["command_id"])
        assert unconfirmed.retry_after_s and waited < DESK_503_S, f"the desk answered after {waited:.1f} s"
        assert decided.status == 200, decided.body
        [pin_event] = decided.body["events"]
        assert event_ids.count(pin_event) == 1, "the command was applied once"

    async def _send(self) -> None:
        sent = time.monotonic()
        async with DeskClient(self._stack.config.desk_url, EDITOR_KEY) as desk:
            answer = await desk.command(self._story_id, "pin", self._pin)
        self._answers.append((answer, time.monotonic() - sent))


def _readyz(push_url: str) -> str:
    with urllib.request.urlopen(f"{push_url}/readyz", timeout=5) as response:
        return str(response.read().decode())
