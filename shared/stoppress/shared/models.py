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
SCHEMA_VERSION = f"{SCHEMA_MAJOR}.0"

Level = Literal["flash", "breaking", "urgent", "normal"]
LEVELS: tuple[Level, ...] = ("flash", "breaking", "urgent", "normal")
"""Most to least urgent."""

PubStatus = Literal["usable", "withheld", "canceled"]
EventType = Literal["story.new", "story.update", "story.retract", "story.expire"]

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


class StoryView(_Contract):
    """What a client shows for one story (the value of ``ticker.stories``)."""

    story_id: Annotated[str, Field(min_length=1, max_length=128)]
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


def event_id_for(story_id: str, revision: int) -> str:
    """The deterministic id of the event that brought ``story_id`` to ``revision``."""
    return f"{story_id}@{revision}"


class MetricsSnapshot(_Contract):
    """One service instance's metrics at one moment (the value of ``ops.metrics``).

    ``samples`` maps a Prometheus sample name with its labels, exactly as in
    the text exposition (``stoppress_push_connections{transport="ws"}``), to
    its value, so the dashboard can show and derive rates and percentiles
    from what ``/metrics`` serves.
    """

    service: Literal["ingest", "ticker", "push"]
    instance: Annotated[str, Field(min_length=1, max_length=128)]
    at: AwareDatetime
    samples: dict[str, float]
