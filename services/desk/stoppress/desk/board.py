"""What the desk service knows: every live story as editors see it, and the audit log. Pure.

Fed from three topics (:mod:`stoppress.desk.feed`): ``desk.stories``
(compacted: the latest :class:`DeskStory` of each live story, a tombstone
when it ends), ``desk.commands`` and ``desk.outcomes`` (together, the audit
log: who asked for what, when and why, and what the ticker did). The log
keeps the most recent ``log_entries`` commands in memory, in the order of
``desk.commands``; the topics keep them all.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from stoppress.shared.models import LEVELS, DeskCommand, DeskOutcome, DeskStory

__all__ = ["Board", "LogEntry", "board_order"]

_LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}
_STATE_RANK = {"shown": 0, "killed": 1, "hidden": 2, "withdrawn": 3}


def board_order(story: DeskStory) -> tuple[float, int, int, float, float]:
    """How the console lists stories: pinned first (latest pin first), then as the ticker ranks them
    (level, score), shown before killed before hidden, newest first."""
    pin = story.overrides.pin
    return (
        -pin.at.timestamp() if pin is not None else 0.0,
        _LEVEL_RANK[story.level],
        _STATE_RANK[story.state],
        -story.score,
        -story.updated_at.timestamp(),
    )


@dataclass
class LogEntry:
    """One command of the audit log and, once the ticker has decided, its outcome."""

    command: DeskCommand
    outcome: DeskOutcome | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "command": self.command.model_dump(mode="json"),
            "outcome": None if self.outcome is None else self.outcome.model_dump(mode="json"),
        }


class Board:
    """Live stories by id, and the recent audit log by command id."""

    def __init__(self, log_entries: int = 20_000) -> None:
        self.stories: dict[str, DeskStory] = {}
        self._log: OrderedDict[str, LogEntry] = OrderedDict()
        self._early: dict[str, DeskOutcome] = {}
        """Outcomes read before their command (the two topics are read side by side)."""
        self._max_entries = log_entries

    def apply_story(self, story_id: str, story: DeskStory | None) -> bool:
        """Take the latest view of ``story_id`` (``None``: it ended); return whether anything changed."""
        if story is None:
            return self.stories.pop(story_id, None) is not None
        current = self.stories.get(story_id)
        if current is not None and current.updated_at > story.updated_at:
            return False
        self.stories[story_id] = story
        return True

    def apply_command(self, command: DeskCommand) -> LogEntry:
        """Log a command (a retried id keeps its first entry)."""
        entry = self._log.get(command.command_id)
        if entry is None:
            entry = LogEntry(command, self._early.pop(command.command_id, None))
            self._log[command.command_id] = entry
            while len(self._log) > self._max_entries:
                self._log.popitem(last=False)
        return entry

    def apply_outcome(self, outcome: DeskOutcome) -> LogEntry | None:
        """Record what the ticker did with a command; its first outcome stays (a repeat changes nothing)."""
        entry = self._log.get(outcome.command_id)
        if entry is None:
            if len(self._early) < self._max_entries:
                self._early.setdefault(outcome.command_id, outcome)
            return None
        if entry.outcome is None or (entry.outcome.repeat and not outcome.repeat):
            entry.outcome = outcome
        return entry

    def outcome(self, command_id: str) -> DeskOutcome | None:
        """The decided outcome of ``command_id``, if this service has seen it."""
        entry = self._log.get(command_id)
        return None if entry is None else entry.outcome

    def listing(self, states: Iterable[str] = (), levels: Iterable[str] = (), limit: int = 500) -> list[DeskStory]:
        """Up to ``limit`` stories in console order, only of the given states and levels (empty: all)."""
        wanted_states, wanted_levels = set(states), set(levels)
        chosen = [
            story for story in self.stories.values()
            if (not wanted_states or story.state in wanted_states)
            and (not wanted_levels or story.level in wanted_levels)
        ]  # fmt: skip
        chosen.sort(key=board_order)
        return chosen[:limit]

    def entries(self, story_id: str | None = None, editor: str | None = None, limit: int = 100) -> list[LogEntry]:
        """The newest ``limit`` log entries, newest first, about ``story_id`` and by ``editor`` if given."""
        found: list[LogEntry] = []
        for entry in reversed(self._log.values()):
            command = entry.command
            if story_id is not None and story_id not in (command.story_id, command.into):
                continue
            if editor is not None and command.editor != editor:
                continue
            found.append(entry)
            if len(found) >= limit:
                break
        return found
