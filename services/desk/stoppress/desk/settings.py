"""DeskSettings: every knob of the editor's desk service, from ``STOPPRESS_DESK_*`` environment variables.

Built once at start-up and passed down; nothing else reads the environment.
Editors and their keys come from ``editors_file`` (TOML or JSON),
``editors_json`` (the same structure inline) and ``demo_editor_key`` (the
local stack's ``demo-editor``); see ``docs/desk.md``.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from stoppress.shared.settings import ServiceSettings
from stoppress.shared.topics import DESK_COMMANDS, DESK_OUTCOMES, DESK_STORIES

STATIC_DIR = Path(__file__).parent / "static"


def _default_instance() -> str:
    return f"desk-{socket.gethostname()}-{os.getpid()}"


class DeskSettings(ServiceSettings):
    """The desk service's configuration (env prefix ``STOPPRESS_DESK_``)."""

    model_config = SettingsConfigDict(env_prefix="STOPPRESS_DESK_", extra="ignore", frozen=True)

    host: str = Field("127.0.0.1", description="Address to listen on (keep it inside the newsroom's network)")
    port: int = Field(8082, ge=0, le=65535, description="Port of the console, the command API and its stream")
    instance: str = Field(default_factory=_default_instance, description="Name of this replica in ops.metrics")

    editors_file: Path | None = Field(None, description="TOML or JSON file of editors and their key hashes")
    editors_json: str | None = Field(None, description="The same structure as editors_file, inline")
    demo_editor_key: str | None = Field(
        None,
        validation_alias=AliasChoices("demo_editor_key", "STOPPRESS_DESK_DEMO_EDITOR_KEY", "STOPPRESS_DEMO_EDITOR_KEY"),
        description="When set, an editor 'demo-editor' with this key exists",
    )

    commands_topic: str = DESK_COMMANDS
    outcomes_topic: str = DESK_OUTCOMES
    stories_topic: str = DESK_STORIES

    answer_timeout_s: float = Field(
        2.0, gt=0, description="Longest a command request waits for the ticker's outcome before 503 (s)"
    )
    story_wait_s: float = Field(
        0.5, ge=0, description="How long a command on a story not seen yet waits for it to appear before 404 (s)"
    )
    ack_timeout_s: float = Field(1.5, gt=0, description="Longest wait for the broker's ack of a command (s)")
    retry_after_s: int = Field(2, ge=1, description="Retry-After sent with a 503 (s)")
    commands_per_s: float = Field(2.0, gt=0, description="Sustained commands per second per editor")
    commands_burst: int = Field(20, ge=1, description="Burst of commands per editor")
    reads_per_s: float = Field(20.0, gt=0, description="Sustained reads (lists, log, stream) per second per editor")
    reads_burst: int = Field(100, ge=1, description="Burst of reads per editor")
    max_body_bytes: int = Field(16 * 1024, ge=1024, description="Largest command body (bytes)")
    log_entries: int = Field(20_000, ge=100, description="Most recent audit log entries kept in memory")
    heartbeat_s: float = Field(15.0, gt=0, description="Keep-alive comment interval on the console stream (s)")
    metrics_interval_s: float = Field(2.0, gt=0, description="Period of snapshots on ops.metrics (s)")
    static_dir: Path = STATIC_DIR
