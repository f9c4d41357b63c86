"""The command API through the real stack: desk service → Kafka → ticker → Kafka → gateway → a WebSocket reader.

Every answer is checked against what readers get: an applied command's events reach a reader, in order with
the story's other events, and the answer's cursor is the cursor the reader holds once it has them.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from stoppress.cli.stack import Stack
from stoppress.desk.client import DeskClient
from stoppress.shared.client import Stream
from stoppress.shared.protocol import Event
from stoppress.shared.topics import DESK_COMMANDS
from tests.conftest import DEMO_KEY, EDITOR_KEY
from tests.faults.readers import wait_until
from tests.integration.desk.conftest import DISABLED_KEY, SLOW_KEY, RunningDesk, new_story
from tests.support.kafka import read_topic


class Reader:
    """A WebSocket reader of the session gateway, keeping every event and its cursor."""

    def __init__(self, stack: Stack) -> None:
        self.stream = Stream(stack.config.ws_url)
        self.events: list[Event] = []
        self.ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Reader:
        self._task = asyncio.create_task(self._read())
        await asyncio.wait_for(self.ready.wait(), 15)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stream.close()
        if self._task is not None:
            await self._task

    async def _read(self) -> None:
        async for message in self.stream:
            self.ready.set()
            if isinstance(message, Event):
                self.events.append(message)

    def of(self, story_id: str) -> list[Event]:
        return [event for event in self.events if event.event.story.story_id == story_id]


async def command(stack: Stack, story_id: str, action: str, key: str = EDITOR_KEY, **body: Any) -> Any:
    async with DeskClient(stack.config.desk_url, key) as desk:
        return await desk.command(story_id, action, {"reason": "integration test", **body})


async def test_a_kill_reaches_readers_with_the_answered_cursor_and_a_restore_brings_the_story_back(
    stack: Stack,
) -> None:
    async with Reader(stack) as reader:
        story_id = await new_story(stack, f"Gas explosion reported in Leeds city centre {uuid.uuid4().hex[:6]}")
        killed = await command(stack, story_id, "kill")
        assert killed.status == 200, killed.body
        assert (killed.body["code"], killed.body["editor"], killed.body["repeat"]) == (200, "demo-editor", False)
        [event_id] = killed.body["events"]
        await wait_until(lambda: any(e.event.event_id == event_id for e in reader.of(story_id)), 10, "the retract")
        retract = next(e for e in reader.of(story_id) if e.event.event_id == event_id)
        assert (retract.event.type, retract.event.reason) == ("story.retract", "killed")
        assert retract.cursor == killed.body["cursor"], "the answer's cursor is where readers see the change"

        restored = await command(stack, story_id, "restore")
        assert restored.status == 200, restored.body

        def back() -> bool:
            return [e.event.type for e in reader.of(story_id)][-1:] == ["story.new"]

        await wait_until(back, 10, "the story is back")
        revisions = [e.event.story.revision for e in reader.of(story_id)]
        assert revisions == sorted(revisions) and len(set(revisions)) == len(revisions)


async def test_a_retried_command_id_is_answered_again_and_applied_once(stack: Stack) -> None:
    story_id = await new_story(stack, f"Ferry runs aground off Orkney {uuid.uuid4().hex[:6]}")
    body = {"reason": "confirmed by the coastguard", "command_id": uuid.uuid4().hex, "level": "flash"}
    async with DeskClient(stack.config.desk_url, EDITOR_KEY) as desk:
        first = await desk.command(story_id, "level", body)
        again = await desk.command(story_id, "level", body)
    assert (first.status, again.status) == (200, 200)
    assert again.body["events"] == first.body["events"] and len(first.body["events"]) == 1
    async with DeskClient(stack.config.desk_url, EDITOR_KEY) as desk:
        log = await desk.get("/v1/desk/log", {"story_id": story_id})
    assert [entry["command"]["command_id"] for entry in log.body["entries"]] == [body["command_id"]]


async def test_refusals_name_the_reason_and_change_nothing(stack: Stack) -> None:
    story_id = await new_story(stack, f"Bridge closed after lorry strike in Bristol {uuid.uuid4().hex[:6]}")
    other = await new_story(stack, f"Elections called in the Netherlands {uuid.uuid4().hex[:6]}")
    unknown = await command(stack, "st-0000000000000000dead", "kill")
    assert (unknown.status, unknown.body["type"]) == (404, "urn:stoppress:problem:unknown-story")
    not_killed = await command(stack, story_id, "restore")
    assert (not_killed.status, not_killed.body["detail"]) == (409, "the story is not killed")
    assert not_killed.body["command_id"], "a refusal names the command, for the log"
    for body, field in ((({"level": "loud"}), "level"), ({"foo": 1}, "foo"), ({"headline": "<b>x</b>"}, "headline"),
                        ({"for_s": -5}, "for_s")):  # fmt: skip
        refused = await command(stack, story_id, "edit" if field == "headline" else "level", **body)
        assert refused.status == 422, refused.body
        assert field in [error["field"] for error in refused.body["errors"]], refused.body
    async with DeskClient(stack.config.desk_url, EDITOR_KEY) as desk:
        missing_reason = await desk.request("POST", f"/v1/desk/stories/{story_id}/kill", data=b'{"level": 1}')
        broken = await desk.request("POST", f"/v1/desk/stories/{story_id}/kill", data=b"{not json")
        wrong_action = await desk.command(story_id, "obliterate", {"reason": "x"})
    assert missing_reason.status == broken.status == 422
    assert wrong_action.status == 404
    killed = await command(stack, other, "kill")
    assert killed.status == 200
    merge_into_killed = await command(stack, story_id, "merge", into=other)
    assert (merge_into_killed.status, merge_into_killed.body["type"]) == (409, "urn:stoppress:problem:conflict")
    async with DeskClient(stack.config.desk_url, EDITOR_KEY) as desk:
        story = (await desk.get(f"/v1/desk/stories/{story_id}")).body["story"]
    assert story["state"] == "shown" and not any(story["overrides"].values())


async def test_only_editors_keys_command_the_desk(stack: Stack, second_desk: RunningDesk) -> None:
    story_id = await new_story(stack, f"Wildfire forces evacuations in Attica {uuid.uuid4().hex[:6]}")
    async with DeskClient(stack.config.desk_url, DEMO_KEY) as with_a_source_key:
        source = await with_a_source_key.command(story_id, "kill", {"reason": "x"})
    async with DeskClient(stack.config.desk_url, None) as without_a_key:
        anonymous = await without_a_key.command(story_id, "kill", {"reason": "x"})
    async with DeskClient(second_desk.url, DISABLED_KEY) as disabled:
        gone = await disabled.command(story_id, "kill", {"reason": "x"})
    assert (source.status, anonymous.status, gone.status) == (401, 401, 403)
    assert "source's key cannot command the desk" in source.body["detail"]
    records = await read_topic(stack.config.bootstrap, DESK_COMMANDS, quiet_s=0.5)
    assert not any(story_id.encode() in (record.value or b"") for record in records), "nothing refused was sent"


async def test_each_editor_has_a_rate_limit(stack: Stack, second_desk: RunningDesk) -> None:
    story_id = await new_story(stack, f"Strike closes ports in Antwerp {uuid.uuid4().hex[:6]}")
    async with DeskClient(second_desk.url, SLOW_KEY) as slow:
        answers = [await slow.command(story_id, action, {"reason": "x"}) for action in ("pin", "unpin", "pin")]
    assert [a.status for a in answers] == [200, 200, 429]
    assert int(answers[2].retry_after_s or 0) >= 1


async def test_merge_and_split_through_the_api_and_the_log_says_who_did_what(stack: Stack) -> None:
    tag = uuid.uuid4().hex[:6]
    first = await new_story(stack, f"Volcano erupts on Reykjanes peninsula {tag}")
    second = await new_story(stack, f"Icelandic town of Grindavik evacuated {tag}")
    async with DeskClient(stack.config.desk_url, EDITOR_KEY) as desk:
        sizes = [(await desk.get(f"/v1/desk/stories/{sid}")).body["story"]["member_count"] for sid in (first, second)]
    merged = await command(stack, second, "merge", into=first)
    assert merged.status == 200, merged.body
    assert merged.body["feedback"]["kind"] == "merge"
    assert len(merged.body["feedback"]["left"]) == sizes[1]
    async with DeskClient(stack.config.desk_url, EDITOR_KEY) as desk:
        for _ in range(50):
            story = (await desk.get(f"/v1/desk/stories/{first}")).body["story"]
            if story["merged"] == [second]:
                break
            await asyncio.sleep(0.1)
    assert story["merged"] == [second] and story["member_count"] >= sum(sizes)
    on_merged = await command(stack, second, "pin")
    assert on_merged.status in (404, 409), "a merged story takes no more commands"
    restored = await command(stack, first, "split", item=second)
    assert (restored.status, restored.body["created"]) == (200, second)
    async with DeskClient(stack.config.desk_url, EDITOR_KEY) as desk:
        log = (await desk.get("/v1/desk/log", {"story_id": first})).body["entries"]
    assert [(e["command"]["action"], e["outcome"]["code"]) for e in log][:2] == [("split", 200), ("merge", 200)]
    assert all(e["command"]["editor"] == "demo-editor" and e["command"]["reason"] for e in log)
