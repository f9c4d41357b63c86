"""The news desk: headlines and clock ticks in, ticker events out. No I/O, no event loop.

One :class:`Desk` owns the stories of one partition of the desk topic (see
``docs/ranking.md``, "Partitioning"). It is fed every headline of that
partition with :meth:`Desk.handle` and a clock tick with :meth:`Desk.tick`,
always with ``now`` as a value, and answers with the :class:`TickerEvent`
values to publish. Each rule lives in its own module, and the desk only
sequences them:

1. :mod:`~stoppress.ticker.dedupe` drops exact repeats (same id and version,
   or an article URL another item already carries);
2. :mod:`~stoppress.ticker.embargo` holds items until their embargo ends;
3. :mod:`~stoppress.ticker.clustering` places a new item in a story (a new
   version stays in its item's story);
4. :mod:`~stoppress.ticker.lead`, :mod:`~stoppress.ticker.levels` and
   :mod:`~stoppress.ticker.ranking` say what the story looks like now;
5. :mod:`~stoppress.ticker.lifecycle` says whether that is news.

Durable state lives in the three mappings of :class:`DeskTables` (faust
tables backed by changelog topics in the worker, plain dicts in tests); the
story index, the decoded stories and the review schedule are derived from
them when a desk is built, so a desk rebuilt after a crash behaves like the
one that crashed.
"""

from __future__ import annotations

import heapq
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from stoppress.shared.models import Headline, TickerEvent
from stoppress.ticker.authority import AuthorityBook
from stoppress.ticker.canonical_url import canonical_url
from stoppress.ticker.clustering import StoryIndex, signature
from stoppress.ticker.dedupe import SeenLedger, Verdict
from stoppress.ticker.embargo import EmbargoHold
from stoppress.ticker.levels import LevelPolicy, evidence, level_at, next_level_change
from stoppress.ticker.lifecycle import LifecyclePolicy, Snapshot, decide, expires_at
from stoppress.ticker.members import Member
from stoppress.ticker.ranking import RankingPolicy, band, score
from stoppress.ticker.story import Shown, Story, member_key, story_id_for, story_key, story_of_key
from stoppress.ticker.views import as_datetime, next_event, shown_snapshot, story_view

__all__ = ["Desk", "DeskPolicy", "DeskTables", "desk_key"]

CLOSED_KEEP_S = 3600.0
"""How long an expired story's stub stays, so its expiry can be published again after a crash (s)."""


def desk_key(language: str) -> str:
    """The desk a headline in ``language`` is handled by: its primary language subtag (``en-GB`` → ``en``).

    Stories never span languages, so this is the finest split that still
    keeps every possible story on one desk.
    """
    return language.partition("-")[0].lower()


@dataclass(frozen=True)
class DeskPolicy:
    """Every tunable rule of the desk, grouped by the module that applies it."""

    ranking: RankingPolicy = field(default_factory=RankingPolicy)
    levels: LevelPolicy = field(default_factory=LevelPolicy)
    lifecycle: LifecyclePolicy = field(default_factory=LifecyclePolicy)
    seen_retention_s: float = 7 * 24 * 3600
    max_source_names: int = 5
    recent_limit: int = 32
    """Most recent joins the burst rules look at: past this many, a story is corroborated anyway."""


@dataclass(frozen=True)
class DeskTables:
    """The durable state of one desk: seen versions and URLs, stories (with member signatures), held items."""

    seen: MutableMapping[str, Any]
    stories: MutableMapping[str, Any]
    held: MutableMapping[str, Any]


