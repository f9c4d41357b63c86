"""TickerSettings: every knob of the ticker worker, from ``STOPPRESS_TICKER_*`` environment variables.

Built once at start-up (:func:`stoppress.ticker.__main__.main`) and passed
down; nothing else reads the environment. :meth:`TickerSettings.desk_policy`
turns the editorial knobs into the pure core's :class:`DeskPolicy`.
"""

from __future__ import annotations

import os
import socket
from dataclasses import replace
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from stoppress.shared.settings import ServiceSettings
from stoppress.shared.topics import (
    DESK_COMMANDS,
    DESK_OUTCOMES,
    DESK_STORIES,
    HEADLINES_DLQ,
    HEADLINES_RAW,
    TICKER_EVENTS,
    TICKER_STORIES,
)
from stoppress.ticker.authority import AuthorityBook, load_authorities
from stoppress.ticker.policy import DeskPolicy


def _default_instance() -> str:
    return f"ticker-{socket.gethostname()}-{os.getpid()}"


class TickerSettings(ServiceSettings):
    """The ticker worker's configuration (env prefix ``STOPPRESS_TICKER_``)."""

    model_config = SettingsConfigDict(env_prefix="STOPPRESS_TICKER_", extra="ignore", frozen=True)

    app_id: str = Field(
        "stoppress-ticker",
        description="faust app id: the consumer group, and the prefix of the desk and changelog topics",
    )
    instance: str = Field(default_factory=_default_instance, description="Name of this worker in ops.metrics")
    headlines_topic: str = Field(HEADLINES_RAW, description="Where headlines come from")
    events_topic: str = Field(TICKER_EVENTS, description="Where ticker events go")
    stories_topic: str = Field(TICKER_STORIES, description="Where story views go (compacted)")
    dlq_topic: str = Field(HEADLINES_DLQ, description="Where refused records go, with the reason")
    commands_topic: str = Field(DESK_COMMANDS, description="Where editors' commands come from")
    outcomes_topic: str = Field(DESK_OUTCOMES, description="Where the outcome of each command goes")
    desk_stories_topic: str = Field(DESK_STORIES, description="Where what editors see of each story goes (compacted)")
    web_host: str = Field("127.0.0.1", description="Address of /metrics, /healthz and /readyz")
    web_port: int = Field(6066, ge=0, le=65535, description="Port of /metrics, /healthz and /readyz")
    data_dir: Path = Field(Path("var/ticker"), description="faust data directory (table stores)")
    store: str = Field("memory://", description="faust table store; tables are rebuilt from changelogs on start")
    desk_partitions: int = Field(
        6, ge=1, description="Partitions of the desk topic and table changelogs; fixed once state exists"
    )
    replication_factor: int | None = Field(
        None,
        ge=1,
        description="Replication of the topics the worker creates (and faust's own); unset: from the cluster's "
        "size, 3 on three or more brokers, else 1 (stoppress.shared.replication)",
    )
    min_insync_replicas: int | None = Field(
        None, ge=1, description="min.insync.replicas of those topics; unset: one less than the factor, at least 1"
    )
    tick_interval_s: float = Field(1.0, gt=0, description="Clock period: embargo release precision (s)")
    metrics_interval_s: float = Field(2.0, gt=0, description="Period of snapshots on ops.metrics (s)")
    commit_interval_s: float = Field(1.0, gt=0, description="How often consumed offsets are committed (s)")
    session_timeout_s: float = Field(
        10.0,
        ge=6,
        description="How long the group waits for a silent worker (killed, hung) before moving its partitions (s)",
    )

    stall_after_s: float = Field(
        5.0,
        gt=0,
        description="A partition with records waiting that delivers none for this long is resumed (s)",
    )

    sources_file: Path | None = Field(None, description="Ingest's sources file (TOML/JSON), for authorities")
    default_authority: float = Field(0.5, ge=0, le=1, description="Authority of sources not in sources_file")
    story_window_h: float = Field(
        48.0, gt=0, description="Clustering window; a story expires this long after its last item (h)"
    )
    update_interval_s: float = Field(30.0, ge=0, description="Fewest seconds between two updates of one story (s)")
    seen_retention_h: float = Field(168.0, gt=0, description="How long item versions are remembered as seen (h)")

    def desk_policy(self) -> DeskPolicy:
        """The pure core's policy with this worker's editorial knobs applied."""
        policy = DeskPolicy()
        lifecycle = replace(
            policy.lifecycle, story_window_s=self.story_window_h * 3600, update_interval_s=self.update_interval_s
        )
        return replace(policy, lifecycle=lifecycle, seen_retention_s=self.seen_retention_h * 3600)

    def authority_book(self) -> AuthorityBook:
        """Source authorities from ``sources_file`` (if any), with ``default_authority`` for the rest."""
        known = load_authorities(self.sources_file) if self.sources_file is not None else {}
        return AuthorityBook(known, default=self.default_authority)
