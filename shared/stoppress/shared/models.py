"""The contracts that cross topics and sockets (DESIGN.md, "Models").

Every model carries ``schema_version`` as ``"MAJOR.MINOR"``. A reader accepts
any minor version of a major it knows and refuses other majors (see
:mod:`stoppress.shared.codec`), so fields can be added without a flag day.

These models check the contract, they do not clean input: turning a dirty
wire item into a valid ``Headline`` is ingest's job (``stoppress.ingest``).
A value that reaches a topic has passed these checks.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

SCHEMA_MAJOR = 1
SCHEMA_VERSION = f"{SCHEMA_MAJOR}.1"
"""1.1 added the editor's desk: ``StoryView.pinned_at``, ``TickerEvent.reason`` and ``merged_into``, and the
``desk.*`` models (``DeskCommand``, ``DeskOutcome``, ``DeskStory``)."""

Level = Literal["flash", "breaking", "urgent", "normal"]
LEVELS: tuple[Level, ...] = ("flash", "breaking", "urgent", "normal")
"""Most to least urgent."""

PubStatus = Literal["usable", "withheld", "canceled"]
EventType = Literal["story.new", "story.update", "story.retract", "story.expire"]
RetractReason = Literal["killed", "merged"]
"""Why an editor took a story off the ticker: killed, or merged into another story."""

HEADLINE_MAX_CHARS = 300
SUMMARY_MAX_CHARS = 2000

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# BCP 47 in the shape used by newsrooms: language, optional script, region and variants.
_BCP47 = re.compile(
    r"^[A-Za-z]{2,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*$"
)


def check_slug(value: str) -> str:
    """A source slug: lowercase letters, digits and inner hyphens, at most 64 chars."""
    if not _SLUG.match(value):
        raise ValueError("must be a slug: lowercase letters, digits and inner hyphens, 1-64 characters")
    return value


def check_plain_text(value: str) -> str:
    """Plain text with no control characters (markup is removed at ingest)."""
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    if value != value.strip():
        raise ValueError("must not start or end with whitespace")
    return value


def check_http_url(value: str) -> str:
    """An absolute http(s) URL with a host and no credentials in it."""
    if _CONTROL.search(value) or " " in value:
        raise ValueError("must not contain spaces or control characters")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"is not a valid URL ({exc})") from None
    del port
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError("must use http or https")
    if not parts.hostname:
        raise ValueError("must name a host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not contain credentials")
    return value


def check_language(value: str) -> str:
    """A BCP 47 language tag such as ``en``, ``en-GB`` or ``zh-Hant-TW``."""
    if not _BCP47.match(value):
        raise ValueError("must be a BCP 47 language tag such as 'en' or 'en-GB'")
    return value


def check_aware(value: datetime) -> datetime:
    """Timestamps must carry a timezone: a naive time is ambiguous across newsrooms."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must include a timezone offset, e.g. 2026-11-26T14:00:00Z")
    return value


def check_schema_version(value: str) -> str:
    """``MAJOR.MINOR`` with a major this code understands."""
    major, _, minor = value.partition(".")
    if not (major.isdigit() and minor.isdigit()):
        raise ValueError("must look like '1.0'")
    if int(major) != SCHEMA_MAJOR:
        raise ValueError(f"major version {major} is not supported (this reader knows {SCHEMA_MAJOR})")
    return value


Slug = Annotated[str, AfterValidator(check_slug)]
HttpUrl = Annotated[str, Field(max_length=2048), AfterValidator(check_http_url)]
Language = Annotated[str, Field(max_length=35), AfterValidator(check_language)]
AwareDatetime = Annotated[datetime, AfterValidator(check_aware)]
SchemaVersion = Annotated[str, AfterValidator(check_schema_version)]
Tag = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(check_plain_text)]
HeadlineText = Annotated[str, Field(min_length=1, max_length=HEADLINE_MAX_CHARS), AfterValidator(check_plain_text)]
SummaryText = Annotated[str, Field(max_length=SUMMARY_MAX_CHARS), AfterValidator(check_plain_text)]


