"""Feed states on disk: one JSON file, rewritten atomically after every poll that changed something.

Atomic (write a temporary file, fsync, rename) so a crash mid-write leaves
the previous state, never a torn one. An unreadable file is set aside
(renamed ``*.corrupt``) rather than silently overwritten, and polling starts
afresh.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from stoppress.ingest.feeds.schedule import FeedState

log = logging.getLogger(__name__)


def feed_state_key(source_slug: str, url: str) -> str:
    """The key of one feed's state: a source may share a feed URL with another and keep its own state."""
    return f"{source_slug} {url}"


class FeedStateStore:
    """All feeds' states, kept in memory and saved to ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._states: dict[str, FeedState] = self._load()

    def get(self, key: str) -> FeedState:
        return self._states.get(key, FeedState())

    def put(self, key: str, state: FeedState) -> None:
        """Remember ``state`` and save every state to disk (only when it changed)."""
        if self._states.get(key) == state:
            return
        self._states[key] = state
        self._save()

    def _load(self) -> dict[str, FeedState]:
        if not self.path.exists():
            return {}
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
            return {key: FeedState.from_json(value) for key, value in document["feeds"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            aside = self.path.with_suffix(self.path.suffix + ".corrupt")
            log.error("feed state %s is unreadable (%s); moved to %s, starting afresh", self.path, exc, aside)
            os.replace(self.path, aside)
            return {}

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        document = {"feeds": {key: state.to_json() for key, state in self._states.items()}}
        temporary = self.path.with_suffix(self.path.suffix + ".tmp")
        with temporary.open("w", encoding="utf-8") as out:
            json.dump(document, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.path)
