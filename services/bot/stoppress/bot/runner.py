"""The bot at work: read the stream, decide, pace, post, remember (the asyncio edge).

Two tasks share one :class:`~stoppress.bot.desk.NewsDesk`. The reader feeds
every stream message to the desk and saves the state (so the cursor and any
newly queued post survive a crash). The writer takes the next queued post,
waits for the token bucket, sends it with retries, records the platform's
id and saves again. A take-back (an editor killed a story) does not wait for
the bucket: it posts nothing new, and a kill should reach the audience
first. All decisions are the desk's; this module only moves bytes and time.

The bot subscribes to the whole stream, not a level filter, because it must
also see retractions and corrections of stories whose level has dropped
below its minimum since they were posted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from stoppress.bot.desk import NewsDesk
from stoppress.bot.formatting import compose_post
from stoppress.bot.pacing import RetrySchedule, TokenBucket
from stoppress.bot.sinks.base import OutgoingPost, Sink, SinkError
from stoppress.bot.state import QueuedPost, save_state
from stoppress.shared.client import Stream

log = logging.getLogger(__name__)

SHUTDOWN_GRACE = 10.0
"""Seconds a post already being sent may take to finish when the bot is asked to stop."""


class Bot:
    """Posts what ``desk`` decides to ``sink``, paced by ``bucket``, persisting to ``state_path``."""

    def __init__(
        self,
        stream: Stream,
        desk: NewsDesk,
        sink: Sink,
        state_path: Path,
        *,
        bucket: TokenBucket,
        retries: RetrySchedule | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        uniform01: Callable[[], float] = random.random,
    ) -> None:
        self.stream = stream
        self.desk = desk
        self.sink = sink
        self.state_path = state_path
        self.bucket = bucket
        self.retries = retries or RetrySchedule()
        self._now = now
        self._uniform01 = uniform01
        self._work = asyncio.Event()
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Run until :meth:`stop` or a stream error (which is raised after a clean shutdown)."""
        if self.desk.outbox.posts:
            self._work.set()
        reader = asyncio.create_task(self._read(), name="bot-reader")
        writer = asyncio.create_task(self._write(), name="bot-writer")
        try:
            await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._stopping.set()
            self._work.set()
            await self.stream.close()
            await asyncio.wait({writer}, timeout=SHUTDOWN_GRACE)
            for task in (reader, writer):
                task.cancel()
            results = await asyncio.gather(reader, writer, return_exceptions=True)
            self._save()
        for result in results:
            if isinstance(result, Exception):
                raise result

    async def stop(self) -> None:
        """Ask the bot to finish: stop reading, let a post in flight complete, save."""
        self._stopping.set()
        self._work.set()
        await self.stream.close()

    async def _read(self) -> None:
        async for message in self.stream:
            self.desk.on_message(message, self._now())
            self._save()
            if self.desk.outbox.posts:
                self._work.set()

    async def _write(self) -> None:
        while not self._stopping.is_set():
            post = self.desk.next_post()
            if post is None:
                self._work.clear()
                await self._work.wait()
                continue
            if not self.desk.should_send(post):
                log.info("skipping %s: nothing about the story went out", post.kind, extra=_ids(post))
                self.desk.gave_up()
            elif post.kind != "takeback" and await self._pause(self.bucket.reserve(time.monotonic())):
                return
            else:
                await self._send(post)
            self._save()

    async def _send(self, post: QueuedPost) -> None:
        outgoing = OutgoingPost(
            text=compose_post(post.story, post.kind, self.sink.platform),
            kind=post.kind,
            story=post.story,
            in_reply_to=self.desk.reply_target(post),
            idempotency_key=post.idempotency_key,
            take_back=tuple(post.take_back),
        )
        failures = 0
        while True:
            try:
                post_id = await self._deliver(outgoing)
            except SinkError as exc:
                failures += 1
                delay = self.retries.delay(failures, exc.retry_after, self._uniform01) if exc.retryable else None
                if delay is None:
                    log.error("giving up on %s post: %s", post.kind, exc, extra={**_ids(post), "tries": failures})
                    self.desk.gave_up()
                    return
                log.warning("%s post failed (%s); retrying in %.1f s", post.kind, exc, delay, extra=_ids(post))
                if await self._pause(delay):
                    return
                continue
            if post_id is None:
                log.info("took back %d post(s) on %s", len(post.take_back), self.sink.name, extra=_ids(post))
            else:
                log.info("posted %s to %s", post.kind, self.sink.name, extra={**_ids(post), "post_id": post_id})
            self.desk.sent(post_id)
            return

    async def _deliver(self, outgoing: OutgoingPost) -> str | None:
        """Publish a post (its platform id) or carry out a take-back (``None``: it makes no post)."""
        if outgoing.kind == "takeback":
            await self.sink.take_back(outgoing)
            return None
        return await self.sink.publish(outgoing)

    async def _pause(self, seconds: float) -> bool:
        """Sleep ``seconds`` unless asked to stop first; True if stopping."""
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), seconds)
        return self._stopping.is_set()

    def _save(self) -> None:
        save_state(self.state_path, self.desk.state)


def _ids(post: QueuedPost) -> dict[str, object]:
    return {"story_id": post.story.story_id, "revision": post.story.revision}
