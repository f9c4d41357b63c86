"""How urgent a story is: the flash / breaking / urgent / normal rules, in one place.

A level is earned by *evidence* at a moment and held for a while after it:

======== ============================================================ ========
level    evidence at time t (from the story's visible items)           held
======== ============================================================ ========
flash    an item of IPTC urgency 1 (since it reached urgency 1)         30 min
breaking an item of urgency ≤ 2, or a burst: ≥ 3 independent sources    2 h
         whose first item joined within 30 min of each other with
         authorities summing to ≥ 2.0
urgent   an item of urgency ≤ 3, or a burst of ≥ 2 sources with          6 h
         authorities summing to ≥ 1.0 within 30 min
normal   anything else                                                  —
======== ============================================================ ========

Evidence for a level is also evidence for every level below it, so a story
steps down one level at a time as it ages (flash → breaking after 30 min,
→ urgent after 2 h, → normal after 6 h, each counted from the latest
evidence), and rises as soon as corroboration arrives. Everything is derived
from the current visible members, so a canceled or withheld item stops
counting at once. Times are POSIX seconds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from stoppress.shared.models import LEVELS, Level
from stoppress.ticker.members import Member, Standing, distinct_sources

__all__ = ["LevelPolicy", "evidence", "level_at", "next_level_change", "rank"]

_EPSILON = 1e-9
"""Authority sums are floats: 0.7 + 0.7 + 0.6 must reach 2.0."""

RANKED_LEVELS: tuple[Level, ...] = ("flash", "breaking", "urgent")
"""Levels that need evidence, most urgent first (``normal`` needs none)."""


@dataclass(frozen=True)
class LevelPolicy:
    """The thresholds of the level rules (times in seconds, authorities 0–1)."""

    burst_window_s: float = 30 * 60
    breaking_min_sources: int = 3
    breaking_min_authority: float = 2.0
    urgent_min_sources: int = 2
    urgent_min_authority: float = 1.0
    flash_hold_s: float = 30 * 60
    breaking_hold_s: float = 2 * 3600
    urgent_hold_s: float = 6 * 3600

    @property
    def longest_hold_s(self) -> float:
        """Evidence older than this (s) no longer affects the level."""
        return max(self.flash_hold_s, self.breaking_hold_s, self.urgent_hold_s)

    @property
    def lookback_s(self) -> float:
        """How far back (s) joins can still make evidence that holds now: the longest hold plus a burst."""
        return self.longest_hold_s + self.burst_window_s

    def hold_s(self, level: Level) -> float:
        """How long evidence for ``level`` keeps a story at that level (s)."""
        return {"flash": self.flash_hold_s, "breaking": self.breaking_hold_s, "urgent": self.urgent_hold_s}[level]


def evidence(
    recent: Sequence[Member], standings: Iterable[Standing], now: float, policy: LevelPolicy
) -> dict[Level, float]:
    """The latest time (s) at which a story gave evidence for each ranked level that can still hold at ``now``.

    Urgency evidence comes from the sources' ``standings``; bursts from the
    ``recent`` visible members in join order (those that joined within the
    longest hold plus one burst window of ``now``, see
    :meth:`stoppress.ticker.story.Story.recent`), so the cost follows the
    story's recent activity, not its size.
    """
    latest: dict[Level, float] = {}
    horizon = now - policy.longest_hold_s

    def record(level: Level, at: float) -> None:
        for lower in RANKED_LEVELS[RANKED_LEVELS.index(level) :]:
            if at > latest.get(lower, float("-inf")):
                latest[lower] = at

    for standing in standings:
        for urgency, since in standing.urgent:
            urgency_level = _urgency_level(urgency)
            if urgency_level is not None and since > horizon:
                record(urgency_level, since)
    for level, at in _latest_bursts([m for m in recent if m.visible], policy).items():
        if at > horizon:
            record(level, at)
    return latest


def level_at(latest: dict[Level, float], now: float, policy: LevelPolicy) -> Level:
    """The level a story with evidence ``latest`` has at ``now``."""
    for level in RANKED_LEVELS:
        at = latest.get(level)
        if at is not None and now - at < policy.hold_s(level):
            return level
    return "normal"


def next_level_change(latest: dict[Level, float], now: float, policy: LevelPolicy) -> float | None:
    """When (s) the level will next fall without new input, or ``None`` if it is ``normal`` for good."""
    ends = [at + policy.hold_s(level) for level, at in latest.items() if at + policy.hold_s(level) > now]
    return min(ends, default=None)


def rank(level: Level) -> int:
    """0 for flash … 3 for normal: a lower rank is more urgent."""
    return LEVELS.index(level)


def _urgency_level(urgency: int) -> Level | None:
    if urgency == 1:
        return "flash"
    if urgency <= 2:
        return "breaking"
    if urgency <= 3:
        return "urgent"
    return None


def _latest_bursts(joined: list[Member], policy: LevelPolicy) -> dict[Level, float]:
    """The last moment a join completed a burst of each level (``joined`` in join order).

    A busy story usually has a breaking burst in the window closing at its
    last join, which settles both levels at once. Otherwise a
    ``burst_window_s`` window slides over the join times, keeping the
    number of distinct sources in it and the sum of their authorities (each
    source counted once, with its highest authority).
    """
    authority = distinct_sources(joined)
    if not joined:
        return {}
    last = joined[-1].joined_at
    closing = {m.source for m in joined if m.joined_at > last - policy.burst_window_s}
    if len(closing) >= policy.breaking_min_sources and (
        sum(authority[s] for s in closing) >= policy.breaking_min_authority - _EPSILON
    ):
        return {"breaking": last}
    joins = sorted((m.joined_at, m.source) for m in joined)
    latest: dict[Level, float] = {}
    in_window: Counter[str] = Counter()
    total = 0.0
    start = 0
    for at, source in joins:
        if not in_window[source]:
            total += authority[source]
        in_window[source] += 1
        while joins[start][0] <= at - policy.burst_window_s:
            old_source = joins[start][1]
            in_window[old_source] -= 1
            if not in_window[old_source]:
                del in_window[old_source]
                total -= authority[old_source]
            start += 1
        sources = len(in_window)
        if sources >= policy.breaking_min_sources and total >= policy.breaking_min_authority - _EPSILON:
            latest["breaking"] = at
        elif sources >= policy.urgent_min_sources and total >= policy.urgent_min_authority - _EPSILON:
            latest["urgent"] = at
    return latest
