"""The members of a story and the standing of each source in it.

A :class:`Member` is the latest version of one item in a story, with what
ranking and levels need from it. A :class:`Standing` sums up one independent
source's visible items in a story (its authority, its most urgent item, when
it first and last covered the story, its latest item): the story keeps one
per source up to date as items arrive, so choosing the lead, counting
sources and scoring cost one step per source, not per item. Times are POSIX
seconds (UTC).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from stoppress.shared.models import PubStatus
from stoppress.ticker.clustering import Signature

__all__ = ["Member", "Standing", "distinct_sources", "joined", "standing_of", "standings_of"]

URGENT_MARK = 3
"""Items of this IPTC urgency or more urgent give level evidence (see :mod:`stoppress.ticker.levels`)."""


@dataclass(frozen=True)
class Member:
    """The latest version of one item in a story, with what ranking and levels need from it.

    ``source`` identifies the publisher: relayed outlets carry their own slug
    (see ``stoppress.ingest.sources``), so two members with different
    ``source`` are two independent sources. ``joined_at`` is when the item
    first joined the story, ``updated_at`` when its latest version arrived,
    ``urgent_since`` when it first reached its current urgency (an upgrade
    resets it, a downgrade does not), ``received_at`` when ingest received
    its latest version (for latency stamps). ``group`` is the clustering
    group it was placed through, when that is not its story's own: an editor
    merged the story it joined into this one (see :mod:`stoppress.ticker.regrouping`).
    """

    item_id: str
    version: int
    source: str
    source_name: str
    authority: float
    urgency: int
    status: PubStatus
    headline: str
    url: str | None
    category: str | None
    region: str | None
    language: str
    joined_at: float
    updated_at: float
    urgent_since: float
    received_at: float
    signature: Signature
    group: str | None = None

    @property
    def visible(self) -> bool:
        """Whether this version may be shown (``withheld`` and ``canceled`` never are)."""
        return self.status == "usable"

    def to_record(self) -> dict[str, Any]:
        """JSON-able form (short keys: a story record holds many members)."""
        return {
            "id": self.item_id,
            "v": self.version,
            "src": self.source,
            "name": self.source_name,
            "auth": self.authority,
            "urg": self.urgency,
            "st": self.status,
            "text": self.headline,
            "url": self.url,
            "cat": self.category,
            "reg": self.region,
            "lang": self.language,
            "joined": self.joined_at,
            "at": self.updated_at,
            "urg_at": self.urgent_since,
            "rcv": self.received_at,
            "sig": self.signature.to_dict(),
            **({} if self.group is None else {"grp": self.group}),
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Member:
        """Inverse of :meth:`to_record`."""
        return cls(
            item_id=record["id"],
            version=record["v"],
            source=record["src"],
            source_name=record["name"],
            authority=record["auth"],
            urgency=record["urg"],
            status=record["st"],
            headline=record["text"],
            url=record["url"],
            category=record["cat"],
            region=record["reg"],
            language=record["lang"],
            joined_at=record["joined"],
            updated_at=record["at"],
            urgent_since=record["urg_at"],
            received_at=record["rcv"],
            signature=Signature.from_dict(record["sig"]),
            group=record.get("grp"),
        )


@dataclass(frozen=True)
class Standing:
    """One independent source in a story, from its visible items.

    ``latest_item`` is its most recently joined visible item (ties: the
    highest id); ``name``, ``category`` and ``region`` are that item's.
    ``urgent`` lists ``(urgency, since)`` of its visible items of urgency
    ``URGENT_MARK`` or more urgent, the evidence levels look for.
    """

    source: str
    name: str
    authority: float
    best_urgency: int
    first_joined: float
    latest_joined: float
    latest_item: str
    category: str | None
    region: str | None
    urgent: tuple[tuple[int, float], ...]


def standing_of(members: Iterable[Member]) -> Standing | None:
    """The standing of one source from its members in a story (``None`` if none is visible)."""
    visible = [m for m in members if m.visible]
    if not visible:
        return None
    latest = max(visible, key=lambda m: (m.joined_at, m.item_id))
    return Standing(
        source=latest.source,
        name=latest.source_name,
        authority=max(m.authority for m in visible),
        best_urgency=min(m.urgency for m in visible),
        first_joined=min(m.joined_at for m in visible),
        latest_joined=latest.joined_at,
        latest_item=latest.item_id,
        category=latest.category,
        region=latest.region,
        urgent=tuple(sorted((m.urgency, m.urgent_since) for m in visible if m.urgency <= URGENT_MARK)),
    )


def joined(standing: Standing | None, member: Member) -> Standing | None:
    """The standing of a source once ``member``, an item new to the story, joins its items that stand as ``standing``.

    What :func:`standing_of` gives for all of them, from the standing alone: a
    source with many items in a story is not read again at each new one.
    """
    if not member.visible:
        return standing
    if standing is None:
        return standing_of((member,))
    newer = (member.joined_at, member.item_id) > (standing.latest_joined, standing.latest_item)
    urgent = standing.urgent
    if member.urgency <= URGENT_MARK:
        urgent = tuple(sorted((*urgent, (member.urgency, member.urgent_since))))
    return Standing(
        source=standing.source,
        name=member.source_name if newer else standing.name,
        authority=max(standing.authority, member.authority),
        best_urgency=min(standing.best_urgency, member.urgency),
        first_joined=min(standing.first_joined, member.joined_at),
        latest_joined=member.joined_at if newer else standing.latest_joined,
        latest_item=member.item_id if newer else standing.latest_item,
        category=member.category if newer else standing.category,
        region=member.region if newer else standing.region,
        urgent=urgent,
    )


def standings_of(members: Iterable[Member]) -> dict[str, Standing]:
    """Source → standing for every source with a visible item among ``members``."""
    by_source: dict[str, list[Member]] = {}
    for member in members:
        by_source.setdefault(member.source, []).append(member)
    standings = {source: standing_of(items) for source, items in by_source.items()}
    return {source: standing for source, standing in standings.items() if standing is not None}


def distinct_sources(members: Iterable[Member]) -> dict[str, float]:
    """Independent sources among ``members`` → their authority (the highest seen, if it differs)."""
    sources: dict[str, float] = {}
    for member in members:
        known = sources.get(member.source)
        if known is None or member.authority > known:
            sources[member.source] = member.authority
    return sources
