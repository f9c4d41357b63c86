"""Score story clustering against labelled headlines: B-cubed and pairwise metrics.

Pure: labels in, numbers out. :func:`replay` drives a :class:`StoryIndex`
exactly as the ticker does (each headline decided on arrival, in timestamp
order) and times each decision with an injectable clock.

B-cubed (Bagga & Baldwin 1998) scores every headline: precision is the share
of its predicted cluster that truly belongs with it, recall the share of its
true story that landed in its cluster; both averaged over headlines. It
weights big stories by their size, which matches what a reader sees. Pairwise
precision/recall count same-cluster pairs instead.

Both only judge headlines that belong to some labelled story of the replay.
:func:`outsider_joins` asks the open-world question a live ticker faces: how
often does a headline of a story the index has never seen join one of its
stories anyway (every such join is wrong)?
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from stoppress.ticker.clustering import StoryIndex, signature

__all__ = [
    "ClusteringScores",
    "LabelledHeadline",
    "OutsiderJoins",
    "Replay",
    "bcubed",
    "interleaved",
    "outsider_joins",
    "pairwise",
    "percentile",
    "replay",
    "score",
]


@dataclass(frozen=True)
class LabelledHeadline:
    """One headline with its true story label and arrival time."""

    text: str
    story: str
    at: datetime
    language: str = "en"


@dataclass(frozen=True)
class ClusteringScores:
    """Quality of a predicted clustering against the truth (all in 0..1 except counts)."""

    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    pairwise_precision: float
    pairwise_recall: float
    predicted_stories: int
    true_stories: int
    headlines: int


@dataclass(frozen=True)
class Replay:
    """Predicted story per headline (same order as the input) and its cost in µs.

    ``cpu_us`` is the thread's CPU time (what the core costs, unaffected by
    other processes on a busy machine); ``wall_us`` is elapsed time.
    """

    predicted: list[str]
    cpu_us: list[float]
    wall_us: list[float]


@dataclass(frozen=True)
class OutsiderJoins:
    """Outsiders matched against a replay's index, how many joined a story, and the first few that did.

    ``examples`` gives an outsider's text, the first headline of the story it
    joined and the terms the two had in common.
    """

    probes: int
    joins: int
    examples: list[tuple[str, str, tuple[str, ...]]]

    @property
    def rate(self) -> float | None:
        """Share of probes that joined a story; ``None`` when nothing was probed."""
        return self.joins / self.probes if self.probes else None


def bcubed(predicted: Sequence[Hashable], truth: Sequence[Hashable]) -> tuple[float, float]:
    """B-cubed (precision, recall) of ``predicted`` cluster labels against ``truth``.

    Computed from the contingency table in O(n), not from all pairs.
    """
    _check_lengths(predicted, truth)
    if not truth:
        return 1.0, 1.0
    joint = Counter(zip(predicted, truth, strict=True))
    pred_sizes = Counter(predicted)
    true_sizes = Counter(truth)
    precision = sum(n * n / pred_sizes[p] for (p, _), n in joint.items()) / len(truth)
    recall = sum(n * n / true_sizes[t] for (_, t), n in joint.items()) / len(truth)
    return precision, recall


def pairwise(predicted: Sequence[Hashable], truth: Sequence[Hashable]) -> tuple[float, float]:
    """Pairwise (precision, recall): over headline pairs put together / truly together.

    An empty denominator (no pairs predicted, or no true pairs) scores 1.0.
    """
    _check_lengths(predicted, truth)
    joint_pairs = sum(_pairs(n) for n in Counter(zip(predicted, truth, strict=True)).values())
    pred_pairs = sum(_pairs(n) for n in Counter(predicted).values())
    true_pairs = sum(_pairs(n) for n in Counter(truth).values())
    precision = joint_pairs / pred_pairs if pred_pairs else 1.0
    recall = joint_pairs / true_pairs if true_pairs else 1.0
    return precision, recall


def score(predicted: Sequence[Hashable], truth: Sequence[Hashable]) -> ClusteringScores:
    """All clustering metrics at once."""
    b_p, b_r = bcubed(predicted, truth)
    p_p, p_r = pairwise(predicted, truth)
    return ClusteringScores(
        bcubed_precision=b_p,
        bcubed_recall=b_r,
        bcubed_f1=_f1(b_p, b_r),
        pairwise_precision=p_p,
        pairwise_recall=p_r,
        predicted_stories=len(set(predicted)),
        true_stories=len(set(truth)),
        headlines=len(truth),
    )


def replay(
    headlines: Iterable[LabelledHeadline],
    index: StoryIndex,
    cpu_clock_ns: Callable[[], int] = time.thread_time_ns,
    wall_clock_ns: Callable[[], int] = time.perf_counter_ns,
) -> Replay:
    """Feed headlines (already in arrival order) through ``index`` as the ticker would.

    Each headline is matched on arrival, then added to the matched story or
    to a new one; stories past the window are expired first. The timed cost
    covers signature + match + add (not expiry, which is amortised).
    """
    predicted: list[str] = []
    cpu_us: list[float] = []
    wall_us: list[float] = []
    started = 0
    for item in headlines:
        index.expire(item.at)
        new_story = f"story-{started}"
        cpu_started, wall_started = cpu_clock_ns(), wall_clock_ns()
        story_id = _place(index, item, new_story)
        started += story_id == new_story
        predicted.append(story_id)
        cpu_us.append((cpu_clock_ns() - cpu_started) / 1000)
        wall_us.append((wall_clock_ns() - wall_started) / 1000)
    return Replay(predicted=predicted, cpu_us=cpu_us, wall_us=wall_us)


def outsider_joins(
    headlines: Sequence[LabelledHeadline],
    outsiders: Sequence[LabelledHeadline],
    index: StoryIndex,
    checkpoints: int = 10,
    examples: int = 5,
) -> OutsiderJoins:
    """Replay ``headlines`` and, at ``checkpoints`` points, match every outsider against the index.

    The points are evenly spaced arrivals (the last headline is always one);
    each outsider is matched at that arrival's time, as if it came next, and
    never added. Outsiders whose story label occurs in ``headlines`` are left
    out, so every join counted is a wrong join by construction.
    """
    known = {h.story for h in headlines}
    probes = [(h.text, signature(h.text, h.language)) for h in outsiders if h.story not in known]
    stride = max(1, len(headlines) // max(1, checkpoints))
    first_text: dict[str, str] = {}
    probed = joins = 0
    found: list[tuple[str, str, tuple[str, ...]]] = []
    for position, item in enumerate(headlines, start=1):
        index.expire(item.at)
        story_id = _place(index, item, f"story-{len(first_text)}")
        first_text.setdefault(story_id, item.text)
        if position % stride and position != len(headlines):
            continue
        for text, sig in probes:
            probed += 1
            joined = index.match(sig, item.at)
            if joined is not None:
                joins += 1
                if len(found) < examples:
                    found.append((text, first_text[joined], index.terms_in_common(joined, sig)))
    return OutsiderJoins(probes=probed, joins=joins, examples=found)


def _place(index: StoryIndex, item: LabelledHeadline, new_story: str) -> str:
    """Decide ``item``'s story as the ticker would (``new_story`` if it starts one), add it, return the story."""
    sig = signature(item.text, item.language)
    story_id = index.match(sig, item.at)
    if story_id is None:
        story_id = new_story
    index.add(story_id, sig, item.at)
    return story_id


def interleaved(headlines: Sequence[LabelledHeadline], seed: int) -> list[LabelledHeadline]:
    """The headlines with uniformly random times within their span, in the new time order.

    Breaks the time structure of a data set (real stories arrive in bursts) so
    stories overlap and only their text can tell them apart: a robustness
    check for the text side of clustering. Same seed, same result.
    """
    if not headlines:
        return []
    start = min(h.at for h in headlines)
    span = max(h.at for h in headlines) - start
    rng = random.Random(seed)
    moved = [replace(h, at=start + span * rng.random()) for h in headlines]
    moved.sort(key=lambda h: h.at)
    return moved


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of ``values``; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _check_lengths(predicted: Sequence[Hashable], truth: Sequence[Hashable]) -> None:
    if len(predicted) != len(truth):
        raise ValueError(f"predicted has {len(predicted)} labels but truth has {len(truth)}")
