"""When a story change becomes a ticker event: new, update, retract, expire.

- ``story.new``: the story has something showable (a visible lead) and the
  ticker is not showing it.
- ``story.update``: the ticker shows it and its lead item (id or version),
  level, score band, number of independent sources or what an editor set
  (headline, URL, pin) changed. At most one update per story per
  ``update_interval_s``: later changes wait and are folded into one update
  when the interval has passed, so a busy story cannot flood the ticker. A
  rising level is never held back (that is the news), nor is a change an
  editor makes (they expect to see it at once).
- ``story.retract``: the ticker shows it and nothing showable is left (its
  only item was canceled or withheld) or its lead item was canceled.
  Retractions are never held back.
- ``story.expire``: ``story_window_s`` after the story's last activity (the
  same window within which clustering may still add to it).

Times are POSIX seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from stoppress.shared.models import EventType, Level
from stoppress.ticker.levels import rank

__all__ = ["Decision", "LifecyclePolicy", "Snapshot", "decide", "expires_at"]


@dataclass(frozen=True)
class LifecyclePolicy:
    """Rate limit, lifetime and review period of stories (s)."""

    update_interval_s: float = 30.0
    story_window_s: float = 48 * 3600
    review_interval_s: float = 60.0
    """How often a quiet story is re-scored, so a band falling with age is published."""


@dataclass(frozen=True)
class Snapshot:
    """The facts about a story whose change is worth an update.

    ``display`` is what an editor may set: (headline, URL, pin time or ``None``).
    """

    lead_id: str
    lead_version: int
    level: Level
    band: int
    sources: int
    display: tuple[str, str | None, datetime | None]


@dataclass(frozen=True)
class Decision:
    """What to publish now (``event``), and when to look again if an update was held back (``retry_at``)."""

    event: EventType | None = None
    retry_at: float | None = None


def decide(
    shown: Snapshot | None,
    current: Snapshot | None,
    last_emitted_at: float | None,
    now: float,
    policy: LifecyclePolicy,
    *,
    immediate: bool = False,
) -> Decision:
    """Compare what the ticker shows (``shown``) with what it should show (``current``; ``None``: nothing).

    ``immediate``: an editor caused this change, so it is not held back.
    """
    if shown is None:
        return Decision("story.new") if current is not None else Decision()
    if current is None:
        return Decision("story.retract")
    if current == shown:
        return Decision()
    if immediate or rank(current.level) < rank(shown.level):
        return Decision("story.update")
    if last_emitted_at is None or now >= last_emitted_at + policy.update_interval_s:
        return Decision("story.update")
    return Decision(retry_at=last_emitted_at + policy.update_interval_s)


def expires_at(last_activity: float, policy: LifecyclePolicy) -> float:
    """When (s) a story whose last activity was at ``last_activity`` expires."""
    return last_activity + policy.story_window_s
