"""The desk's view of the world: stories in console order, and the audit log built from two topics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from stoppress.desk.board import Board
from stoppress.shared.models import DeskCommand, DeskOutcome, DeskStory, EditorMark

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def story(story_id: str, level: str = "normal", score: float = 10.0, minutes: float = 0, **fields: Any) -> DeskStory:
    when = T0 + timedelta(minutes=minutes)
    return DeskStory.model_validate({
        "story_id": story_id, "desk": "en", "language": "en", "state": "shown", "machine_level": level,
        "level": level, "score": score, "sources": 1, "member_count": 1, "first_seen": T0, "updated_at": when,
        "revision": 1, **fields,
    })  # fmt: skip


def command(command_id: str, story_id: str = "st-1", editor: str = "alice", **fields: Any) -> DeskCommand:
    return DeskCommand.model_validate({"command_id": command_id, "action": "kill", "story_id": story_id, "desk": "en",
                                       "editor": editor, "reason": "x", "issued_at": T0, **fields})  # fmt: skip


def outcome(command_id: str, code: int = 200, repeat: bool = False) -> DeskOutcome:
    return DeskOutcome.model_validate({"command_id": command_id, "story_id": "st-1", "action": "kill",
                                       "editor": "alice", "code": code, "message": "m", "decided_at": T0,
                                       "repeat": repeat})  # fmt: skip


def pinned(minutes: float) -> dict[str, Any]:
    mark = EditorMark(editor="alice", reason="x", at=T0 + timedelta(minutes=minutes), command_id="pin-00001")
    return {"overrides": {"pin": mark.model_dump()}}


def test_pinned_first_latest_pin_first_then_level_score_and_news() -> None:
    board = Board()
    for view in (story("normal"), story("flash", "flash"), story("old-pin", **pinned(1)),
                 story("new-pin", **pinned(2)), story("killed", "flash", state="killed"),
                 story("better", "normal", score=50.0)):  # fmt: skip
        board.apply_story(view.story_id, view)
    assert [s.story_id for s in board.listing()] == ["new-pin", "old-pin", "flash", "killed", "better", "normal"]
    assert [s.story_id for s in board.listing(states=["killed"])] == ["killed"]
    assert [s.story_id for s in board.listing(levels=["flash"], limit=1)] == ["flash"]


def test_an_older_view_never_replaces_a_newer_one_and_a_tombstone_removes() -> None:
    board = Board()
    assert board.apply_story("st-1", story("st-1", score=2.0, minutes=5))
    assert not board.apply_story("st-1", story("st-1", score=1.0, minutes=4))
    assert board.stories["st-1"].score == 2.0
    assert board.apply_story("st-1", None) and not board.apply_story("st-1", None)


def test_the_log_joins_commands_and_outcomes_whichever_comes_first() -> None:
    board = Board()
    board.apply_outcome(outcome("cmd-00000002"))
    board.apply_command(command("cmd-00000001"))
    board.apply_command(command("cmd-00000002", editor="bob"))
    board.apply_command(command("cmd-00000001"))
    board.apply_outcome(outcome("cmd-00000001", code=409))
    board.apply_outcome(outcome("cmd-00000001", code=409, repeat=True))
    entries = board.entries()
    assert [(e.command.command_id, e.outcome and e.outcome.code) for e in entries] == [
        ("cmd-00000002", 200), ("cmd-00000001", 409)]  # fmt: skip
    assert [e.command.editor for e in board.entries(editor="bob")] == ["bob"]
    assert board.outcome("cmd-00000001") is not None and not board.outcome("cmd-00000001").repeat  # type: ignore[union-attr]


def test_the_log_keeps_the_newest_entries_and_finds_merges_by_either_story() -> None:
    board = Board(log_entries=100)
    for n in range(150):
        board.apply_command(command(f"cmd-{n:08d}"))
    assert len(board.entries(limit=1000)) == 100 and board.entries()[0].command.command_id == "cmd-00000149"
    board.apply_command(command("merge-0001", story_id="st-a", action="merge", into="st-b"))
    assert [e.command.command_id for e in board.entries(story_id="st-b")] == ["merge-0001"]
