"""The bot's settings (env prefix ``STOPPRESS_BOT_``), built once at start-up.

Secrets (the webhook's shared secret, the Mastodon token, a gateway token)
come only from the environment, never from the command line, where any user
of the machine could read them in the process list.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from stoppress.bot.sinks.mastodon import Visibility
from stoppress.bot.textlength import PlatformName
from stoppress.shared.models import Level
from stoppress.shared.settings import ServiceSettings

SinkKind = Literal["stdout", "webhook", "mastodon"]
DEFAULT_PLATFORM: dict[SinkKind, PlatformName] = {"stdout": "mastodon", "webhook": "x", "mastodon": "mastodon"}
"""A webhook's downstream is unknown, so its posts fit the strictest limit unless told otherwise."""


class BotSettings(ServiceSettings):
    """Where to listen, what to post, where to post it, and how fast."""

    model_config = SettingsConfigDict(env_prefix="STOPPRESS_BOT_", extra="ignore", frozen=True)

    url: str = Field("ws://127.0.0.1:8080/v1/ws", description="The push gateway's WebSocket endpoint")
    gateway_token: SecretStr | None = Field(None, description="Signed token, only for restricted channels")
    min_level: Level = Field("breaking", description="Post stories at or above this level")
    sink: SinkKind = "stdout"
    sink_url: str | None = Field(None, description="Webhook URL, or the Mastodon instance's base URL")
    platform: PlatformName | None = Field(None, description="Length rules to fit posts to (default: by sink)")
    webhook_secret: SecretStr | None = None
    mastodon_token: SecretStr | None = None
    mastodon_visibility: Visibility = "public"
    state_file: Path = Field(Path("stoppress-bot.json"), description="Where the bot remembers what it posted")
    posts_per_minute: float = Field(2.0, gt=0, description="Long-run posting rate (posts/min)")
    burst: int = Field(5, ge=1, description="Posts that may go out at once before the rate applies")
    max_attempts: int = Field(8, ge=1, description="Tries per post on 5xx, 429 or network errors")

    @model_validator(mode="after")
    def _sink_is_complete(self) -> BotSettings:
        if self.sink != "stdout" and not self.sink_url:
            raise ValueError(f"the {self.sink} sink needs a URL (STOPPRESS_BOT_SINK_URL or --sink {self.sink} URL)")
        if self.sink == "webhook" and not self.webhook_secret:
            raise ValueError("the webhook sink needs a shared secret in STOPPRESS_BOT_WEBHOOK_SECRET")
        if self.sink == "mastodon" and not self.mastodon_token:
            raise ValueError("the mastodon sink needs an access token in STOPPRESS_BOT_MASTODON_TOKEN")
        return self

    @property
    def platform_name(self) -> PlatformName:
        """The length rules posts are fitted to."""
        return self.platform or DEFAULT_PLATFORM[self.sink]
