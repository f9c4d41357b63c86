"""PushSettings: every knob of the gateway, from ``STOPPRESS_PUSH_*`` environment variables.

Lists (origins, restricted categories) are comma-separated in the
environment, e.g. ``STOPPRESS_PUSH_ALLOWED_ORIGINS=https://news.example,https://m.news.example``.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from stoppress.shared.settings import ServiceSettings
from stoppress.shared.topics import OPS_METRICS, TICKER_EVENTS, TICKER_STORIES

STATIC_DIR = Path(__file__).parent / "static"
DEMO_ORIGINS = ["http://127.0.0.1:8080", "http://localhost:8080"]


def _default_instance() -> str:
    return f"push-{socket.gethostname()}-{os.getpid()}"


class PushSettings(ServiceSettings):
    """The push gateway's configuration (env prefix ``STOPPRESS_PUSH_``)."""

    model_config = SettingsConfigDict(env_prefix="STOPPRESS_PUSH_", extra="ignore", frozen=True)

    host: str = Field("127.0.0.1", description="Address to listen on")
    port: int = Field(8080, ge=0, le=65535, description="Port for WebSocket, SSE, REST, page and widget")
    instance: str = Field(default_factory=_default_instance, description="Name of this replica in metrics")

    events_topic: str = TICKER_EVENTS
    stories_topic: str = TICKER_STORIES
    ops_topic: str = OPS_METRICS

    ring_size: int = Field(10_000, ge=1, description="Events kept in memory for fast resume")
    snapshot_limit: int = Field(500, ge=1, description="Most stories in one snapshot / REST answer")
    heartbeat_s: float = Field(15.0, gt=0, description="App-level ping interval (s)")
    sse_retry_ms: int = Field(2000, ge=100, description="SSE 'retry:' reconnect hint (ms)")
    resume_wait_s: float = Field(5.0, ge=0, description="How long a resume waits for this replica to catch up (s)")

    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEMO_ORIGINS),
        description="Browser origins allowed to connect; the gateway's own origin is always allowed",
    )
    max_connections: int = Field(20_000, ge=1, description="Open WebSocket + SSE connections, in total")
    max_connections_per_address: int = Field(200, ge=1)
    connect_rate_per_address: float = Field(20.0, gt=0, description="New connections per second per address")
    connect_burst_per_address: float = Field(50.0, ge=1)
    trust_forwarded_for: bool = Field(False, description="Take the client address from X-Forwarded-For")
    max_message_bytes: int = Field(4096, ge=256, description="Largest client frame (bigger: close 1009)")
    messages_per_s: float = Field(5.0, gt=0, description="Client messages per second, sustained")
    message_burst: float = Field(20.0, ge=1)
    subscribe_timeout_s: float = Field(10.0, gt=0, description="Deadline for 'subscribe' with ?subscribe=message")
    handshake_timeout_s: float = Field(10.0, gt=0, description="Deadline for a request head after TCP accept")
    queue_max_bytes: int = Field(256 * 1024, ge=1024, description="Per-connection outbound queue (bytes)")
    write_buffer_bytes: int = Field(64 * 1024, ge=1024, description="Socket write buffer before queueing")
    socket_send_buffer_bytes: int | None = Field(
        None, ge=4096, description="SO_SNDBUF per client socket; smaller finds slow consumers sooner (bytes)"
    )
    workers: int = Field(
        1, ge=1, le=64, description="Gateway processes sharing the port (SO_REUSEPORT); each is a full replica"
    )
    reuse_port: bool = Field(False, description="Set SO_REUSEPORT (implied for the processes of workers > 1)")
    listen_backlog: int = Field(4096, ge=16, description="Pending TCP connections (reconnect storms need many)")
    close_timeout_s: float = Field(2.0, gt=0)

    token_secret: SecretStr | None = Field(None, description="HS256 secret for restricted-channel tokens")
    restricted_categories: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["internal", "embargo"])

    static_dir: Path = STATIC_DIR
    metrics_interval_s: float = Field(2.0, gt=0, description="How often a MetricsSnapshot goes to ops.metrics")

    @field_validator("allowed_origins", "restricted_categories", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def restricted(self) -> frozenset[str]:
        """Restricted categories, lower-cased."""
        return frozenset(category.lower() for category in self.restricted_categories)

    def origins(self, bound_port: int) -> frozenset[str]:
        """Allowed origins, including the gateway's own page on ``bound_port``."""
        own = {f"http://127.0.0.1:{bound_port}", f"http://localhost:{bound_port}", f"http://{self.host}:{bound_port}"}
        return frozenset(origin.rstrip("/") for origin in self.allowed_origins) | own
