"""What the bot remembers across restarts, and how it is written to disk.

One JSON file holds the stream cursor, the ledger (every story the bot has
announced or is about to, with the ids the platform gave its posts) and the
outbox (posts waiting for the rate limit or a retry, and take-backs waiting
to withdraw posts). It is replaced
atomically — written to a temporary file in the same folder, flushed to disk,
then renamed over the old one — so a crash at any moment leaves either the
old or the new state, never a torn file.

A post that was in flight when the bot died is still in the outbox and is
sent again on restart with the same ``Idempotency-Key``, which lets the
platform (Mastodon keeps keys for an hour) or webhook receiver drop the copy.

Fields are only ever added, with defaults, so a file written by an older bot
loads as it is (``STATE_VERSION`` changes only if that stops being true).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stoppress.bot.formatting import PostKind
from stoppress.shared.codec import describe_validation_error
from stoppress.shared.models import AwareDatetime, Level, StoryView

STATE_VERSION = 1


class StateFileError(Exception):
    """The state file exists but cannot be read as bot state; ``str()`` says why and where."""


class LedgerEntry(BaseModel):
    """One story the bot has announced (or queued): what its audience was last told about it."""

    model_config = ConfigDict(extra="forbid")

    headline: str
    level: Level
    queued_at: AwareDatetime
    post_id: str | None = None
    """The platform's id of the first post, once it is out; replies thread under it."""
    replies: list[str] = Field(default_factory=list)
    """The platform's ids of the replies posted under it (corrections, a retraction), oldest first."""
    corrections: int = 0
    retracted: bool = False
    failed: bool = False
    """The first post was refused for good, so there is nothing to correct or retract."""
    merged_into: str | None = None
    """An editor merged the story into this one: it is no longer followed on its own, but its posts
    are taken back with that story if an editor kills it."""

    @property
    def posts(self) -> list[str]:
        """Every post out about the story, first post first."""
        return ([self.post_id] if self.post_id is not None else []) + self.replies


class QueuedPost(BaseModel):
    """A post waiting to be sent: which story, as what kind, with the story as it is now."""

    model_config = ConfigDict(extra="forbid")

    kind: PostKind
    story: StoryView
    take_back: list[str] = Field(default_factory=list)
    """For a take-back: the platform's ids of the posts to withdraw, in the order they were posted."""
    awaiting: str | None = None
    """For a take-back: the idempotency key of a post about the story that was being sent when an editor
    killed it; once that post is out, its id joins ``take_back``."""

    @property
    def idempotency_key(self) -> str:
        """The same for every attempt at this post, so a receiver can drop repeats."""
        return f"stoppress:{self.story.story_id}:{self.kind}:{self.story.revision}"


class BotState(BaseModel):
    """Everything persisted: stream cursor, ledger by story id, outbox in sending order."""

    model_config = ConfigDict(extra="forbid")

    version: int = STATE_VERSION
    cursor: str | None = None
    ledger: dict[str, LedgerEntry] = Field(default_factory=dict)
    outbox: list[QueuedPost] = Field(default_factory=list)


def load_state(path: Path) -> BotState:
    """The state stored at ``path``, or a fresh one if there is no file yet."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return BotState()
    try:
        state = BotState.model_validate_json(data)
    except ValidationError as exc:
        raise StateFileError(f"{path}: not a valid bot state file ({describe_validation_error(exc)})") from None
    if state.version != STATE_VERSION:
        raise StateFileError(f"{path}: state version {state.version} is not {STATE_VERSION}")
    return state


def save_state(path: Path, state: BotState) -> None:
    """Write ``state`` to ``path`` atomically and durably (temp file, fsync, rename, fsync the folder)."""
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(state.model_dump_json(indent=1).encode())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    folder_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(folder_fd)
    finally:
        os.close(folder_fd)
