"""Posts printed to a text stream (stdout by default): for trying the bot out and for logs."""

from __future__ import annotations

import sys
from typing import TextIO

from stoppress.bot.sinks.base import OutgoingPost
from stoppress.bot.textlength import PLATFORMS, Platform


class StdoutSink:
    """Prints each post followed by a blank line; a reply names the post it answers, a take-back what it withdraws."""

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

    async def take_back(self, post: OutgoingPost) -> None:
        """Print which posts are withdrawn, then the notice (a terminal cannot unprint)."""
        out = self._out or sys.stdout
        out.write(f"✗ take back {', '.join(post.take_back)}\n{post.text}\n\n")
        out.flush()
