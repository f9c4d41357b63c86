"""What a feed poller remembers and decides, as pure values and functions.

:class:`FeedState` is everything that must survive a restart: the
validators for the next conditional GET (``ETag``, ``Last-Modified``), the
count of consecutive failures (which drives the backoff), and per entry
guid the version last published and the entry's change time. The
transitions return a new state; nothing here does I/O or reads a clock.

The validators are only moved forward once every entry of a fetched
document has been published or refused for its content: if the broker was
down, the next poll fetches the document again instead of being told
"304 Not Modified" about entries that never reached the broker.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

MAX_BACKOFF_EXPONENT = 16
_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class SeenItem:
    """The version last published for one guid and when the entry said it changed."""

    version: int
    changed_at: datetime | None


@dataclass(frozen=True)
class FeedState:
    """What one feed's poller remembers between polls and across restarts."""

    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0
    items: Mapping[str, SeenItem] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "etag": self.etag,
            "last_modified": self.last_modified,
            "failures": self.failures,
            "items": {
                guid: {"version": seen.version, "changed_at": seen.changed_at.isoformat() if seen.changed_at else None}
                for guid, seen in self.items.items()
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FeedState:
        items = {
            str(guid): SeenItem(int(seen["version"]), _parse_time(seen.get("changed_at")))
            for guid, seen in dict(data.get("items") or {}).items()
        }
        return cls(data.get("etag"), data.get("last_modified"), int(data.get("failures", 0)), items)


def _parse_time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def version_to_publish(seen: SeenItem | None, changed_at: datetime | None) -> int | None:
    """The version to publish for an entry, or ``None`` when it was already published as it is.

    A new guid is version 1; an entry whose change time is newer than the
    one remembered is the next version; anything else is a repeat.
    """
    if seen is None:
        return 1
    if changed_at is not None and (seen.changed_at is None or changed_at > seen.changed_at):
        return seen.version + 1
    return None


def remember(state: FeedState, guid: str, version: int, changed_at: datetime | None) -> FeedState:
    """The state once ``guid`` was handled at ``version`` (published, or refused for its content)."""
    return replace(state, items={**state.items, guid: SeenItem(version, changed_at)})


def after_document(
    state: FeedState, etag: str | None, last_modified: str | None, current_guids: Iterable[str], keep: int
) -> FeedState:
    """The state after every entry of a fetched document was handled.

    Moves the conditional-GET validators forward, clears the failure count,
    and forgets the oldest guids that are no longer in the document once
    more than ``keep`` are remembered.
    """
    current = set(current_guids)
    items = dict(state.items)
    if len(items) > keep:
        gone = [guid for guid in items if guid not in current]
        gone.sort(key=lambda guid: items[guid].changed_at or _NEVER)
        for guid in gone[: len(items) - keep]:
            del items[guid]
    return FeedState(etag, last_modified, 0, items)


def after_not_modified(state: FeedState) -> FeedState:
    """A 304: nothing new, and the feed is healthy."""
    return replace(state, failures=0)


def after_failure(state: FeedState) -> FeedState:
    """A failed fetch or unreadable document: one more consecutive failure."""
    return replace(state, failures=state.failures + 1)


def next_delay_s(failures: int, interval_s: float, cap_s: float, jitter: float) -> float:
    """Seconds until the next poll.

    Healthy: ``interval_s``. After ``n`` consecutive failures:
    ``min(cap_s, interval_s * 2**n)`` scaled by ``0.5 + jitter / 2`` ("equal
    jitter", with ``jitter`` uniform in [0, 1)), so a fleet of pollers that
    failed together does not retry together, and no wait is shorter than
    half the exponential step.
    """
    if failures <= 0:
        return interval_s
    step = min(cap_s, interval_s * float(2 ** min(failures, MAX_BACKOFF_EXPONENT)))
    return max(interval_s / 2, step * (0.5 + jitter / 2))
