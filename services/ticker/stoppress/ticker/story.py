"""A story: its members, the standing of its sources, what the ticker shows of it, and its durable record.

A :class:`Story` is every item (from any source) that clustering put
together, each as a :class:`~stoppress.ticker.members.Member` holding that
item's latest version, plus one :class:`~stoppress.ticker.members.Standing`
per source, kept up to date as members change. It also remembers what the
ticker last showed for it (``shown``), so the lifecycle rules can tell what
changed, and its ``revision`` (one per emitted event), from which event ids
are derived.

A story is kept in the ``stories`` table as one record per member
(:meth:`Member.to_record`, under :func:`member_key`, including the member's
clustering :class:`~stoppress.ticker.clustering.Signature`, so the story
index can be rebuilt after a restart) and one header (:meth:`Story.to_record`,
under :func:`story_key`). A new item or version rewrites its own member
record and the header, never the whole story, so the cost of a change does
not grow with the size of the story. Times are POSIX seconds (UTC).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from stoppress.ticker.lead import choose_lead, lead_rank
from stoppress.ticker.members import Member, Standing, joined, standing_of
from stoppress.ticker.overrides import Overrides

RECORD_VERSION = 1
"""Bumped when the record layout changes incompatibly; older records are then refused loudly.

Fields added since (editor overrides, merges) are optional, so records written before them still load.
"""


def story_key(story_id: str) -> str:
    """Where a story's header lives in the ``stories`` table."""
    return f"s:{story_id}"


def member_key(story_id: str, item_id: str) -> str:
    """Where one member of a story lives in the ``stories`` table."""
    return f"m:{story_id}:{item_id}"


def story_of_key(key: str) -> tuple[str, bool]:
    """``(story id, True)`` for a header key, ``(story id, False)`` for a member key."""
    kind, _, rest = key.partition(":")
    return (rest, True) if kind == "s" else (rest.partition(":")[0], False)


def story_id_for(item_id: str, version: int) -> str:
    """The deterministic id of the story founded by version ``version`` of item ``item_id``.

    A replay of the same input founds the same story under the same id, so
    its events keep their ids (``event_id_for(story_id, revision)``). The
    version is part of it so that an item re-founding a story after its old
    story expired does not reuse the old story's event ids.
    """
    digest = hashlib.blake2b(f"{item_id}\x00{version}".encode(), digest_size=10).hexdigest()
    return f"st-{digest}"


@dataclass(frozen=True)
class Shown:
    """What the ticker last published for a story: the view (as JSON) and the lead item behind it."""

    view: dict[str, Any]
    lead_id: str
    lead_version: int


