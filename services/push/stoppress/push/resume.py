"""Resume planning: what a reconnecting client with a cursor must get, decided without I/O.

The gateway knows three ranges of ``ticker.events``: the ring (newest events in
memory), what Kafka still has (``log_start`` to ``log_end``, exclusive), and
the cursor's offset. The plan is one of:

- :class:`FromRing` — every missed event is in memory (also "nothing missed");
- :class:`ReadBack` — read the older part from Kafka, then continue from the ring;
- :class:`WaitFor` — the cursor comes from a replica that is ahead of this one:
  wait until this replica has read that far, then plan again;
- :class:`Reset` — the missed events are gone or the cursor belongs to another
  incarnation of the topic: fresh snapshot with ``recovered: false`` and the reason.

A cursor is only trusted after the fingerprint of the record it names is
checked, in the ring here or by the Kafka read-back (see :mod:`stoppress.push.cursor`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from stoppress.shared.cursor import Cursor


@dataclass(frozen=True, slots=True)
class FromRing:
    """Replay ring entries after ``after`` (none if the client is up to date)."""

    after: int


@dataclass(frozen=True, slots=True)
class ReadBack:
    """Read ``ticker.events`` from ``start`` in Kafka; check the record at ``start`` if ``verify`` is set.

    Events after ``start`` (or from ``start`` when ``verify`` is ``None``) are
    replayed until the ring takes over.
    """

    start: int
    verify: str | None


@dataclass(frozen=True, slots=True)
class WaitFor:
    """This replica has not read up to ``offset`` yet, but Kafka has it."""

    offset: int


@dataclass(frozen=True, slots=True)
class Reset:
    """Gap-free resume is impossible; ``reason`` is shown to the client."""

    reason: str


ResumePlan = FromRing | ReadBack | WaitFor | Reset

AHEAD = "cursor is ahead of ticker.events (the topic was probably recreated)"
DELETED = "events after the cursor are no longer kept in ticker.events (retention or deletion)"
OTHER_INCARNATION = "cursor belongs to another incarnation of ticker.events (the topic was recreated)"


def plan_resume(
    cursor: Cursor,
    *,
    ring_first: int | None,
    ring_last: int | None,
    fingerprint_at: Callable[[int], str | None],
    log_start: int,
    log_end: int,
) -> ResumePlan:
    """Decide how to bring a client at ``cursor`` up to date.

    ``ring_first``/``ring_last`` are the oldest and newest offsets in memory
    (``None`` when empty), ``fingerprint_at`` looks an offset up in the ring,
    ``log_start``/``log_end`` are Kafka's earliest and next offsets as last seen.
    """
    if ring_last is None or cursor.offset > ring_last:
        if cursor.offset == -1:
            return FromRing(after=-1) if log_start == 0 else Reset(DELETED)
        if cursor.offset < log_end:
            return WaitFor(cursor.offset)
        return Reset(AHEAD)
    if ring_first is not None and cursor.offset >= ring_first:
        found = fingerprint_at(cursor.offset)
        if found is None:
            return Reset(f"cursor names offset {cursor.offset}, which holds no event")
        if found != cursor.fingerprint:
            return Reset(OTHER_INCARNATION)
        return FromRing(after=cursor.offset)
    if cursor.offset == -1:
        return ReadBack(start=0, verify=None) if log_start == 0 else Reset(DELETED)
    if cursor.offset < log_start:
        return Reset(DELETED)
    return ReadBack(start=cursor.offset, verify=cursor.fingerprint)
