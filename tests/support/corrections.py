"""Editors' corrections as the ticker reports them: desk outcomes carrying clustering feedback, at known times.

Used by the pure tests of :mod:`stoppress.ticker.clustering_feedback` and by
the ``stoppress eval clustering --feedback`` tests, which write the same
outcomes to an audit log file or to the broker.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

import orjson

from stoppress.shared.models import ClusterFeedback, DeskAction, DeskCommand, DeskOutcome, FeedbackItem, OutcomeCode

T0 = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)
"""The tests' epoch: every time is given in minutes after it."""

QUAKE = "Magnitude 7.1 earthquake strikes off the coast of Chile"
QUAKE_AGAIN = "Magnitude 7.1 earthquake strikes off Chile coast, tsunami warning issued"
RATES = "Central bank raises interest rates by half a point"
PHONE = "Apple unveils new iPhone at Cupertino event"


def item(item_id: str, headline: str, minutes: float = 0.0, language: str = "en") -> FeedbackItem:
    """One corrected item that joined its story ``minutes`` after :data:`T0`."""
    joined_at = T0 + timedelta(minutes=minutes)
    return FeedbackItem(item_id=item_id, headline=headline, language=language, joined_at=joined_at)


def outcome(
    command_id: str,
    kind: Literal["merge", "split"] | None,
    left: list[FeedbackItem] = [],  # noqa: B006 - never mutated
    right: list[FeedbackItem] = [],  # noqa: B006 - never mutated
    *,
    minutes: float = 60.0,
    code: OutcomeCode = 200,
    action: DeskAction | None = None,
    repeat: bool = False,
) -> DeskOutcome:
    """The outcome of command ``command_id`` decided ``minutes`` after :data:`T0`; ``kind`` ``None``: no feedback."""
    feedback = None if kind is None else ClusterFeedback(kind=kind, left=left, right=right)
    return DeskOutcome(
        command_id=command_id,
        story_id=f"st-{command_id}",
        action=action or kind or "kill",
        editor="ana",
        code=code,
        message="applied" if code == 200 else "refused",
        decided_at=T0 + timedelta(minutes=minutes),
        feedback=feedback,
        repeat=repeat,
    )


def command_for(decided: DeskOutcome) -> DeskCommand:
    """A command that could have led to ``decided`` (the audit log pairs each outcome with its command)."""
    needs = {"merge": {"into": "st-elsewhere"}, "split": {"item": "wire:1"}}
    return DeskCommand(
        command_id=decided.command_id,
        action=decided.action,
        story_id=decided.story_id,
        desk="en",
        editor=decided.editor,
        reason="desk test",
        issued_at=decided.decided_at - timedelta(seconds=1),
        **needs.get(decided.action, {}),
    )


def audit_log(outcomes: list[DeskOutcome]) -> str:
    """What ``stoppress desk log --json`` prints for these outcomes (newest first) and a merge still pending."""
    waiting = command_for(MERGE.model_copy(update={"command_id": "merge-pending"}))
    entries = [{"command": waiting.model_dump(mode="json"), "outcome": None}]
    entries += [{"command": command_for(o).model_dump(mode="json"), "outcome": o.model_dump(mode="json")}
                for o in reversed(outcomes)]  # fmt: skip
    return "".join(orjson.dumps(entry).decode() + "\n" for entry in entries)


MERGE = outcome("merge-quake", "merge", [item("wire:q1", QUAKE, 0)], [item("wire:q2", QUAKE_AGAIN, 1)], minutes=30)
"""Two reports of one quake, merged: the clusterer puts them together on its own."""
SPLIT = outcome("split-rates", "split", [item("wire:r1", RATES, 2)], [item("wire:p1", PHONE, 3)], minutes=40)
"""An unrelated item split out: the clusterer keeps it apart on its own."""
REFUSED = outcome("merge-refused", None, minutes=50, code=409, action="merge")
KILL = outcome("kill-quake", None, minutes=55, action="kill")
SAMPLE = [MERGE, SPLIT, REFUSED, KILL]
"""One applied merge, one applied split, a refused merge and a kill: two corrections."""
