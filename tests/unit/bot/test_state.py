"""The state file: round trip, atomic replacement, and a clear error for a bad file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stoppress.bot.state import BotState, LedgerEntry, QueuedPost, StateFileError, load_state, save_state
from tests.unit.client.samples import NOW, story


def test_a_missing_file_is_a_fresh_start(tmp_path: Path) -> None:
    assert load_state(tmp_path / "none.json") == BotState()


def test_state_round_trips_through_the_file(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "bot.json"
    state = BotState(
        cursor="1-41-9f3a2c1b",
        ledger={"s1": LedgerEntry(headline="Quake", level="flash", queued_at=NOW, post_id="109")},
        outbox=[QueuedPost(kind="correction", story=story())],
    )
    save_state(path, state)
    assert load_state(path) == state
    assert [p.name for p in path.parent.iterdir()] == ["bot.json"]


def test_saving_replaces_the_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "bot.json"
    save_state(path, BotState(cursor="1-1-00000000", outbox=[QueuedPost(kind="new", story=story())]))
    inode = path.stat().st_ino
    save_state(path, BotState(cursor="1-2-00000000"))
    assert path.stat().st_ino != inode
    assert load_state(path) == BotState(cursor="1-2-00000000")


def test_a_corrupt_file_is_refused_with_its_path_and_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "bot.json"
    path.write_text('{"cursor": 5}')
    with pytest.raises(StateFileError, match=r"bot\.json: not a valid bot state file \(cursor"):
        load_state(path)


def test_the_idempotency_key_is_stable_per_story_kind_and_revision() -> None:
    post = QueuedPost(kind="new", story=story("s9", revision=4))
    assert post.idempotency_key == "stoppress:s9:new:4"


def test_a_file_from_before_take_backs_loads_with_empty_defaults(tmp_path: Path) -> None:
    path = tmp_path / "bot.json"
    view = story().model_dump(mode="json")
    entry = {"headline": "Quake", "level": "flash", "queued_at": "2026-11-26T14:00:00Z", "post_id": "109",
             "corrections": 1, "retracted": False, "failed": False}
    path.write_text(json.dumps({"version": 1, "cursor": "1-41-9f3a2c1b", "ledger": {"s1": entry},
                                "outbox": [{"kind": "correction", "story": view}]}))
    state = load_state(path)
    assert state.ledger["s1"].posts == ["109"] and state.ledger["s1"].merged_into is None
    assert (state.outbox[0].take_back, state.outbox[0].awaiting) == ([], None)
