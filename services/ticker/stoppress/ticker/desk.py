"""The news desk: headlines, editors' commands and clock ticks in, ticker events out. No I/O, no event loop.

One :class:`Desk` owns the stories of one partition of the desk topic (see
``docs/ranking.md``, "Partitioning"). It is fed every headline of that
partition with :meth:`Desk.handle`, every editor's command with
:meth:`Desk.command` and a clock tick with :meth:`Desk.tick`, always with
``now`` as a value, and answers with the :class:`TickerEvent` values to
publish. Each rule lives in its own module, and the desk only sequences them:

1. :mod:`~stoppress.ticker.dedupe` drops exact repeats (same id and version,
   or an article URL another item already carries);
2. :mod:`~stoppress.ticker.embargo` holds items until their embargo ends;
3. :mod:`~stoppress.ticker.clustering` places a new item in a story (a new
   version stays in its item's story; an item an editor split out never
   rejoins the story it left), through the :mod:`~stoppress.ticker.book`;
4. :mod:`~stoppress.ticker.judgement` (lead, levels, ranking) says what the
   machine makes of the story now, and :mod:`~stoppress.ticker.overrides`
   what editors set on top of it;
5. :mod:`~stoppress.ticker.lifecycle` says whether that is news.

Editors' commands (:mod:`~stoppress.ticker.editing` for overrides,
:mod:`~stoppress.ticker.regrouping` for merges and splits) are applied once
per command id (:mod:`~stoppress.ticker.editorial`), and what they change is
published at once. :meth:`Desk.views` hands out what editors see of the
stories that changed (:mod:`~stoppress.ticker.deskviews`).

Durable state lives in the four mappings of :class:`DeskTables` (faust
tables backed by changelog topics in the worker, plain dicts in tests); the
story index, the decoded stories and the review schedule are derived from
them when a desk is built, so a desk rebuilt after a crash behaves like the
one that crashed.
"""

from __future__ import annotations

import heapq
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stoppress.shared.models import (
    ClusterFeedback,
    DeskCommand,
    DeskOutcome,
    DeskStory,
    Headline,
    Level,
    RetractReason,
    TickerEvent,
)
from stoppress.ticker.authority import AuthorityBook
from stoppress.ticker.book import StoryBook, desk_key
from stoppress.ticker.canonical_url import canonical_url
from stoppress.ticker.clustering import signature
from stoppress.ticker.dedupe import SeenLedger, Verdict
from stoppress.ticker.deskviews import MemberViews, desk_story
from stoppress.ticker.editing import OVERRIDING, RefusedError, overridden, refuse
from stoppress.ticker.editorial import EditorialLedger
from stoppress.ticker.embargo import EmbargoHold
from stoppress.ticker.judgement import judge
from stoppress.ticker.levels import next_level_change
from stoppress.ticker.lifecycle import Snapshot, decide, expires_at
from stoppress.ticker.members import Member
from stoppress.ticker.policy import DeskPolicy
from stoppress.ticker.ranking import band
from stoppress.ticker.regrouping import merge, split_item, split_story, split_story_id
from stoppress.ticker.story import Shown, Story
from stoppress.ticker.views import as_datetime, next_event, shown_snapshot, story_view

__all__ = ["CommandResult", "Desk", "DeskPolicy", "DeskTables", "desk_key"]

CLOSED_KEEP_S = 3600.0
"""How long an expired story's stub stays, so its expiry can be published again after a crash (s)."""

APPLIED = {
    "kill": "killed: off every ticker", "restore": "restored", "level": "level set", "clear": "cleared",
    "hold": "held", "pin": "pinned", "unpin": "unpinned", "edit": "headline corrected", "merge": "merged",
    "split": "split",
}
"""The message of an applied command, by action."""


@dataclass(frozen=True)
class DeskTables:
    """The durable state of one desk: seen versions and URLs, stories (with member signatures), held items,
    and editors' applied commands and cannot-links."""

    seen: MutableMapping[str, Any]
    stories: MutableMapping[str, Any]
    held: MutableMapping[str, Any]
    editorial: MutableMapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CommandResult:
    """What a command did: its outcome (for the editor) and the events to publish (for readers)."""

    outcome: DeskOutcome
    events: list[TickerEvent]


