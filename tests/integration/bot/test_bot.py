"""The bot end to end: real broker, real gateway process, real HTTP stand-ins for the platforms.

Stories are written straight into private ticker topics (as the ticker
would), reach the bot through ``python -m stoppress.push`` and the SDK, and
come out as statuses on the Mastodon stand-in or deliveries to the webhook.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

from stoppress.bot.desk import NewsDesk
from stoppress.bot.pacing import RetrySchedule, TokenBucket
from stoppress.bot.runner import Bot
from stoppress.bot.sinks import MastodonSink, Sink, WebhookSink
from stoppress.bot.state import load_state
from stoppress.bot.textlength import PLATFORMS, post_length
from stoppress.shared.client import Stream
from stoppress.shared.reconnect import Backoff
from tests.integration.bot.conftest import TOKEN
from tests.integration.bot.standins import Failure, MastodonStandIn, WebhookReceiver
from tests.integration.push.harness import GatewayProcess, TickerStandIn, Topics, story

LONG_HEADLINE = "Minister says " + "very " * 56 + "much"
FAST_RETRIES = RetrySchedule(max_attempts=5, backoff=Backoff(base=0.05, cap=0.2))


class RunningBot:
    """A :class:`Bot` wired like ``stoppress bot``, run as a task of the test's loop."""

    def __init__(self, gateway: GatewayProcess, sink: Sink, state_file: Path, *, rate: float = 50.0, burst: int = 10):
        state = load_state(state_file)
        stream = Stream(gateway.ws_url, cursor=state.cursor, resync="silent", backoff=Backoff(base=0.1, cap=0.5))
        self.bot = Bot(
            stream,
            NewsDesk(state, "breaking"),
            sink,
            state_file,
            bucket=TokenBucket(rate, burst, time.monotonic()),
            retries=FAST_RETRIES,
        )
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Bot:
        self._task = asyncio.create_task(self.bot.run())
        return self.bot

    async def __aexit__(self, *exc: object) -> None:
        await self.bot.stop()
        assert self._task is not None
        async with asyncio.timeout(15):
            await self._task


async def eventually(server: MastodonStandIn | WebhookReceiver, condition: Callable[[], bool]) -> None:
    """Wait (at most 15 s) until ``condition`` holds, re-checking whenever ``server`` records something."""
    async with asyncio.timeout(15):
        while not condition():
            server.changed.clear()
            await server.changed.wait()


async def test_posts_each_story_once_corrects_and_retracts_in_replies_and_remembers_across_restarts(
    *,
    kafka: Any,
    topics: Topics,
    gateway: GatewayProcess,
    mastodon: MastodonStandIn,
    http: aiohttp.ClientSession,
    tmp_path: Path,
) -> None:
    state_file = tmp_path / "bot.json"
    sink = MastodonSink(http, mastodon.base_url, TOKEN)
    async with TickerStandIn(kafka.bootstrap, topics) as ticker:
        await ticker.publish(story("quake", level="flash", headline="Earthquake of magnitude 7 hits Tokyo"))
        await ticker.publish(story("council", level="urgent", headline="Council approves new bus lanes"))
        async with RunningBot(gateway, sink, state_file):
            await eventually(mastodon, lambda: len(mastodon.statuses) == 1)
            await ticker.publish(story("fire", level="breaking", headline="Two dead in Leeds warehouse fire"))
            await eventually(mastodon, lambda: len(mastodon.statuses) == 2)
            await ticker.publish(story("quake", 2, level="flash", headline="Earthquake of magnitude 7 hits Tokyo."))
            await ticker.publish(story("fire", 2, level="breaking", headline="Three dead in Leeds warehouse fire"))
            await ticker.publish(story("quake", 3, level="flash"), kind="story.retract")
            await ticker.publish(story("long", level="breaking", headline=LONG_HEADLINE))
            await eventually(mastodon, lambda: len(mastodon.statuses) == 5)
        await ticker.publish(story("storm", level="breaking", headline="Storm closes Channel ports"))
        async with RunningBot(gateway, sink, state_file):
            await eventually(mastodon, lambda: len(mastodon.statuses) == 6)
            await asyncio.sleep(1.0)

    by_text = {s["content"].split("\n")[0]: s for s in mastodon.statuses}
    quake = by_text["FLASH: Earthquake of magnitude 7 hits Tokyo"]
    fire = by_text["BREAKING: Two dead in Leeds warehouse fire"]
    assert by_text["CORRECTION — BREAKING: Three dead in Leeds warehouse fire"]["in_reply_to_id"] == fire["id"]
    retraction = by_text["RETRACTED: Earthquake of magnitude 7 hits Tokyo — this story has been withdrawn"]
    assert retraction["in_reply_to_id"] == quake["id"]
    assert "BREAKING: Storm closes Channel ports" in by_text
    assert by_text[f"BREAKING: {LONG_HEADLINE}"], "a 300-character headline fits Mastodon whole"
    assert len(mastodon.statuses) == 6, "nothing posted twice, nothing about the urgent council story"
    state = load_state(state_file)
    assert state.outbox == [] and state.cursor is not None
    assert state.ledger["quake"].retracted