class _Contract(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: SchemaVersion = SCHEMA_VERSION


class _Part(BaseModel):
    """A part of a contract value (versioned with the value that holds it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Headline(_Contract):
    """One version of one item from one source (the value of ``headlines.raw``).

    ``id`` is ``"{source}:{guid}"`` and is also the Kafka key, so all versions
    of an item land on one partition, in order. A higher ``version`` replaces
    a lower one.
    """

    id: Annotated[str, Field(min_length=3, max_length=512)]
    version: Annotated[int, Field(ge=0, le=2**63 - 1)] = 1
    """The producer's own version number, as it numbers them: 0 may be a first version (AP's ninjs does
    that), so readers compare versions and never treat 0 as "none". At most a signed 64-bit integer."""
    source: Slug
    source_name: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(check_plain_text)] | None = None
    """The source's display name as ingest knew it (for a relayed outlet, the outlet's own name)."""
    source_authority: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    """The source's authority weight (0-1) from ingest's source configuration; ranking reads it."""
    headline: HeadlineText
    summary: SummaryText | None = None
    url: HttpUrl | None = None
    language: Language = "en"
    urgency: Annotated[int, Field(ge=1, le=9, description="IPTC urgency: 1 = flash, 9 = lowest")] = 5
    pubstatus: PubStatus = "usable"
    subjects: Annotated[list[Tag], Field(max_length=50)] = []
    category: Tag | None = None
    region: Tag | None = None
    first_created: AwareDatetime
    version_created: AwareDatetime
    embargo_until: AwareDatetime | None = None
    received_at: AwareDatetime

    @property
    def guid(self) -> str:
        """The source's own identifier of the item (``id`` without the source prefix)."""
        return self.id.partition(":")[2]

    @model_validator(mode="after")
    def _id_belongs_to_source(self) -> Headline:
        if not self.id.startswith(f"{self.source}:") or len(self.id) == len(self.source) + 1:
            raise ValueError(f"id must be '{self.source}:<guid>' (the source slug, a colon, the item's guid)")
        return self


StoryId = Annotated[str, Field(min_length=1, max_length=128)]


class StoryView(_Contract):
    """What a client shows for one story (the value of ``ticker.stories``)."""

    story_id: StoryId
    headline: HeadlineText
    url: HttpUrl | None = None
    level: Level
    score: float
    sources: Annotated[int, Field(ge=1, description="Independent sources covering the story")]
    source_names: Annotated[list[str], Field(max_length=10)] = []
    category: Tag | None = None
    region: Tag | None = None
    language: Language = "en"
    first_seen: AwareDatetime
    updated_at: AwareDatetime
    revision: Annotated[int, Field(ge=1)]
    pinned_at: AwareDatetime | None = None
    """Set while an editor pins the story to the top of the ticker; pinned stories come first, latest pin first."""


class TickerEvent(_Contract):
    """One change to one story (the value of ``ticker.events``).

    ``event_id`` is deterministic (see :func:`event_id_for`), so a replayed or
    retried event can be recognised downstream. ``ingested_at`` is when ingest
    received the headline that caused the event; ``processed_at`` is when the
    ticker emitted it; a reader subtracts ``ingested_at`` from its own clock to
    get end-to-end latency.
    """

    event_id: str
    type: EventType
    story: StoryView
    ingested_at: AwareDatetime
    processed_at: AwareDatetime
    reason: RetractReason | None = None
    """On a ``story.retract`` an editor caused: ``killed`` (take back what was said) or ``merged``."""
    merged_into: StoryId | None = None
    """With ``reason == "merged"``: the story that now carries this one's coverage."""


def event_id_for(story_id: str, revision: int) -> str:
    """The deterministic id of the event that brought ``story_id`` to ``revision``."""
    return f"{story_id}@{revision}"


Service = Literal["ingest", "ticker", "push", "desk"]
"""The services that publish ``ops.metrics``."""


class MetricsSnapshot(_Contract):
    """One service instance's metrics at one moment (the value of ``ops.metrics``).

    ``samples`` maps a Prometheus sample name with its labels, exactly as in
    the text exposition (``stoppress_push_connections{transport="ws"}``), to
    its value, so the dashboard can show and derive rates and percentiles
    from what ``/metrics`` serves.
    """

    service: Service
    instance: Annotated[str, Field(min_length=1, max_length=128)]
    at: AwareDatetime
    samples: dict[str, float]


