"""The ingest service's settings: built once at start-up from ``STOPPRESS_INGEST_*`` and passed down.

Nothing else in the package reads the environment. Sources and their keys
come from ``sources_file`` (TOML or JSON), ``sources_json`` (the same
structure inline, handy in containers) and ``demo_key`` (the local stack's
``demo`` source); see ``docs/ingest.md``.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from stoppress.shared.settings import ServiceSettings


def _default_instance() -> str:
    return f"ingest-{socket.gethostname()}-{os.getpid()}"


class IngestSettings(ServiceSettings):
    """Everything the ingest service can be told; every limit has a unit in its name."""

    model_config = SettingsConfigDict(env_prefix="STOPPRESS_INGEST_", extra="ignore", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(8081, ge=0, le=65535)
    instance: str = Field(default_factory=_default_instance, description="Name of this replica in ops.metrics")

    sources_file: Path | None = Field(None, description="TOML or JSON file of sources, key hashes and feeds")
    sources_json: str | None = Field(None, description="The same structure as sources_file, inline")
    demo_key: str | None = Field(
        None,
        validation_alias=AliasChoices("demo_key", "STOPPRESS_INGEST_DEMO_KEY", "STOPPRESS_DEMO_KEY"),
        description="When set, a relay source 'demo' (authority 0.5) with this API key exists",
    )
    state_dir: Path = Field(Path("var/ingest"), description="Where feed polling remembers what it already sent")

    max_body_bytes: int = Field(1024 * 1024, ge=1024, description="Largest accepted request body (bytes)")
    max_batch_items: int = Field(1000, ge=1, description="Most items in one batch request")
    rate_per_s: float = Field(50.0, gt=0, description="Default sustained requests per second per API key")
    rate_burst: int = Field(100, ge=1, description="Default burst of requests per API key")
    future_tolerance_s: float = Field(300.0, ge=0, description="How far in the future a timestamp may be (s)")

    ack_timeout_s: float = Field(3.0, gt=0, description="Longest wait for the broker's ack before answering 503 (s)")
    retry_after_s: int = Field(2, ge=1, description="Retry-After sent with 503 while the broker is unreachable (s)")
    metrics_interval_s: float = Field(2.0, gt=0, description="Period of snapshots on ops.metrics (s)")

    feeds_enabled: bool = Field(True, description="Poll the feeds configured in the sources")
    feed_backoff_cap_s: float = Field(3600.0, gt=0, description="Longest wait between polls of a failing feed (s)")
    feed_remembered_items: int = Field(2000, ge=10, description="Items per feed remembered to avoid republishing")