class Desk:
    """Turns the headlines and commands of one desk partition into ticker events (see the module docstring)."""

    def __init__(self, tables: DeskTables, authority: AuthorityBook, policy: DeskPolicy | None = None) -> None:
        self._policy = policy or DeskPolicy()
        self._authority = authority
        self._seen = SeenLedger(tables.seen, self._policy.seen_retention_s)
        self._held = EmbargoHold(tables.held)
        self._editorial = EditorialLedger(tables.editorial, self._policy.seen_retention_s)
        self._book = StoryBook(tables.stories, self._policy.lifecycle.story_window_s)
        self._reviews: list[tuple[float, str]] = []
        self._review_at: dict[str, float] = {}
        self._next_index_prune = 0.0
        self._clock = 0.0
        self._views_now: set[str] = {story.story_id for story in self._book.live()}
        """Stories whose editors' view must be published with the next record (all of them after a rebuild)."""
        self._views_soon: set[str] = set()
        """Stories that changed quietly: their editors' view goes out with the next tick."""
        self._member_views = MemberViews()
        for story in self._book:
            if story.merged_into is None:
                self._schedule(story, 0.0)

    def __len__(self) -> int:
        """Number of live stories (shown or not)."""
        return sum(1 for _ in self._book.live())

    def showing(self) -> dict[str, dict[str, Any]]:
        """The story views the ticker currently shows (what ``ticker.stories`` holds), by story id."""
        return {story.story_id: story.shown.view for story in self._book if story.shown is not None}

    def handle(self, headline: Headline, now: datetime, position: int = 0) -> list[TickerEvent]:
        """Take one headline arriving at ``now``; return the events it causes (often none).

        ``position`` is where the headline is in the desk's input (the Kafka
        offset in the worker): see :meth:`unconfirmed`.
        """
        at = self._advance(now)
        canonical = canonical_url(headline.url) if headline.url else None
        story = self._book.holding(headline.id)
        member_version = story.members[headline.id].version if story is not None else None
        if self._seen.judge(headline, canonical, member_version) is not Verdict.FRESH:
            return []
        if canonical is not None:
            self._seen.claim(canonical, headline.id, at)
        embargo = headline.embargo_until
        if embargo is not None and embargo.timestamp() > at:
            self._held.hold(headline, embargo.timestamp())
            self._seen.remember(headline.id, headline.version, at)
            return []
        self._held.discard(headline.id)
        return self._apply(headline, at, position)

    def command(self, command: DeskCommand, now: datetime, position: int = 0) -> CommandResult:
        """Apply one editor's command arriving at ``now``, once per ``command_id``.

        A command seen before is answered with its first outcome (``repeat``)
        and changes nothing. A refused one changes nothing either.
        """
        at = self._advance(now)
        earlier = self._editorial.outcome(command.command_id)
        if earlier is not None:
            return CommandResult(earlier.model_copy(update={"repeat": True}), [])
        events: list[TickerEvent] = []
        created: str | None = None
        feedback = None
        try:
            events, created, feedback = self._carry_out(command, at, position)
            code, message = 200, APPLIED[command.action]
        except RefusedError as refused:
            code, message = refused.refusal.code, refused.refusal.message
        outcome = DeskOutcome(
            command_id=command.command_id, story_id=command.story_id, action=command.action, editor=command.editor,
            code=code, message=message, decided_at=as_datetime(at), events=[event.event_id for event in events],
            created=created, feedback=feedback,
        )  # fmt: skip
        self._editorial.record(outcome, at)
        return CommandResult(outcome, events)

    def confirm(self, command_id: str, cursor: str) -> DeskOutcome:
        """Record the cursor of the last event ``command_id`` caused, once the broker has it."""
        return self._editorial.confirm(command_id, cursor)

    def tick(self, now: datetime, position: int = 0) -> list[TickerEvent]:
        """Let time pass: release embargoes, publish held-back updates, level falls, ended overrides, expiries."""
        at = self._advance(now)
        events: list[TickerEvent] = []
        for headline in self._held.due(at):
            events += self._apply(headline, at, position)
        while self._reviews and self._reviews[0][0] <= at:
            due, story_id = heapq.heappop(self._reviews)
            story = self._book.stories.get(story_id)
            if story is not None and self._review_at.get(story_id) == due:
                events += self._review(story, at, position, received=None, header_changed=False)
        self._seen.forget_expired(at)
        self._editorial.forget_expired(at)
        if at >= self._next_index_prune:
            self._book.expire_index(at)
            self._next_index_prune = at + self._policy.lifecycle.review_interval_s
        self._views_now |= self._views_soon
        self._views_soon.clear()
        return events

    def views(self) -> list[tuple[str, DeskStory | None]]:
        """What editors must be shown now: each changed story's view, or ``None`` for a story that ended.

        Stories whose events were just published, or that a command
        changed, come at once; quieter changes (an item joining without an
        event) wait for the next tick, so a busy story costs one view per tick.
        """
        due, self._views_now = sorted(self._views_now), set()
        views: list[tuple[str, DeskStory | None]] = []
        for story_id in due:
            story = self._book.stories.get(story_id)
            if story is None or not story.live:
                self._member_views.forget(story_id)
                views.append((story_id, None))
            else:
                judgement = judge(story, self._clock, self._policy)
                views.append((story_id, desk_story(story, judgement, self._clock, self._member_views)))
        return views

    def _advance(self, now: datetime) -> float:
        """The desk's time for ``now`` (s): never earlier than any time it has seen.

        Members are kept in join order and :meth:`Story.recent` relies on it,
        so a wall clock stepping back (or an old tick replayed) must not
        move the desk's time back.
        """
        self._clock = max(self._clock, now.timestamp())
        return self._clock

    def unconfirmed(self, since: int) -> list[TickerEvent]:
        """The last event of every story whose cause is at input position ``since`` or later.

        When the input is replayed from ``since`` after a crash, those events
        may never have reached the broker even though the tables recorded
        them, and their causes will now be judged repeats; publishing them
        again (same ids, so readers can tell) makes sure none is lost.
        """
        recent = [s for s in self._book if s.last_event is not None and s.cause >= since]
        recent.sort(key=lambda s: (s.cause, s.story_id))
        return [TickerEvent.model_validate(s.last_event) for s in recent]

    def _apply(self, headline: Headline, at: float, position: int) -> list[TickerEvent]:
        """Put a showable-now version into its story and publish what changed."""
        story = self._book.holding(headline.id)
        if story is None:
            if headline.pubstatus == "canceled":
                self._seen.remember(headline.id, headline.version, at)
                return []
            member = self._member(headline, at, previous=None)
            story, header_changed = self._book.place(member, at, self._editorial.avoided(member.item_id))
        else:
            member = self._member(headline, at, previous=story.members[headline.id])
            shown = story.shown
            header_changed = headline.pubstatus == "canceled" and shown is not None and shown.lead_id == headline.id
            story.killed = story.killed or header_changed
            self._book.update(story, member)
        events = self._review(story, at, position, headline.received_at.timestamp(), header_changed)
        if not events:
            self._views_soon.add(story.story_id)
        return events

    def _member(self, headline: Headline, at: float, previous: Member | None) -> Member:
        urgent_since = at
        if previous is not None and headline.urgency >= previous.urgency:
            urgent_since = previous.urgent_since
        text_unchanged = previous is not None and previous.headline == headline.headline
        return Member(
            item_id=headline.id,
            version=headline.version,
            source=headline.source,
            source_name=headline.source_name or headline.source,
            authority=self._authority.of(headline),
            urgency=headline.urgency,
            status=headline.pubstatus,
            headline=headline.headline,
            url=headline.url,
            category=headline.category,
            region=headline.region,
            language=headline.language,
            joined_at=at if previous is None else previous.joined_at,
            updated_at=at,
            urgent_since=urgent_since,
            received_at=headline.received_at.timestamp(),
            signature=(
                previous.signature
                if previous is not None and text_unchanged
                else signature(headline.headline, headline.language)
            ),
        )

    def _carry_out(
        self, command: DeskCommand, at: float, position: int
    ) -> tuple[list[TickerEvent], str | None, ClusterFeedback | None]:
        """Apply ``command``: the events it causes, the story it creates (if any) and its clustering feedback.

        Every check comes before the first change, so a refused command
        (:class:`RefusedError`) leaves the desk as it was.
        """
        story = self._live_story(command.story_id)
        issued = command.issued_at.timestamp()
        if command.action in OVERRIDING:
            machine = judge(story, at, self._policy).lead
            story.overrides = overridden(
                story.overrides, command, None if machine is None else (machine.item_id, machine.version)
            )
            return self._review(story, at, position, issued, header_changed=True, immediate=True), None, None
        if command.action == "merge":
            into = self._live_story(command.into or "")
            feedback = merge(self._book, self._editorial, story, into, at)
            events = self._retract_merged(story, at, position, issued)
            events += self._review(into, at, position, issued, header_changed=True, immediate=True)
            return events, None, feedback
        item = command.item or ""
        absorbed = self._book.stories.get(item)
        if absorbed is not None and absorbed.merged_into == story.story_id:
            feedback = split_story(self._book, story, absorbed)
            created = absorbed
        else:
            created, feedback = split_item(
                self._book, self._editorial, story, item, new_story_id=split_story_id(command.command_id), at=at
            )
        events = self._review(story, at, position, issued, header_changed=True, immediate=True)
        events += self._review(created, at, position, issued, header_changed=True, immediate=True)
        return events, created.story_id, feedback

    def _live_story(self, story_id: str) -> Story:
        """The live story ``story_id``; refused with 404 (unknown, expired) or 409 (merged into another)."""
        story = self._book.stories.get(story_id)
        if story is None or story.closed:
            refuse(404, f"no live story {story_id} (unknown, or it has expired)")
        if story.merged_into is not None:
            absorber = story
            while absorber.merged_into is not None and absorber.merged_into in self._book.stories:
                absorber = self._book.stories[absorber.merged_into]
            refuse(409, f"story {story_id} was merged into {absorber.story_id}; act on that story")
        return story

    def _review(
        self,
        story: Story,
        at: float,
        position: int,
        received: float | None,
        header_changed: bool,
        *,
        immediate: bool = False,
    ) -> list[TickerEvent]:
        """Decide what ``story`` should look like at ``at`` and publish the difference.

        ``position`` is the input position of the record being handled;
        ``received`` is when the cause entered Stop Press (ingest received
        the headline, the desk service the command; ``None`` for a clock
        tick); ``header_changed`` says the story's header must be written
        back even if nothing is published (members are written by whoever
        changes them); ``immediate``: an editor caused this, publish it now.
        """
        policy = self._policy
        if story.merged_into is not None:
            return []
        if story.closed:
            self._drop(story, at)
            return []
        if at >= expires_at(story.last_activity, policy.lifecycle):
            return self._expire(story, at, position)
        lapsed = story.overrides.lapsed(at)
        if lapsed != story.overrides:
            story.overrides, header_changed, immediate = lapsed, True, True
        judgement = judge(story, at, policy)
        overrides = story.overrides
        lead = None if overrides.killed is not None else judgement.lead
        level = overrides.level_for(judgement.level, at)
        on_ticker = shown_snapshot(story.shown, policy.ranking)
        current = None
        if lead is not None:
            shown_band = None if on_ticker is None else on_ticker.band
            headline, url = overrides.headline_for(lead.headline, lead.url)
            pinned = None if overrides.pin is None else as_datetime(overrides.pin.at)
            current = Snapshot(
                lead.item_id, lead.version, level, band(judgement.score, policy.ranking, shown_band),
                len(story.standings), (headline, url, pinned),
            )  # fmt: skip
        decision = decide(on_ticker, current, story.last_emitted_at, at, policy.lifecycle, immediate=immediate)
        events: list[TickerEvent] = []
        if decision.event in ("story.new", "story.update") and lead is not None:
            view = story_view(story, lead, level, judgement.score, policy.max_source_names)
            event = next_event(story, decision.event, view, at, received)
            shown = Shown(event.story.model_dump(mode="json"), lead.item_id, lead.version)
            story.published(event.model_dump(mode="json"), shown, at, position)
            events.append(event)
        elif decision.event == "story.retract" and story.shown is not None:
            reason: RetractReason | None = "killed" if overrides.killed is not None else None
            event = next_event(story, "story.retract", story.shown.view, at, received, reason=reason)
            story.published(event.model_dump(mode="json"), None, at, position)
            events.append(event)
        if events or header_changed:
            self._book.save_header(story)
            self._views_now.add(story.story_id)
        self._schedule_next(story, at, judgement.latest, decision.retry_at)
        return events

    def _retract_merged(self, stub: Story, at: float, position: int, received: float) -> list[TickerEvent]:
        """Take a story merged into another off the ticker (if it is on it); its stub is kept."""
        self._review_at.pop(stub.story_id, None)
        self._views_now.add(stub.story_id)
        events: list[TickerEvent] = []
        if stub.shown is not None:
            event = next_event(stub, "story.retract", stub.shown.view, at, received, reason="merged")
            stub.published(event.model_dump(mode="json"), None, at, position)
            events.append(event)
        self._book.save_header(stub)
        return events

    def _expire(self, story: Story, at: float, position: int) -> list[TickerEvent]:
        """Expire ``story``: publish ``story.expire`` if it is shown, keep a closed stub for a while.

        The stub (no members, the expire event) lets :meth:`unconfirmed`
        publish the expiry again if the worker crashes right after it; it is
        dropped ``CLOSED_KEEP_S`` later. A story never shown leaves nothing.
        Stubs of stories merged into it go with it.
        """
        self._book.unindex(story)
        if story.shown is None:
            self._drop(story, at)
            return []
        event = next_event(story, "story.expire", story.shown.view, at, None)
        self._forget_members(story, at)
        self._drop_merged(story)
        story.closed = True
        story.published(event.model_dump(mode="json"), None, at, position)
        self._book.save_header(story)
        self._views_now.add(story.story_id)
        self._schedule(story, at + CLOSED_KEEP_S)
        return [event]

    def _drop(self, story: Story, at: float) -> None:
        self._forget_members(story, at)
        self._drop_merged(story)
        self._book.drop(story)
        self._review_at.pop(story.story_id, None)
        self._views_now.add(story.story_id)

    def _drop_merged(self, story: Story) -> None:
        """Forget the stubs of the stories merged into ``story`` (it is ending), and theirs."""
        for stub_id in story.merged:
            stub = self._book.stories.get(stub_id)
            if stub is not None:
                self._drop_merged(stub)
                self._book.drop(stub)
        story.merged = []

    def _forget_members(self, story: Story, at: float) -> None:
        """Drop the members of an ending story; the seen ledger takes over remembering their versions."""
        for member in self._book.clear(story):
            self._seen.remember(member.item_id, member.version, at)

    def _schedule_next(self, story: Story, at: float, latest: dict[Level, float], retry_at: float | None) -> None:
        """Book the next moment ``story`` may change without input (all candidates are after ``at``)."""
        candidates = [expires_at(story.last_activity, self._policy.lifecycle)]
        if retry_at is not None:
            candidates.append(retry_at)
        override_end = story.overrides.next_end(at)
        if override_end is not None:
            candidates.append(override_end)
        if story.shown is not None:
            candidates.append(at + self._policy.lifecycle.review_interval_s)
            level_change = next_level_change(latest, at, self._policy.levels)
            if level_change is not None:
                candidates.append(level_change)
        self._schedule(story, min(candidates))

    def _schedule(self, story: Story, due: float) -> None:
        self._review_at[story.story_id] = due
        heapq.heappush(self._reviews, (due, story.story_id))
