"""What the desk remembers of editors' commands: which it has applied, and which items must stay apart.

- Every command's outcome is kept under its id (``"c:<command id>"`` →
  ``[outcome as JSON, touched at]``), so a retried command (the same id,
  after a lost answer or a crash) is answered with its first outcome and
  never applied twice.
- An item an editor split out of a story must never rejoin that story
  (``"x:<item id>"`` → ``[[story ids], touched at]``): the clusterer is told
  to avoid those stories when the item, or a later version of it, is placed
  again. Merging the item's story back into one of them lifts that.

Both live in the ``editorial`` table and are forgotten ``retention_s`` after
they were last touched, like the seen ledger (a retry comes within minutes;
a story lives at most its clustering window). Times are POSIX seconds.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from stoppress.shared.models import DeskOutcome
from stoppress.ticker.aging import AgingRecords

__all__ = ["EditorialLedger"]

_COMMAND = "c:"
_APART = "x:"


class EditorialLedger:
    """Applied commands and cannot-links, in ``table`` (see the module docstring)."""

    def __init__(self, table: MutableMapping[str, Any], retention_s: float) -> None:
        self._table = table
        self._records = AgingRecords(table, retention_s)

    def outcome(self, command_id: str) -> DeskOutcome | None:
        """The outcome of ``command_id`` if it was decided already."""
        record = self._table.get(_COMMAND + command_id)
        return None if record is None else DeskOutcome.model_validate(record[0])

    def record(self, outcome: DeskOutcome, at: float) -> None:
        """Remember ``outcome`` under its command id."""
        self._records.put(_COMMAND + outcome.command_id, [outcome.model_dump(mode="json"), at])

    def confirm(self, command_id: str, cursor: str) -> DeskOutcome:
        """Add the cursor of the last event the command caused, once the broker has it; return the outcome."""
        key = _COMMAND + command_id
        outcome_json, touched = self._table[key]
        confirmed = DeskOutcome.model_validate({**outcome_json, "cursor": cursor})
        self._table[key] = [confirmed.model_dump(mode="json"), touched]
        return confirmed

    def avoided(self, item_id: str) -> frozenset[str]:
        """The stories ``item_id`` must not join."""
        record = self._table.get(_APART + item_id)
        return frozenset() if record is None else frozenset(record[0])

    def keep_apart(self, item_id: str, story_id: str, at: float) -> None:
        """``item_id`` must never join ``story_id`` again."""
        stories = sorted(self.avoided(item_id) | {story_id})
        self._records.put(_APART + item_id, [stories, at])

    def allow(self, item_id: str, story_id: str, at: float) -> None:
        """Lift a cannot-link: an editor put ``item_id`` into ``story_id`` on purpose."""
        avoided = self.avoided(item_id)
        if story_id not in avoided:
            return
        rest = sorted(avoided - {story_id})
        if rest:
            self._records.put(_APART + item_id, [rest, at])
        else:
            del self._table[_APART + item_id]

    def forget_expired(self, now: float) -> int:
        """Drop what was not touched for the retention period; return how many records were dropped."""
        return self._records.forget_expired(now)