# The editor's desk (docs/desk.md): commands on ``desk.commands``, their outcomes on ``desk.outcomes``, and
# what editors see of each story on ``desk.stories``.

DeskAction = Literal["kill", "restore", "level", "clear", "hold", "pin", "unpin", "edit", "merge", "split"]
DESK_ACTIONS: tuple[DeskAction, ...] = (
    "kill", "restore", "level", "clear", "hold", "pin", "unpin", "edit", "merge", "split",
)
ClearTarget = Literal["level", "hold", "edit"]
DeskKey = Annotated[str, Field(pattern=r"^[a-z]{2,3}$", description="The story's desk: its primary language subtag")]
EditorName = Annotated[str, AfterValidator(check_slug)]
Reason = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(check_plain_text)]
CommandId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
ItemId = Annotated[str, Field(min_length=3, max_length=512)]

_NEEDS: dict[str, tuple[str, ...]] = {"level": ("level",), "hold": ("level",), "edit": ("headline",),
                                      "merge": ("into",), "split": ("item",)}
_TAKES: dict[str, tuple[str, ...]] = {"level": ("level", "until"), "hold": ("level",), "clear": ("clear",),
                                      "edit": ("headline", "url"), "merge": ("into",), "split": ("item",)}
_OPTIONAL = ("level", "until", "clear", "headline", "url", "into", "item")


class DeskCommand(_Contract):
    """One editor's command on one story (the value of ``desk.commands``, keyed by ``desk``).

    Applied by the ticker worker that owns the story, in order with the
    story's headlines, exactly once per ``command_id`` (a retried command is
    answered with its first outcome). ``editor`` is stamped by the desk
    service from the editor's key, never taken from the client. Which of the
    optional fields an action takes: ``level`` and ``until`` (level),
    ``level`` (hold), ``clear`` (clear: ``level``, ``hold`` and/or ``edit``;
    empty means ``level`` and ``hold``), ``headline`` and ``url`` (edit),
    ``into`` (merge: the story that absorbs this one), ``item`` (split: a
    member's item id, or the id of a story merged into this one to restore it).
    """

    command_id: CommandId
    action: DeskAction
    story_id: StoryId
    desk: DeskKey
    editor: EditorName
    reason: Reason
    issued_at: AwareDatetime
    level: Level | None = None
    until: AwareDatetime | None = None
    clear: Annotated[list[ClearTarget], Field(max_length=3)] = []
    headline: HeadlineText | None = None
    url: HttpUrl | None = None
    into: StoryId | None = None
    item: ItemId | None = None

    @model_validator(mode="after")
    def _fields_fit_the_action(self) -> DeskCommand:
        missing = [name for name in _NEEDS.get(self.action, ()) if getattr(self, name) in (None, [])]
        if missing:
            raise ValueError(f"{self.action} needs {' and '.join(missing)}")
        takes = _TAKES.get(self.action, ())
        extra = [name for name in _OPTIONAL if name not in takes and getattr(self, name) not in (None, [])]
        if extra:
            raise ValueError(f"{self.action} does not take {', '.join(extra)}")
        if self.until is not None and self.until <= self.issued_at:
            raise ValueError("until must be after issued_at")
        if self.into is not None and self.into == self.story_id:
            raise ValueError("a story cannot be merged into itself")
        return self


class FeedbackItem(_Part):
    """One item as it stood when an editor merged or split its story (labelled data for clustering)."""

    item_id: ItemId
    headline: HeadlineText
    language: Language
    joined_at: AwareDatetime


class ClusterFeedback(_Part):
    """An editor's clustering correction: ``merge`` puts ``left`` with ``right``; ``split`` keeps them apart."""

    kind: Literal["merge", "split"]
    left: list[FeedbackItem]
    right: list[FeedbackItem]


OutcomeCode = Literal[200, 404, 409, 422]