class Desk:
    """Turns the headlines of one desk partition into ticker events (see the module docstring)."""

    def __init__(self, tables: DeskTables, authority: AuthorityBook, policy: DeskPolicy | None = None) -> None:
        self._policy = policy or DeskPolicy()
        self._tables = tables
        self._authority = authority
        self._seen = SeenLedger(tables.seen, self._policy.seen_retention_s)
        self._held = EmbargoHold(tables.held)
        self._stories: dict[str, Story] = {}
        self._placed: dict[str, str] = {}
        """Item id → the live story it is a member of."""
        self._indexes: dict[str, StoryIndex] = {}
        self._reviews: list[tuple[float, str]] = []
        self._review_at: dict[str, float] = {}
        self._next_index_prune = 0.0
        self._clock = 0.0
        headers: dict[str, Any] = {}
        members: dict[str, list[Member]] = {}
        for key, record in tables.stories.items():
            story_id, is_header = story_of_key(key)
            if is_header:
                headers[story_id] = record
            else:
                members.setdefault(story_id, []).append(Member.from_record(record))
        for story_id, header in headers.items():
            story = Story.from_record(header, members.get(story_id, ()))
            self._stories[story_id] = story
            if not story.closed:
                self._reindex(story)
                self._placed.update(dict.fromkeys(story.members, story_id))
            self._schedule(story, 0.0)

    def __len__(self) -> int:
        """Number of live stories (shown or not)."""
        return sum(1 for story in self._stories.values() if not story.closed)

    def showing(self) -> dict[str, dict[str, Any]]:
        """The story views the ticker currently shows (what ``ticker.stories`` holds), by story id."""
        return {sid: s.shown.view for sid, s in self._stories.items() if s.shown is not None}

    def handle(self, headline: Headline, now: datetime, position: int = 0) -> list[TickerEvent]:
        """Take one headline arriving at ``now``; return the events it causes (often none).

        ``position`` is where the headline is in the desk's input (the Kafka
        offset in the worker): see :meth:`unconfirmed`.
        """
        at = self._advance(now)
        canonical = canonical_url(headline.url) if headline.url else None
        story = self._story_holding(headline.id)
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

    def tick(self, now: datetime, position: int = 0) -> list[TickerEvent]:
        """Let time pass: release embargoes, publish held-back updates, level falls and expiries."""
        at = self._advance(now)
        events: list[TickerEvent] = []
        for headline in self._held.due(at):
            events += self._apply(headline, at, position)
        while self._reviews and self._reviews[0][0] <= at:
            due, story_id = heapq.heappop(self._reviews)
            story = self._stories.get(story_id)
            if story is not None and self._review_at.get(story_id) == due:
                events += self._review(story, at, position, received=None, header_changed=False)
        self._seen.forget_expired(at)
        if at >= self._next_index_prune:
            for index in self._indexes.values():
                index.expire(as_datetime(at))
            self._next_index_prune = at + self._policy.lifecycle.review_interval_s
        return events

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
        recent = [s for s in self._stories.values() if s.last_event is not None and s.cause >= since]
        recent.sort(key=lambda s: (s.cause, s.story_id))
        return [TickerEvent.model_validate(s.last_event) for s in recent]

    def _apply(self, headline: Headline, at: float, position: int) -> list[TickerEvent]:
        """Put a showable-now version into its story and publish what changed."""
        story = self._story_holding(headline.id)
        if story is None:
            if headline.pubstatus == "canceled":
                self._seen.remember(headline.id, headline.version, at)
                return []
            member = self._member(headline, at, previous=None)
            story, founded = self._place(member, at)
            self._placed[member.item_id] = story.story_id
            self._save_member(story, member)
            header_changed = founded
        else:
            previous = story.members[headline.id]
            member = self._member(headline, at, previous=previous)
            shown = story.shown
            header_changed = headline.pubstatus == "canceled" and shown is not None and shown.lead_id == headline.id
            story.killed = story.killed or header_changed
            story.put(member)
            self._save_member(story, member)
            if member.signature != previous.signature:
                self._reindex(story)
        return self._review(story, at, position, headline.received_at.timestamp(), header_changed)

    def _story_holding(self, item_id: str) -> Story | None:
        """The live story ``item_id`` is a member of, if any."""
        story_id = self._placed.get(item_id)
        return None if story_id is None else self._stories[story_id]

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

    def _save_member(self, story: Story, member: Member) -> None:
        self._tables.stories[member_key(story.story_id, member.item_id)] = member.to_record()

    def _index(self, desk: str) -> StoryIndex:
        index = self._indexes.get(desk)
        if index is None:
            index = StoryIndex(window=timedelta(seconds=self._policy.lifecycle.story_window_s))
            self._indexes[desk] = index
        return index

    def _place(self, member: Member, at: float) -> tuple[Story, bool]:
        """Cluster a new item: the story it joins (``False``), or a new story it founds (``True``)."""
        desk = desk_key(member.language)
        index = self._index(desk)
        when = as_datetime(at)
        match = index.match(member.signature, when)
        joined = self._stories.get(match) if match is not None else None
        if joined is not None and not joined.closed:
            story, founded = joined, False
        else:
            story, founded = Story(story_id_for(member.item_id, member.version), desk=desk, first_seen=at), True
            self._stories[story.story_id] = story
        story.put(member)
        index.add(story.story_id, member.signature, when)
        return story, founded

    def _reindex(self, story: Story) -> None:
        index = self._index(story.desk)
        index.remove(story.story_id)
        for member in story.members.values():
            index.add(story.story_id, member.signature, as_datetime(member.joined_at))

    def _review(
        self, story: Story, at: float, position: int, received: float | None, header_changed: bool
    ) -> list[TickerEvent]:
        """Decide what ``story`` should look like at ``at`` and publish the difference.

        ``position`` is the input position of the record being handled;
        ``received`` is when ingest received the headline that triggered this
        review (``None`` for a clock tick); ``header_changed`` says the
        story's header must be written back even if nothing is published
        (members are written by whoever changes them).
        """
        policy = self._policy
        if story.closed:
            self._drop(story, at)
            return []
        if at >= expires_at(story.last_activity, policy.lifecycle):
            return self._expire(story, at, position)
        standings = story.standings.values()
        leading = None if story.killed else story.lead()
        recent = story.recent(at - policy.levels.lookback_s, policy.recent_limit)
        latest = evidence(recent, standings, at, policy.levels)
        lead = None if leading is None else story.members[leading.latest_item]
        level = level_at(latest, at, policy.levels)
        rounded = 0.0 if leading is None else round(score(standings, leading, at, policy.ranking), 1)
        on_ticker = shown_snapshot(story.shown, policy.ranking)
        current = None
        if lead is not None:
            shown_band = None if on_ticker is None else on_ticker.band
            current = Snapshot(
                lead.item_id, lead.version, level, band(rounded, policy.ranking, shown_band), len(story.standings)
            )
        decision = decide(on_ticker, current, story.last_emitted_at, at, policy.lifecycle)
        events: list[TickerEvent] = []
        if decision.event in ("story.new", "story.update") and lead is not None:
            view = story_view(story, lead, level, rounded, policy.max_source_names)
            event = next_event(story, decision.event, view, at, received)
            shown = Shown(event.story.model_dump(mode="json"), lead.item_id, lead.version)
            story.published(event.model_dump(mode="json"), shown, at, position)
            events.append(event)
        elif decision.event == "story.retract" and story.shown is not None:
            event = next_event(story, "story.retract", story.shown.view, at, received)
            story.published(event.model_dump(mode="json"), None, at, position)
            events.append(event)
        if events or header_changed:
            self._tables.stories[story_key(story.story_id)] = story.to_record()
        self._schedule_next(story, at, latest, decision.retry_at)
        return events

    def _expire(self, story: Story, at: float, position: int) -> list[TickerEvent]:
        """Expire ``story``: publish ``story.expire`` if it is shown, keep a closed stub for a while.

        The stub (no members, the expire event) lets :meth:`unconfirmed`
        publish the expiry again if the worker crashes right after it; it is
        dropped ``CLOSED_KEEP_S`` later. A story never shown leaves nothing.
        """
        self._index(story.desk).remove(story.story_id)
        if story.shown is None:
            self._drop(story, at)
            return []
        event = next_event(story, "story.expire", story.shown.view, at, None)
        self._forget_members(story, at)
        story.closed = True
        story.published(event.model_dump(mode="json"), None, at, position)
        self._tables.stories[story_key(story.story_id)] = story.to_record()
        self._schedule(story, at + CLOSED_KEEP_S)
        return [event]

    def _drop(self, story: Story, at: float) -> None:
        self._forget_members(story, at)
        del self._stories[story.story_id]
        self._tables.stories.pop(story_key(story.story_id), None)
        self._review_at.pop(story.story_id, None)

    def _forget_members(self, story: Story, at: float) -> None:
        """Drop the members of an ending story; the seen ledger takes over remembering their versions."""
        for item_id, member in story.members.items():
            self._tables.stories.pop(member_key(story.story_id, item_id), None)
            self._placed.pop(item_id, None)
            self._seen.remember(item_id, member.version, at)
        story.clear()

    def _schedule_next(self, story: Story, at: float, latest: dict[Any, float], retry_at: float | None) -> None:
        """Book the next moment ``story`` may change without input (all candidates are after ``at``)."""
        candidates = [expires_at(story.last_activity, self._policy.lifecycle)]
        if retry_at is not None:
            candidates.append(retry_at)
        if story.shown is not None:
            candidates.append(at + self._policy.lifecycle.review_interval_s)
            level_change = next_level_change(latest, at, self._policy.levels)
            if level_change is not None:
                candidates.append(level_change)
        self._schedule(story, min(candidates))

    def _schedule(self, story: Story, due: float) -> None:
        self._review_at[story.story_id] = due
        heapq.heappush(self._reviews, (due, story.story_id))
