"""A request body turned into a ``DeskCommand``: what is stamped, what is refused and how the refusal reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stoppress.desk.commands import BODY_FIELDS, MAX_FOR_S, command_from_body
from stoppress.desk.problems import RefusedError
from stoppress.shared.models import DESK_ACTIONS, DeskStory

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
STORY = DeskStory(
    story_id="st-abc", desk="de", language="de-CH", state="shown", machine_level="urgent", level="urgent",
    score=40.0, sources=2, member_count=2, first_seen=NOW, updated_at=NOW, revision=3,
)


def build(action: str, **body: Any) -> Any:
    return command_from_body(action, STORY, orjson.dumps(body), editor="alice", now=NOW, new_id=lambda: "generated-1")


def refusal(action: str, raw: bytes) -> dict[str, str]:
    with pytest.raises(RefusedError) as refused:
        command_from_body(action, STORY, raw, editor="alice", now=NOW, new_id=lambda: "generated-1")
    problem = refused.value.problem
    assert problem.status == 422 and problem.errors
    return {error.field: error.message for error in problem.errors}


def test_the_desk_stamps_editor_story_desk_time_and_an_id() -> None:
    command = build("kill", reason="  not   confirmed ")
    assert (command.editor, command.story_id, command.desk, command.issued_at) == ("alice", "st-abc", "de", NOW)
    assert (command.command_id, command.reason) == ("generated-1", "not confirmed")
    assert build("kill", reason="x", command_id="mine-0001").command_id == "mine-0001"


def test_for_s_becomes_an_until_from_now() -> None:
    command = build("level", reason="x", level="flash", for_s=1800)
    assert command.until == NOW + timedelta(minutes=30)


def test_each_action_takes_its_fields_only() -> None:
    assert refusal("kill", b'{"reason": "x", "level": "flash"}') == {"(command)": "kill does not take level"}
    assert refusal("level", b'{"reason": "x"}') == {"(command)": "level needs level"}
    into_itself = refusal("merge", b'{"reason": "x", "into": "st-abc"}')
    assert into_itself == {"(command)": "a story cannot be merged into itself"}
    assert refusal("pin", b'{"reason": "x", "colour": "red"}') == {"colour": "pin takes no field 'colour'"}


def test_bad_bodies_name_the_field_and_the_rule() -> None:
    assert "reason" in refusal("kill", b"{}")
    assert set(refusal("kill", b"")) == {"(body)"}
    assert set(refusal("kill", b"[1, 2]")) == {"(body)"}
    assert set(refusal("kill", b"{nope")) == {"(body)"}
    assert refusal("edit", b'{"reason": "x", "headline": "<b>Bold</b> claim"}') == {
        "headline": "must be plain text, without markup"}  # fmt: skip
    assert set(refusal("level", b'{"reason": "x", "level": "flash", "for_s": 0}')) == {"for_s"}
    assert set(refusal("level", b'{"reason": "x", "level": "flash", "for_s": true}')) == {"for_s"}
    assert set(refusal("level", orjson.dumps({"reason": "x", "level": "flash", "for_s": MAX_FOR_S + 1}))) == {"for_s"}
    both = b'{"reason": "x", "level": "flash", "for_s": 60, "until": "2027-01-01T00:00:00Z"}'
    assert set(refusal("level", both)) == {"for_s"}
    past = b'{"reason": "x", "level": "flash", "until": "2020-01-01T00:00:00Z"}'
    assert refusal("level", past) == {"(command)": "until must be after issued_at"}
    assert set(refusal("kill", b'{"reason": "x", "command_id": "no spaces please"}')) == {"command_id"}


@settings(max_examples=300, deadline=None)
@given(action=st.sampled_from(DESK_ACTIONS), body=st.dictionaries(
    st.sampled_from([*BODY_FIELDS, "other"]),
    st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=False),
              st.text(max_size=40), st.lists(st.text(max_size=8), max_size=4)),
))  # fmt: skip
def test_any_body_is_a_command_or_a_422_never_an_exception(action: str, body: dict[str, Any]) -> None:
    try:
        command = command_from_body(action, STORY, orjson.dumps(body), editor="alice", now=NOW,
                                    new_id=lambda: "generated-1")  # fmt: skip
    except RefusedError as refused:
        assert refused.problem.status == 422
    else:
        assert command.action == action and command.story_id == STORY.story_id
