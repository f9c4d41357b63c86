"""What an editor has set on a story, and what wins when the editor and the machine disagree.

The rules, in one place (see ``docs/desk.md``, "Who wins"):

- **Kill** wins over everything: a killed story is off the ticker, whatever
  its level, and headlines that join it stay hidden with it until an editor
  restores it (or it expires).
- **Level**: an editor's level replaces the machine's, until it is cleared or
  its ``until`` passes.
- **Hold**: the machine's level is capped at the hold (a story held at
  ``urgent`` is never shown above ``urgent``). A level and a hold that
  contradict each other are refused when set (:mod:`stoppress.ticker.editing`),
  so the two never need arbitrating.
- **Pin**: pinned stories come first on the ticker, the latest pin first;
  the level and score still show as they are.
- **Correction**: the editor's headline (and URL) replaces the lead's, until
  cleared. A later change of lead (another item, or a new version of the
  lead) does *not* overwrite it; the correction is marked ``stale`` so the
  console shows the editor both texts and lets them decide.

An :class:`Overrides` value is immutable; commands make new ones. It lives in
the story's header record (:meth:`to_record`). Times are POSIX seconds (UTC).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from stoppress.shared.models import Level
from stoppress.ticker.levels import rank

__all__ = ["Correction", "LevelMark", "Mark", "Overrides"]


@dataclass(frozen=True)
class Mark:
    """Who set an override, why, when (s) and with which command."""

    editor: str
    reason: str
    at: float
    command_id: str

    def to_record(self) -> dict[str, Any]:
        return {"by": self.editor, "why": self.reason, "at": self.at, "cmd": self.command_id}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Mark:
        return cls(editor=record["by"], reason=record["why"], at=record["at"], command_id=record["cmd"])


@dataclass(frozen=True)
class LevelMark:
    """A level an editor set (or a hold's ceiling), until ``until`` (s) or for good (``None``)."""

    mark: Mark
    level: Level
    until: float | None = None

    def active(self, at: float) -> bool:
        """Whether it still applies at ``at``."""
        return self.until is None or at < self.until

    def to_record(self) -> dict[str, Any]:
        return {**self.mark.to_record(), "level": self.level, "until": self.until}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> LevelMark:
        return cls(Mark.from_record(record), record["level"], record["until"])


@dataclass(frozen=True)
class Correction:
    """The headline and URL an editor shows instead of the lead's; ``lead`` is the lead it corrected."""

    mark: Mark
    headline: str
    url: str | None
    lead: tuple[str, int]
    """(item id, version) of the lead when the correction was made; another lead makes it stale."""

    def stale(self, lead_id: str | None, lead_version: int | None) -> bool:
        """Whether the lead has changed since the correction (the editor should look again)."""
        return lead_id is not None and (lead_id, lead_version) != self.lead

    def to_record(self) -> dict[str, Any]:
        return {**self.mark.to_record(), "text": self.headline, "url": self.url, "lead": list(self.lead)}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Correction:
        lead_id, lead_version = record["lead"]
        return cls(Mark.from_record(record), record["text"], record["url"], (lead_id, lead_version))


@dataclass(frozen=True)
class Overrides:
    """Every override on one story (``None``: not set); see the module docstring for what wins."""

    killed: Mark | None = None
    level: LevelMark | None = None
    hold: LevelMark | None = None
    pin: Mark | None = None
    edit: Correction | None = None

    @property
    def any(self) -> bool:
        """Whether any override is set."""
        return any(value is not None for value in (self.killed, self.level, self.hold, self.pin, self.edit))

    def level_for(self, machine: Level, at: float) -> Level:
        """The level readers get at ``at`` when the machine says ``machine``."""
        if self.level is not None and self.level.active(at):
            return self.level.level
        if self.hold is not None and self.hold.active(at) and rank(machine) < rank(self.hold.level):
            return self.hold.level
        return machine

    def headline_for(self, lead_headline: str, lead_url: str | None) -> tuple[str, str | None]:
        """The headline and URL readers get, given the lead's."""
        if self.edit is None:
            return lead_headline, lead_url
        return self.edit.headline, self.edit.url

    def lapsed(self, at: float) -> Overrides:
        """These overrides without the timed ones that have ended by ``at``."""
        level = self.level if self.level is None or self.level.active(at) else None
        hold = self.hold if self.hold is None or self.hold.active(at) else None
        return self if (level, hold) == (self.level, self.hold) else replace(self, level=level, hold=hold)

    def next_end(self, at: float) -> float | None:
        """When (s) the next timed override ends after ``at``, if any does."""
        ends = [mark.until for mark in (self.level, self.hold) if mark is not None and mark.until is not None]
        return min((end for end in ends if end > at), default=None)

    def to_record(self) -> dict[str, Any] | None:
        """JSON-able form for the story header (``None`` when nothing is set, to keep headers small)."""
        if not self.any:
            return None
        return {
            "kill": None if self.killed is None else self.killed.to_record(),
            "level": None if self.level is None else self.level.to_record(),
            "hold": None if self.hold is None else self.hold.to_record(),
            "pin": None if self.pin is None else self.pin.to_record(),
            "edit": None if self.edit is None else self.edit.to_record(),
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any] | None) -> Overrides:
        """Inverse of :meth:`to_record`."""
        if record is None:
            return cls()
        return cls(
            killed=None if record["kill"] is None else Mark.from_record(record["kill"]),
            level=None if record["level"] is None else LevelMark.from_record(record["level"]),
            hold=None if record["hold"] is None else LevelMark.from_record(record["hold"]),
            pin=None if record["pin"] is None else Mark.from_record(record["pin"]),
            edit=None if record["edit"] is None else Correction.from_record(record["edit"]),
        )
