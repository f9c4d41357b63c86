"""Which item leads a story: the best-ranked source's latest item, at its latest version.

Sources are ranked by authority, then by the most urgent item they
contributed, then by who covered the story first, then by slug (so the
choice is deterministic). Within the lead source its most recently joined
item leads (a wire's follow-up supersedes its first flash); a member always
holds its item's latest version, so a correction replaces the text in place.
"""

from __future__ import annotations

from collections.abc import Iterable

from stoppress.ticker.members import Standing

__all__ = ["choose_lead", "lead_rank"]


def lead_rank(standing: Standing) -> tuple[float, int, float, str]:
    """How a source ranks for the lead: the smallest rank leads."""
    return (-standing.authority, standing.best_urgency, standing.first_joined, standing.source)


def choose_lead(standings: Iterable[Standing]) -> Standing | None:
    """The standing of the lead source (its ``latest_item`` leads), or ``None`` if nothing is visible."""
    return min(standings, key=lead_rank, default=None)
