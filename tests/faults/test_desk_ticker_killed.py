"""Editors keep working while the ticker is killed with -9: no command answered as applied is lost or applied twice.

One ticker worker and one desk service on private topics. Real headlines stream in while an editor's driver
sends a steady stream of commands (pin/unpin, level/clear, kill/restore) through the desk's HTTP API, each
retried with its own command id while the desk answers 503, as ``stoppress desk`` and the console do. The
worker is killed with -9 mid-stream, with commands in flight, and started again.

Checked against the topics afterwards:

- every command answered as applied has its events in ``ticker.events`` (nothing answered is lost);
- every outcome written for one command id names the same events (a retry or a replay never applies a
  command a second time);
- each story's final overrides on ``desk.stories`` are what its applied commands, in order, leave;
- the events of a story keep their revisions gap-free and every event id has one content.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pytest

from stoppress.desk.client import DeskClient
from stoppress.shared.codec import decode
from stoppress.shared.models import DeskOutcome, DeskStory
from tests.conftest import EDITOR_KEY
from tests.faults.fleet import Fleet, Replica
from tests.faults.newswire import raw_record, uci_headlines
from tests.faults.test_ticker_killed import by_story, kill_when_busy, shown, worker_settings
from tests.support.kafka import PrivateTopics, create_topics, produce, read_topic, ticker_events

HEADLINES = 500
STREAM_PAUSE_S = 0.03
COMMAND_PAUSE_S = 0.15
OPPOSITES = {"pin": "unpin", "unpin": "pin", "kill": "restore", "restore": "kill", "level": "clear", "clear": "level"}


@dataclass
class Sent:
    """One command the driver sent, and the answer it finally got."""

    command_id: str
    story_id: str
    action: str
    status: int = 0
    events: list[str] = field(default_factory=list)
    answered_after_s: float = 0.0
    unconfirmed: int = 0
    """503 answers before the final one."""


class Editor:
    """Sends commands on the desk's live stories, each flipping a story between an action and its opposite."""

    def __init__(self, desk: Replica) -> None:
        self._url = desk.url
        self.sent: list[Sent] = []
        self._last: dict[str, str] = {}
        self._random = random.Random(7)

    async def work(self, until: asyncio.Event) -> None:
        async with DeskClient(self._url, EDITOR_KEY, timeout_s=30) as desk:
            while not until.is_set():
                listed = await desk.get("/v1/desk/stories", {"state": "shown,killed", "limit": "5000"})
                stories = listed.body["stories"] if listed.status == 200 else []
                if stories:
                    await self._one(desk, self._random.choice(stories))
                await asyncio.sleep(COMMAND_PAUSE_S)

    async def _one(self, desk: DeskClient, story: dict[str, Any]) -> None:
        story_id = story["story_id"]
        last = self._last.get(story_id)
        action = OPPOSITES[last] if last else self._random.choice(["pin", "level", "kill"])
        body = {"reason": "fault test", "command_id": uuid.uuid4().hex}
        if action == "level":
            body["level"] = "flash"
        sent = Sent(body["command_id"], story_id, action)
        started = time.monotonic()
        for _ in range(60):
            answer = await desk.command(story_id, action, body)
            if answer.status not in (429, 503):
                break
            sent.unconfirmed += answer.status == 503
            await asyncio.sleep(answer.retry_after_s or 1.0)
        sent.status, sent.answered_after_s = answer.status, time.monotonic() - started
        if answer.status == 200:
            sent.events = list(answer.body["events"])
            self._last[story_id] = action
        self.sent.append(sent)


def expected_overrides(applied: list[Sent]) -> dict[str, dict[str, bool]]:
    """Per story, which overrides its applied commands leave set (in the order they were applied)."""
    state: dict[str, dict[str, bool]] = defaultdict(lambda: {"pin": False, "killed": False, "level": False})
    for sent in applied:
        flags = state[sent.story_id]
        name = {"pin": "pin", "unpin": "pin", "kill": "killed", "restore": "killed", "level": "level",
                "clear": "level"}[sent.action]  # fmt: skip
        flags[name] = sent.action in ("pin", "kill", "level")
    return dict(state)