async def test_an_editors_kill_deletes_every_status_and_a_merge_posts_nothing(
    *,
    kafka: Any,
    topics: Topics,
    gateway: GatewayProcess,
    mastodon: MastodonStandIn,
    http: aiohttp.ClientSession,
    tmp_path: Path,
) -> None:
    state_file = tmp_path / "bot.json"
    sink = MastodonSink(http, mastodon.base_url, TOKEN)
    async with TickerStandIn(kafka.bootstrap, topics) as ticker, RunningBot(gateway, sink, state_file):
        await ticker.publish(story("quake", level="flash", headline="Earthquake of magnitude 7 hits Tokyo"))
        await eventually(mastodon, lambda: len(mastodon.statuses) == 1)
        await ticker.publish(story("quake", 2, level="flash", headline="Earthquake of magnitude 8 hits Tokyo"))
        await ticker.publish(story("fire", level="breaking", headline="Two dead in Leeds warehouse fire"))
        await eventually(mastodon, lambda: len(mastodon.statuses) == 3)
        quake, correction, fire = (s["id"] for s in mastodon.statuses)
        mastodon.failures.append(Failure(503))
        await ticker.publish(story("quake", 3, level="flash"), kind="story.retract", reason="killed")
        await ticker.publish(story("fire", 2, level="breaking"), kind="story.retract", reason="merged",
                             merged_into="blaze")
        await ticker.publish(story("blaze", level="breaking", headline="Leeds warehouse fire: two dead"))
        await eventually(mastodon, lambda: len(mastodon.deleted) == 2 and len(mastodon.statuses) == 2)
        await ticker.publish(story("blaze", 2, level="breaking"), kind="story.retract", reason="killed")
        await eventually(mastodon, lambda: mastodon.statuses == [])

    blaze = mastodon.deleted[-1]["id"]
    assert mastodon.deleted[-1]["content"] == "BREAKING: Leeds warehouse fire: two dead\nhttps://news.example/blaze"
    assert [status_id for status_id, _ in mastodon.deletions] == [correction, correction, quake, fire, blaze]
    assert [answer for _, answer in mastodon.deletions] == [503, 200, 200, 200, 200], "a 503 is retried"
    assert len(mastodon.requests) == 4, "nothing posted about the kills or the merge: no retraction"
    state = load_state(state_file)
    assert state.ledger == {} and state.outbox == []


async def test_posts_wait_for_the_rate_limit_and_retry_after_5xx_and_429_honouring_retry_after(
    *,
    kafka: Any,
    topics: Topics,
    gateway: GatewayProcess,
    mastodon: MastodonStandIn,
    http: aiohttp.ClientSession,
    tmp_path: Path,
) -> None:
    mastodon.failures.extend([Failure(503), Failure(429, {"Retry-After": "1"})])
    async with TickerStandIn(kafka.bootstrap, topics) as ticker:
        for n in range(3):
            await ticker.publish(story(f"s{n}", level="breaking", headline=f"Story number {n} breaks"))
        sink = MastodonSink(http, mastodon.base_url, TOKEN)
        started = time.monotonic()
        async with RunningBot(gateway, sink, tmp_path / "bot.json", rate=2.0, burst=1):
            await eventually(mastodon, lambda: len(mastodon.statuses) == 3)
    answered = [status for _, status in mastodon.requests]
    assert answered == [503, 429, 200, 200, 200]
    times = [at for at, _ in mastodon.requests]
    assert times[2] - times[1] >= 1.0, "waited as long as Retry-After said"
    # The bucket (burst 1, 2 posts/s) refilled during that second, so the next post went at once; then it paces.
    assert times[4] - times[3] >= 0.45, "one post per 0.5 s once the burst is spent"
    assert sorted(s["content"].split("\n")[0] for s in mastodon.statuses) == [
        f"BREAKING: Story number {n} breaks" for n in range(3)
    ]
    assert time.monotonic() - started < 10


async def test_the_webhook_gets_signed_x_sized_posts_with_replies_linked_and_a_kill_as_a_retraction(
    kafka: Any, topics: Topics, gateway: GatewayProcess, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    receiver = WebhookReceiver(b"hook-secret")
    await receiver.start()
    sink = WebhookSink(http, receiver.url, b"hook-secret", PLATFORMS["x"])
    try:
        async with TickerStandIn(kafka.bootstrap, topics) as ticker, RunningBot(gateway, sink, tmp_path / "b.json"):
            await ticker.publish(story("tokyo", level="flash", headline=("東京で大地震 " * 30).strip()))
            await eventually(receiver, lambda: len(receiver.deliveries) == 1)
            await ticker.publish(story("tokyo", 2, level="flash"), kind="story.retract")
            await ticker.publish(story("rumour", level="breaking", headline="Minister to resign, aides say"))
            await eventually(receiver, lambda: len(receiver.deliveries) == 3)
            await ticker.publish(story("rumour", 2, level="breaking"), kind="story.retract", reason="killed")
            await eventually(receiver, lambda: len(receiver.deliveries) == 4)
    finally:
        await receiver.stop()
    first, retraction, rumour, killed = receiver.deliveries
    assert post_length(first["text"], PLATFORMS["x"]) <= 280
    assert first["text"].startswith("FLASH: 東京で大地震") and first["text"].endswith("…\nhttps://news.example/tokyo")
    assert (retraction["kind"], retraction["reason"], retraction["in_reply_to"]) == ("retraction", None, first["id"])
    assert (killed["kind"], killed["reason"], killed["take_back"]) == ("retraction", "killed", [rumour["id"]])
    assert killed["text"] == "WITHDRAWN: Minister to resign, aides say — the editors have taken this story down"
    assert receiver.rejected == 0
