"""Where posts go: a generic signed webhook, a Mastodon-compatible API, or stdout.

Every sink implements :class:`stoppress.bot.sinks.base.Sink`; the bot knows
nothing else about them.
"""

from stoppress.bot.sinks.base import OutgoingPost, Sink, SinkError
from stoppress.bot.sinks.mastodon import MastodonSink
from stoppress.bot.sinks.stdout import StdoutSink
from stoppress.bot.sinks.webhook import WebhookSink

__all__ = ["MastodonSink", "OutgoingPost", "Sink", "SinkError", "StdoutSink", "WebhookSink"]
