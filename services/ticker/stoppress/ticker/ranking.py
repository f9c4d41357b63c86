"""The score of a story (0–100) and its band: the one formula that orders the ticker.

::

    score = 100 · decay · (0.35·U + 0.15·A + 0.30·C + 0.20·V)

    U = (9 − u) / 8          u: the most urgent IPTC urgency among visible items (1 → 1.0, 9 → 0.0)
    A = authority of the lead item's source (0–1)
    C = 1 − exp(−S / 2)      S: Σ authority of independent sources whose latest visible item
                                joined in the last 2 h (corroboration)
    V = 1 − exp(−R / 1.5)    R: Σ authority of independent sources whose first visible item
                                joined in the last 15 min (velocity: new coverage arriving now)
    decay = 0.5 ^ (age / 2 h) age: time since the latest visible item joined the story

Each term is in [0, 1], so the weights say how much each may contribute: an
urgency-1 item from a top source, confirmed by four more top sources within
a quarter of an hour, scores about 97; a lone routine item (urgency 5) from
a source of authority 0.5 about 37, and about 12 two hours later. ``band`` cuts
the score into tenths, with a one-point hysteresis; a band change is one of
the reasons for a ``story.update`` (see :mod:`stoppress.ticker.lifecycle`). Times are POSIX
seconds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from stoppress.ticker.members import Standing

__all__ = ["RankingPolicy", "Terms", "band", "score", "score_of", "terms"]


@dataclass(frozen=True)
class RankingPolicy:
    """The weights, windows (s) and scales of the score formula."""

    urgency_weight: float = 0.35
    authority_weight: float = 0.15
    corroboration_weight: float = 0.30
    velocity_weight: float = 0.20
    corroboration_window_s: float = 2 * 3600
    corroboration_scale: float = 2.0
    velocity_window_s: float = 15 * 60
    velocity_scale: float = 1.5
    half_life_s: float = 2 * 3600
    band_width: float = 10.0
    band_hysteresis: float = 1.0
    """Points a score must move past a band's edge before the band counts as changed."""


@dataclass(frozen=True)
class Terms:
    """The terms of the formula for one story at one moment, each in [0, 1] (see the module docstring)."""

    urgency: float
    authority: float
    corroboration: float
    velocity: float
    decay: float


def terms(standings: Iterable[Standing], lead: Standing, now: float, policy: RankingPolicy) -> Terms:
    """U, A, C, V and the decay of a story whose ``standings`` (at least one) are these, led by ``lead``'s item.

    One pass over the sources: the desk judges a story at every headline it
    gets, and a big story has a hundred sources.
    """
    best_urgency = 10
    newest = -math.inf
    recent: list[float] = []
    fresh: list[float] = []
    corroboration_window, velocity_window = policy.corroboration_window_s, policy.velocity_window_s
    for source in standings:
        # Comparisons, not min()/max(): at the bench's 53 sources per story, 3 µs instead of 12 per headline.
        if source.best_urgency < best_urgency:  # noqa: PLR1730
            best_urgency = source.best_urgency
        latest = source.latest_joined
        if latest > newest:  # noqa: PLR1730
            newest = latest
        if now - latest < corroboration_window:
            recent.append(source.authority)
        if now - source.first_joined < velocity_window:
            fresh.append(source.authority)
    return Terms(
        urgency=(9 - best_urgency) / 8,
        authority=lead.authority,
        corroboration=1 - math.exp(-math.fsum(recent) / policy.corroboration_scale),
        velocity=1 - math.exp(-math.fsum(fresh) / policy.velocity_scale),
        decay=math.pow(0.5, max(0.0, now - newest) / policy.half_life_s),
    )


def score(standings: Iterable[Standing], lead: Standing, now: float, policy: RankingPolicy) -> float:
    """The score (0–100) at ``now`` of a story whose sources stand as ``standings``, led by ``lead``'s item."""
    sources = list(standings)
    return score_of(terms(sources, lead, now, policy), policy) if sources else 0.0


def score_of(parts: Terms, policy: RankingPolicy) -> float:
    """The score (0–100) the terms add up to."""
    raw = (
        policy.urgency_weight * parts.urgency
        + policy.authority_weight * parts.authority
        + policy.corroboration_weight * parts.corroboration
        + policy.velocity_weight * parts.velocity
    )
    return 100.0 * parts.decay * raw


def band(value: float, policy: RankingPolicy, shown: int | None = None) -> int:
    """Which tenth of the scale a score falls in (0 for 0–<10 … 10 for exactly 100).

    With ``shown`` (the band last published), a score within
    ``band_hysteresis`` of that band's edges keeps it: a score wobbling
    around 70 does not flap between bands, and one second of decay does not
    make an update.
    """
    plain = int(value // policy.band_width)
    if shown is None or plain == shown:
        return plain
    low = shown * policy.band_width
    if low - policy.band_hysteresis < value < low + policy.band_width + policy.band_hysteresis:
        return shown
    return plain