class DeskOutcome(_Contract):
    """What the ticker did with one command (the value of ``desk.outcomes``, keyed by ``command_id``).

    ``code`` follows HTTP: 200 applied, 404 unknown story, 409 conflict with
    the story's state, 422 a value that cannot apply (an item that is not a
    member, a time already past). ``events`` are the ids of the ticker events
    the command caused and ``cursor`` the push cursor of the last of them
    (readers that have it have seen the change). ``repeat`` marks the answer
    to a retried ``command_id``: the first outcome again, nothing re-applied.
    """

    command_id: CommandId
    story_id: StoryId
    action: DeskAction
    editor: EditorName
    code: OutcomeCode
    message: Annotated[str, Field(max_length=1000)]
    decided_at: AwareDatetime
    events: Annotated[list[str], Field(max_length=16)] = []
    cursor: str | None = None
    created: StoryId | None = None
    """The story a split made, or the story an unmerge restored."""
    feedback: ClusterFeedback | None = None
    repeat: bool = False

    @property
    def applied(self) -> bool:
        """Whether the command changed the story (or had already, for a repeat)."""
        return self.code == 200


class EditorMark(_Part):
    """Who set an override, when, why, and with which command."""

    editor: EditorName
    reason: Reason
    at: AwareDatetime
    command_id: CommandId


class LevelOverride(EditorMark):
    """An editor's level (``level``: the level; ``hold``: the most urgent level allowed); ``until``: when it ends."""

    level: Level
    until: AwareDatetime | None = None


class HeadlineCorrection(EditorMark):
    """The headline (and URL) an editor shows instead of the lead's; ``stale``: the lead changed since."""

    headline: HeadlineText
    url: HttpUrl | None = None
    stale: bool = False


class DeskOverrides(_Part):
    """Every editor override on a story (``None``: not set)."""

    killed: EditorMark | None = None
    level: LevelOverride | None = None
    hold: LevelOverride | None = None
    pin: EditorMark | None = None
    edit: HeadlineCorrection | None = None


class DeskMember(_Part):
    """One item of a story as the desk holds it (its latest version)."""

    item_id: ItemId
    version: Annotated[int, Field(ge=0)]
    source: Slug
    source_name: str
    headline: HeadlineText
    url: HttpUrl | None = None
    urgency: Annotated[int, Field(ge=1, le=9)]
    status: PubStatus
    authority: Annotated[float, Field(ge=0.0, le=1.0)]
    joined_at: AwareDatetime
    updated_at: AwareDatetime


class ScoreTerms(_Part):
    """The terms of the score formula (docs/ranking.md, "Score"), each 0-1, and the decay applied to their sum."""

    urgency: float
    authority: float
    corroboration: float
    velocity: float
    decay: float


DeskState = Literal["shown", "hidden", "killed", "withdrawn"]


class DeskStory(_Contract):
    """What editors see of one live story (the value of ``desk.stories``, compacted, keyed by ``story_id``).

    ``state``: ``shown`` on the ticker; ``hidden`` (nothing visible to show:
    withheld or canceled items only); ``killed`` by an editor; ``withdrawn``
    (its lead source canceled it). ``machine_level`` and ``score`` are the
    ticker's own decision, ``level`` what readers get after the overrides;
    ``evidence`` is the latest time each ranked level was earned.
    ``members`` lists the newest ``MAX_DESK_MEMBERS`` items, newest first
    (``member_count`` counts them all). A tombstone means the story ended.
    """

    story_id: StoryId
    desk: DeskKey
    language: Language
    state: DeskState
    view: StoryView | None = None
    headline: HeadlineText | None = None
    url: HttpUrl | None = None
    machine_level: Level
    level: Level
    score: float
    score_terms: ScoreTerms | None = None
    evidence: dict[Level, AwareDatetime] = {}
    sources: Annotated[int, Field(ge=0)]
    overrides: DeskOverrides = DeskOverrides()
    members: list[DeskMember] = []
    member_count: Annotated[int, Field(ge=0)]
    merged: list[StoryId] = []
    """Stories an editor merged into this one (``split`` with one of them restores it)."""
    first_seen: AwareDatetime
    updated_at: AwareDatetime
    revision: Annotated[int, Field(ge=0)]


MAX_DESK_MEMBERS = 50
"""Most members a ``DeskStory`` lists (the newest); a story of hundreds of items is summed up by the rest."""
