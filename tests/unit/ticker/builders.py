"""Values for the ticker's pure-core tests: headlines and members at known times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from stoppress.shared.models import Headline
from stoppress.ticker.clustering import signature
from stoppress.ticker.members import Member, Standing, standings_of

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
"""The tests' epoch: every time is given in minutes after it."""

QUAKE = "Earthquake of magnitude 7.1 strikes northern Japan"
VOLCANO = "Volcano erupts on Iceland peninsula, town of Grindavik evacuated"
BANKRUPTCY = "Pizza chain Sbarro files for Chapter 11 bankruptcy protection"


def at(minutes: float = 0.0) -> datetime:
    """``minutes`` after :data:`T0`."""
    return T0 + timedelta(minutes=minutes)


def ts(minutes: float = 0.0) -> float:
    """``minutes`` after :data:`T0`, as POSIX seconds."""
    return at(minutes).timestamp()


def headline(
    source: str = "reuters",
    guid: str = "1",
    text: str = QUAKE,
    *,
    version: int = 1,
    urgency: int = 5,
    minutes: float = 0.0,
    authority: float | None = 0.9,
    **fields: Any,
) -> Headline:
    """A valid headline from ``source`` created and received ``minutes`` after :data:`T0`."""
    when = at(minutes)
    return Headline(
        id=f"{source}:{guid}",
        version=version,
        source=source,
        source_authority=authority,
        headline=text,
        urgency=urgency,
        first_created=when,
        version_created=when,
        received_at=when,
        **fields,
    )


def member(
    source: str = "reuters",
    item: str = "1",
    *,
    urgency: int = 5,
    authority: float = 0.9,
    joined: float = 0.0,
    urgent_since: float | None = None,
    status: str = "usable",
    text: str = QUAKE,
) -> Member:
    """A story member whose times are given in minutes after :data:`T0`."""
    return Member(
        item_id=f"{source}:{item}",
        version=1,
        source=source,
        source_name=source.upper(),
        authority=authority,
        urgency=urgency,
        status=status,  # type: ignore[arg-type]
        headline=text,
        url=None,
        category=None,
        region=None,
        language="en",
        joined_at=ts(joined),
        updated_at=ts(joined),
        urgent_since=ts(joined if urgent_since is None else urgent_since),
        received_at=ts(joined),
        signature=signature(text),
    )


def standings(*members: Member) -> list[Standing]:
    """The sources' standings in a story made of ``members``."""
    return list(standings_of(members).values())
