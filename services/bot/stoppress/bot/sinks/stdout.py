"""Posts printed to a text stream (stdout by default): for trying the bot out and for logs."""

from __future__ import annotations

import sys
from typing import TextIO

from stoppress.bot.sinks.base import OutgoingPost
from stoppress.bot.textlength import PLATFORMS, Platform


class StdoutSink:
    """Prints each post followed by a blank line; a reply names the post it answers."""

    name = "stdout"

    def __init__(self, platform: Platform = PLATFORMS["mastodon"], out: TextIO | None = None) -> None:
        self.platform = platform
        self._out = out

    async def publish(self, post: OutgoingPost) -> str:
        """Print the post; its id is its idempotency key."""
        out = self._out or sys.stdout
        reply = f"↳ reply to {post.in_reply_to}\n" if post.in_reply_to else ""
        out.write(f"{reply}{post.text}\n\n")
        out.flush()
        return post.idempotency_key