@pytest.mark.slow
async def test_commands_answered_as_applied_survive_a_ticker_kill_9_once_each(
    fleet: Fleet, topics: PrivateTopics
) -> None:
    bootstrap = fleet.bootstrap
    await create_topics(bootstrap, topics, raw_partitions=1)
    ticker = fleet.ticker("ticker", f"{topics.tag}-ticker", worker_settings(topics), wait=False)
    desk = fleet.desk("desk", topics.desk_env(), wait=False)
    await asyncio.gather(*(asyncio.to_thread(r.process.wait_healthy, 120) for r in (ticker, desk)))

    stream = [raw_record(h) for h in uci_headlines(HEADLINES)]
    editor = Editor(desk)
    done = asyncio.Event()
    working = asyncio.create_task(editor.work(done))
    writing = asyncio.create_task(produce(bootstrap, topics.raw, stream, pause_s=STREAM_PAUSE_S))
    await kill_when_busy(ticker)
    in_flight = len(editor.sent)
    killed_at = time.monotonic()
    ticker.process.start()
    await writing
    back_after_s = await asyncio.to_thread(_healthy_after, ticker, killed_at)
    await asyncio.sleep(5.0)  # the editor goes on working with the new worker
    done.set()
    await working
    print(f"killed after {in_flight} commands; worker back after {back_after_s:.1f} s")

    sent = editor.sent
    applied = [s for s in sent if s.status == 200]
    unconfirmed = sum(s.unconfirmed for s in sent)
    slowest = max(s.answered_after_s for s in sent)
    print(f"{len(sent)} commands: {len(applied)} applied, {unconfirmed} answers of 503 on the way, "
          f"slowest answer {slowest:.1f} s; statuses {sorted({s.status for s in sent})}")  # fmt: skip
    assert len(applied) >= 20, "the driver should get many commands applied"
    assert {s.status for s in sent} <= {200, 409}, "every command is decided in the end (409: the story moved on)"
    assert any(s.unconfirmed for s in sent), "some command was in flight while the worker was dead"

    wanted_events = {event_id for s in applied for event_id in s.events}


    def has_them(records: list[Any]) -> bool:
        return wanted_events <= {e.event_id for e in ticker_events(records)}

    events_log, outcomes_log, views_log = await asyncio.gather(
        read_topic(bootstrap, topics.events, until=has_them, quiet_s=2.0, timeout_s=120.0),
        read_topic(bootstrap, topics.outcomes, quiet_s=2.0),
        read_topic(bootstrap, topics.desk_stories, quiet_s=2.0),
    )
    events = ticker_events(events_log)
    assert wanted_events <= {e.event_id for e in events}, "an applied command's event is missing"

    outcomes: dict[str, list[DeskOutcome]] = defaultdict(list)
    for record in outcomes_log:
        outcome = decode(record.value, DeskOutcome)
        outcomes[outcome.command_id].append(outcome)
    for s in applied:
        named = {tuple(o.events) for o in outcomes[s.command_id] if o.code == 200}
        assert named == {tuple(s.events)}, f"command {s.command_id} ({s.action}) answered with other events: {named}"

    for story_id, story_events in by_story(events).items():
        first = {e.event_id: e for e in reversed(story_events)}
        assert all(shown(e) == shown(first[e.event_id]) for e in story_events), f"{story_id}: one id, two contents"
        revisions = sorted(e.story.revision for e in first.values())
        assert revisions == list(range(1, len(revisions) + 1)), f"{story_id}: revisions {revisions} have a gap"

    final: dict[str, DeskStory | None] = {}
    for record in views_log:
        final[record.key.decode()] = None if record.value is None else decode(record.value, DeskStory)
    for story_id, flags in expected_overrides(applied).items():
        view = final.get(story_id)
        if view is None:
            continue  # the story ended (expired or merged) after its commands
        overrides = view.overrides
        have = {"pin": overrides.pin is not None, "killed": overrides.killed is not None,
                "level": overrides.level is not None}  # fmt: skip
        assert have == flags, f"{story_id}: overrides {have}, but its applied commands leave {flags}"


def _healthy_after(worker: Replica, since: float) -> float:
    worker.process.wait_healthy(120)
    return time.monotonic() - since