@dataclass
class Story:
    """One story: its members (in join order), their sources' standings, and its published state.

    ``killed`` is set when the lead item of a shown story is canceled: the
    story is retracted and stays hidden, absorbing later matching items,
    until it expires (the best source withdrew it; its followers are not
    trusted to resurrect it). ``closed`` marks the stub an expired story
    leaves for a while (no members; its ``last_event`` is the expiry).

    ``last_event`` is the last event published for the story (as JSON) and
    ``cause`` the input position of the record that caused it, so that after
    a crash the events whose cause will be replayed can be published again
    (see :meth:`stoppress.ticker.desk.Desk.unconfirmed`).

    ``overrides`` are what editors set on it (:mod:`stoppress.ticker.overrides`).
    ``merged_into`` marks the stub a story merged into another leaves (no
    members; ``groups`` are the clustering groups it handed over, so that an
    unmerge can take them back); ``merged`` lists the stubs of the stories
    merged into this one (see :mod:`stoppress.ticker.regrouping`).
    """

    story_id: str
    desk: str
    first_seen: float
    revision: int = 0
    shown: Shown | None = None
    last_emitted_at: float | None = None
    killed: bool = False
    closed: bool = False
    last_event: dict[str, Any] | None = None
    cause: int = -1
    overrides: Overrides = field(default_factory=Overrides)
    merged_into: str | None = None
    merged: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    members: dict[str, Member] = field(default_factory=dict)
    standings: dict[str, Standing] = field(default_factory=dict, compare=False, repr=False)
    last_activity: float = field(default=0.0, compare=False, repr=False)
    """When the story last gained an item or a version (s); expiry counts from here."""
    _by_source: dict[str, list[str]] = field(default_factory=dict, compare=False, repr=False)
    _lead: Standing | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.last_activity = max(self.last_activity, self.first_seen)

    def put(self, member: Member) -> None:
        """Add a member, or replace the member with the same item id; its source's standing follows."""
        new = member.item_id not in self.members
        self.members[member.item_id] = member
        if new:
            self._by_source.setdefault(member.source, []).append(member.item_id)
            standing = joined(self.standings.get(member.source), member)
        else:
            standing = standing_of(self.members[item] for item in self._by_source[member.source])
        if standing is None:
            self.standings.pop(member.source, None)
        else:
            self.standings[member.source] = standing
        if self._lead is not None and self._lead.source == member.source:
            self._lead = None
        elif self._lead is not None and standing is not None and lead_rank(standing) < lead_rank(self._lead):
            self._lead = standing
        self.last_activity = max(self.last_activity, member.updated_at)

    def take(self, item_id: str) -> Member:
        """Remove a member (an editor moves it to another story); its source's standing follows."""
        member = self.members.pop(item_id)
        items = self._by_source[member.source]
        items.remove(item_id)
        standing = standing_of(self.members[item] for item in items)
        if not items:
            del self._by_source[member.source]
        if standing is None:
            self.standings.pop(member.source, None)
        else:
            self.standings[member.source] = standing
        self._lead = None
        return member

    def in_join_order(self) -> None:
        """Put the members back in join order (:meth:`recent` relies on it) after some were moved in."""
        self.members = dict(sorted(self.members.items(), key=lambda pair: (pair[1].joined_at, pair[0])))

    def group_of(self, member: Member) -> str:
        """The clustering group ``member`` counts in: its own, or this story's."""
        return member.group or self.story_id

    @property
    def live(self) -> bool:
        """Neither an expired stub nor a merged one."""
        return not self.closed and self.merged_into is None

    def lead(self) -> Standing | None:
        """The standing of the lead source (see :mod:`stoppress.ticker.lead`), kept up to date as members change."""
        if self._lead is None:
            self._lead = choose_lead(self.standings.values())
        return self._lead

    def clear(self) -> None:
        """Drop every member (the story is closing)."""
        self.members.clear()
        self.standings.clear()
        self._by_source.clear()
        self._lead = None

    def recent(self, since: float, limit: int) -> list[Member]:
        """Up to ``limit`` visible members that joined after ``since``, the latest ones, in join order.

        Members are kept in join order, so this reads from the end and stops
        at the first older member: its cost follows recent activity, not the
        size of the story.
        """
        found: list[Member] = []
        for member in reversed(self.members.values()):
            if member.joined_at <= since or len(found) >= limit:
                break
            if member.visible:
                found.append(member)
        found.reverse()
        return found

    def published(self, event: dict[str, Any], shown: Shown | None, now: float, cause: int) -> None:
        """Record that ``event`` (JSON) was emitted at ``now`` because of the input at position ``cause``.

        ``shown`` is what the event leaves on the ticker (``None``: nothing).
        """
        self.revision += 1
        self.shown = shown
        self.last_emitted_at = now
        self.last_event = event
        self.cause = cause

    def to_record(self) -> dict[str, Any]:
        """The JSON-able header kept in the ``stories`` table (members are kept separately)."""
        shown = self.shown
        return {
            "rv": RECORD_VERSION,
            "id": self.story_id,
            "desk": self.desk,
            "first": self.first_seen,
            "rev": self.revision,
            "emit_at": self.last_emitted_at,
            "killed": self.killed,
            "closed": self.closed,
            "last": self.last_event,
            "cause": self.cause,
            "shown": None if shown is None else {"view": shown.view, "lead": [shown.lead_id, shown.lead_version]},
            "ed": self.overrides.to_record(),
            "into": self.merged_into,
            "merged": self.merged,
            "groups": self.groups,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any], members: Iterable[Member] = ()) -> Story:
        """Inverse of :meth:`to_record`, with the story's ``members``; refuses a record of another layout.

        Members are put in join order, as the desk added them.
        """
        if record.get("rv") != RECORD_VERSION:
            raise ValueError(f"story record version {record.get('rv')!r} is not {RECORD_VERSION}")
        shown_record = record["shown"]
        shown = None
        if shown_record is not None:
            lead_id, lead_version = shown_record["lead"]
            shown = Shown(view=dict(shown_record["view"]), lead_id=lead_id, lead_version=lead_version)
        story = cls(
            story_id=record["id"],
            desk=record["desk"],
            first_seen=record["first"],
            revision=record["rev"],
            shown=shown,
            last_emitted_at=record["emit_at"],
            killed=record["killed"],
            closed=record["closed"],
            last_event=record["last"],
            cause=record["cause"],
            overrides=Overrides.from_record(record.get("ed")),
            merged_into=record.get("into"),
            merged=list(record.get("merged", ())),
            groups=list(record.get("groups", ())),
        )
        for member in sorted(members, key=lambda m: (m.joined_at, m.item_id)):
            story.put(member)
        return story
