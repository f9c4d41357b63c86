"""Builds a running bot from :class:`~stoppress.bot.settings.BotSettings` and runs it until a signal.

Shared by ``python -m stoppress.bot`` and ``stoppress bot``.
"""

from __future__ import annotations

import asyncio
import logging
import signal

import aiohttp

from stoppress.bot.desk import NewsDesk
from stoppress.bot.pacing import RetrySchedule, TokenBucket
from stoppress.bot.runner import Bot
from stoppress.bot.settings import BotSettings
from stoppress.bot.sinks import MastodonSink, Sink, StdoutSink, WebhookSink
from stoppress.bot.state import StateFileError, load_state
from stoppress.bot.textlength import PLATFORMS
from stoppress.shared.client import Stream, StreamError

log = logging.getLogger(__name__)

HTTP_TIMEOUT = aiohttp.ClientTimeout(total=30, connect=10)
"""Seconds a sink request may take in all, and to connect."""


def build_sink(settings: BotSettings, http: aiohttp.ClientSession) -> Sink:
    """The sink the settings name, fitted to the settings' platform rules."""
    platform = PLATFORMS[settings.platform_name]
    if settings.sink == "webhook":
        assert settings.sink_url is not None and settings.webhook_secret is not None  # checked by BotSettings
        return WebhookSink(http, settings.sink_url, settings.webhook_secret.get_secret_value().encode(), platform)
    if settings.sink == "mastodon":
        assert settings.sink_url is not None and settings.mastodon_token is not None  # checked by BotSettings
        token = settings.mastodon_token.get_secret_value()
        return MastodonSink(http, settings.sink_url, token, visibility=settings.mastodon_visibility, platform=platform)
    return StdoutSink(platform)


async def run_bot(settings: BotSettings) -> int:
    """Run the bot until SIGINT/SIGTERM; the exit status (0 clean, 2 refused or unusable state)."""
    try:
        state = load_state(settings.state_file)
    except StateFileError as exc:
        log.error("%s", exc)
        return 2
    token = settings.gateway_token.get_secret_value() if settings.gateway_token else None
    stream = Stream(settings.url, cursor=state.cursor, resync="silent", token=token)
    desk = NewsDesk(state, settings.min_level)
    bucket = TokenBucket(settings.posts_per_minute / 60.0, settings.burst, asyncio.get_running_loop().time())
    async with aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as http:
        bot = Bot(
            stream,
            desk,
            build_sink(settings, http),
            settings.state_file,
            bucket=bucket,
            retries=RetrySchedule(max_attempts=settings.max_attempts),
        )
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, lambda: asyncio.ensure_future(bot.stop()))
        log.info(
            "bot started",
            extra={
                "url": settings.url,
                "sink": settings.sink,
                "min_level": settings.min_level,
                "platform": settings.platform_name,
                "state_file": str(settings.state_file),
            },
        )
        try:
            await bot.run()
        except StreamError as exc:
            log.error("stream failed: %s", exc)
            return 2
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)
    log.info("bot stopped")
    return 0
