"""Which editor commands a story takes, and what each does to its overrides.

Pure: a command and the story's current overrides in, new overrides or a
:class:`Refusal` out. Refusals follow HTTP (``docs/desk.md``, "Answers"):

- 409 when the command contradicts the story's state: killing a killed
  story, restoring one that is not killed, pinning a pinned one, setting a
  level above a hold (or a hold below a set level), clearing what is not
  set, acting on a story merged into another;
- 422 when a value cannot apply (a level that ends before it starts).

Every command is judged at the time it was issued (``issued_at``, stamped
by the desk service), so a replay after a crash decides exactly as the
first run did. What wins when overrides meet the machine's decision is
:mod:`stoppress.ticker.overrides`; merges and splits are
:mod:`stoppress.ticker.regrouping`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal, NoReturn, TypeVar

from stoppress.shared.models import DeskCommand, Level
from stoppress.ticker.levels import rank
from stoppress.ticker.overrides import Correction, LevelMark, Mark, Overrides

__all__ = ["OVERRIDING", "Refusal", "RefusedError", "overridden", "refuse"]

_T = TypeVar("_T")

OVERRIDING = frozenset({"kill", "restore", "level", "clear", "hold", "pin", "unpin", "edit"})
"""The actions that only change a story's overrides (merge and split move members)."""


@dataclass(frozen=True)
class Refusal:
    """Why a command is not applied: an HTTP-like ``code`` and a sentence an editor can act on."""

    code: Literal[404, 409, 422]
    message: str


class RefusedError(Exception):
    """Raised inside the desk when a command is refused; carries the :class:`Refusal`."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


def overridden(current: Overrides, command: DeskCommand, lead: tuple[str, int] | None) -> Overrides:
    """The overrides after ``command`` (one of :data:`OVERRIDING`); raise :class:`RefusedError` if it cannot apply.

    ``lead`` is the machine's lead (item id, version) now, which a correction remembers.
    """
    issued = command.issued_at.timestamp()
    mark = Mark(command.editor, command.reason, issued, command.command_id)
    action = command.action
    if action == "kill":
        _refuse_if(current.killed is not None, 409, f"already killed by {_who(current.killed)}")
        return replace(current, killed=mark)
    if action == "restore":
        _refuse_if(current.killed is None, 409, "the story is not killed")
        return replace(current, killed=None)
    if action == "level":
        return _with_level(current, command, mark, issued)
    if action == "hold":
        ceiling = _level_of(command)
        level = current.level
        if level is not None and level.active(issued) and rank(level.level) < rank(ceiling):
            refuse(409, f"an editor set the level to {level.level}, above this hold; clear the level first")
        return replace(current, hold=LevelMark(mark, ceiling))
    if action == "clear":
        return _cleared(current, command)
    if action == "pin":
        _refuse_if(current.pin is not None, 409, f"already pinned by {_who(current.pin)}")
        return replace(current, pin=mark)
    if action == "unpin":
        _refuse_if(current.pin is None, 409, "the story is not pinned")
        return replace(current, pin=None)
    if action == "edit":
        headline = _given(command.headline, "headline")
        if lead is None:
            refuse(409, "the story has no lead item to correct (nothing of it is showable)")
        return replace(current, edit=Correction(mark, headline, command.url, lead))
    raise ValueError(f"not an overriding action: {action}")


def _with_level(current: Overrides, command: DeskCommand, mark: Mark, issued: float) -> Overrides:
    level = _level_of(command)
    until = None if command.until is None else command.until.timestamp()
    _refuse_if(until is not None and until <= issued, 422, "until must be after the command was issued")
    hold = current.hold
    if hold is not None and rank(level) < rank(hold.level):
        refuse(409, f"the story is held at {hold.level} by {_who(hold.mark)}; clear the hold first")
    return replace(current, level=LevelMark(mark, level, until))


def _cleared(current: Overrides, command: DeskCommand) -> Overrides:
    targets = set(command.clear) or {"level", "hold"}
    present = {
        name for name, value in (("level", current.level), ("hold", current.hold), ("edit", current.edit))
        if value is not None
    }  # fmt: skip
    _refuse_if(not targets & present, 409, f"nothing to clear: no {' or '.join(sorted(targets))} is set")
    return replace(
        current,
        level=None if "level" in targets else current.level,
        hold=None if "hold" in targets else current.hold,
        edit=None if "edit" in targets else current.edit,
    )


def refuse(code: Literal[404, 409, 422], message: str) -> NoReturn:
    """Refuse the command being applied (raises :class:`RefusedError`)."""
    raise RefusedError(Refusal(code, message))


def _who(mark: Mark | None) -> str:
    return "an editor" if mark is None else f"{mark.editor} ({mark.reason})"


def _refuse_if(condition: bool, code: Literal[404, 409, 422], message: str) -> None:
    if condition:
        refuse(code, message)


def _given(value: _T | None, name: str) -> _T:
    """A field the command model requires for this action (its validator has checked it)."""
    if value is None:
        raise ValueError(f"the command has no {name}")
    return value


def _level_of(command: DeskCommand) -> Level:
    """The level of a ``level`` or ``hold`` command (the model requires it)."""
    if command.level is None:
        raise ValueError("the command has no level")
    return command.level
