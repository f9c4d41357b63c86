"""The settings base every service extends (one ``pydantic-settings`` class per service).

Each service defines its own subclass with its own env prefix
(``STOPPRESS_INGEST_``, ``STOPPRESS_TICKER_``, ``STOPPRESS_PUSH_``), builds it
once at start-up and passes it down; nothing else reads the environment. The
broker address and log format are shared by all services, so they are read
from unprefixed names (``STOPPRESS_KAFKA_BOOTSTRAP``, ``STOPPRESS_LOG_FORMAT``)
as well as the service's own prefix.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from stoppress.shared.eventloop import DEFAULT_EVENT_LOOP, EventLoopKind

DEFAULT_BOOTSTRAP = "127.0.0.1:9092"


class ServiceSettings(BaseSettings):
    """What every service needs: where Kafka is and how to log."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    kafka_bootstrap: str = Field(
        DEFAULT_BOOTSTRAP,
        validation_alias=AliasChoices("kafka_bootstrap", "STOPPRESS_KAFKA_BOOTSTRAP"),
        description="Comma-separated host:port list of Kafka brokers",
    )
    log_format: Literal["text", "json"] = Field(
        "text",
        validation_alias=AliasChoices("log_format", "STOPPRESS_LOG_FORMAT"),
        description="'text' for a terminal, 'json' for production log shipping",
    )
    log_level: str = Field("INFO", validation_alias=AliasChoices("log_level", "STOPPRESS_LOG_LEVEL"))
    event_loop: EventLoopKind = Field(
        DEFAULT_EVENT_LOOP,
        validation_alias=AliasChoices("event_loop", "STOPPRESS_EVENT_LOOP"),
        description="'uvloop' (default) or 'asyncio': the event loop the service runs on (stoppress.shared.eventloop)",
    )
