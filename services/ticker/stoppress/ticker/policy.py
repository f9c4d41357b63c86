"""Every tunable rule of the desk, grouped by the module that applies it."""

from __future__ import annotations

from dataclasses import dataclass, field

from stoppress.ticker.levels import LevelPolicy
from stoppress.ticker.lifecycle import LifecyclePolicy
from stoppress.ticker.ranking import RankingPolicy

__all__ = ["DeskPolicy"]


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
