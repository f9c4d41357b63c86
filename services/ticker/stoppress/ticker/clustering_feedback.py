"""Judge story clustering against the newsroom's own corrections: editors' merges and splits.

Pure: desk outcomes in, numbers out. Every applied merge or split carries a
:class:`~stoppress.shared.models.ClusterFeedback` (:mod:`.regrouping`), which
is labelled data:

- a **merge** says each ``left`` item belongs with each ``right`` item: one
  *must-link* pair per left×right pair;
- a **split** says each ``left`` item must be apart from each ``right`` item:
  one *cannot-link* pair per left×right pair.

Pairs within one side carry no label (the editor judged the two groups, not
their insides). When several corrections label the same pair, the newest one
(by ``decided_at``) is the newsroom's word: undoing a merge is a split of the
same items, and it withdraws the merge's must-links.

The clusterer is judged by replaying every distinct item through fresh
:class:`~stoppress.ticker.clustering.StoryIndex` instances in ``joined_at``
order, each decided on arrival, as the live ticker does (one index per desk,
since stories never span languages; :func:`.book.desk_key`). The replay sees
only the corrected items, not the rest of the day's headlines, so its term
weights come from fewer stories than the live index had: it measures the
clusterer's text-and-time judgement on the cases editors found worth
correcting, not a reconstruction of the live decisions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import product
from typing import Literal

from stoppress.shared.models import ClusterFeedback, DeskOutcome, FeedbackItem
from stoppress.ticker.book import desk_key
from stoppress.ticker.clustering import StoryIndex
from stoppress.ticker.clustering_eval import LabelledHeadline, replay

__all__ = [
    "Correction",
    "CorrectionScore",
    "FeedbackScores",
    "Pair",
    "corrections",
    "evaluate_feedback",
    "judge",
    "link_pairs",
    "replay_items",
    "share",
]

Pair = tuple[str, str]
"""Two item ids, the smaller first, so a pair has one spelling whichever side each came from."""
Kind = Literal["merge", "split"]


@dataclass(frozen=True)
class Correction:
    """One applied merge or split, as labelled data: who decided it, when, and the pairs it labels."""

    command_id: str
    story_id: str
    editor: str
    decided_at: datetime
    feedback: ClusterFeedback
    pairs: frozenset[Pair]

    @property
    def kind(self) -> Kind:
        """``merge`` (its pairs are must-links) or ``split`` (cannot-links)."""
        return self.feedback.kind


@dataclass(frozen=True)
class CorrectionScore:
    """How far the clusterer agrees with one correction.

    ``honoured`` counts the correction's pairs the replay got right (together
    for a merge, apart for a split); ``relabelled`` counts those a later
    correction labelled the other way (still judged here by what this
    correction said).
    """

    command_id: str
    story_id: str
    editor: str
    decided_at: datetime
    kind: Kind
    items: int
    pairs: int
    honoured: int
    relabelled: int

    @property
    def honoured_share(self) -> float | None:
        """``honoured / pairs`` in 0..1; ``None`` for a correction without pairs."""
        return share(self.honoured, self.pairs)


@dataclass(frozen=True)
class FeedbackScores:
    """The clusterer against all corrections; every pair counted once, with its newest label."""

    corrections: int
    merges: int
    splits: int
    items: int
    must_link_pairs: int
    together: int
    """Must-link pairs the replay put in one story."""
    cannot_link_pairs: int
    apart: int
    """Cannot-link pairs the replay kept in different stories."""
    relabelled_pairs: int
    """Pairs labelled both ways by different corrections (counted under their newest label)."""
    per_correction: list[CorrectionScore]

    @property
    def together_share(self) -> float | None:
        """Share of must-link pairs put together (0..1); ``None`` without must-link pairs."""
        return share(self.together, self.must_link_pairs)

    @property
    def apart_share(self) -> float | None:
        """Share of cannot-link pairs kept apart (0..1); ``None`` without cannot-link pairs."""
        return share(self.apart, self.cannot_link_pairs)


def share(part: int, whole: int) -> float | None:
    """``part / whole``, or ``None`` when there is nothing to judge (an empty figure is not a perfect one)."""
    return part / whole if whole else None


def link_pairs(feedback: ClusterFeedback) -> frozenset[Pair]:
    """Every left×right pair of item ids; an item listed on both sides is not paired with itself."""
    left = {item.item_id for item in feedback.left}
    right = {item.item_id for item in feedback.right}
    return frozenset((min(a, b), max(a, b)) for a, b in product(left, right) if a != b)


def corrections(outcomes: Iterable[DeskOutcome]) -> list[Correction]:
    """The applied merges and splits among ``outcomes``, oldest decision first (ties by command id).

    Refused commands, other actions and outcomes without feedback are left
    out; a command answered more than once (a retried command's ``repeat``,
    or the same record read twice) counts once.
    """
    found: dict[str, Correction] = {}
    for outcome in outcomes:
        feedback = outcome.feedback
        if not outcome.applied or feedback is None or outcome.command_id in found:
            continue
        found[outcome.command_id] = Correction(
            command_id=outcome.command_id,
            story_id=outcome.story_id,
            editor=outcome.editor,
            decided_at=outcome.decided_at,
            feedback=feedback,
            pairs=link_pairs(feedback),
        )
    return sorted(found.values(), key=lambda c: (c.decided_at, c.command_id))


def replay_items(chosen: Sequence[Correction], make_index: Callable[[], StoryIndex] = StoryIndex) -> dict[str, str]:
    """The story the clusterer puts each distinct item in, replayed in ``joined_at`` order (ties by item id).

    An item in several corrections is replayed once, as the earliest
    correction listed it (the headline closest to the one it arrived with).
    Story labels are ``"DESK/N"``: one fresh index per desk, as live.
    """
    items: dict[str, FeedbackItem] = {}
    for correction in chosen:
        for item in (*correction.feedback.left, *correction.feedback.right):
            items.setdefault(item.item_id, item)
    by_desk: dict[str, list[FeedbackItem]] = {}
    for item in sorted(items.values(), key=lambda i: (i.joined_at, i.item_id)):
        by_desk.setdefault(desk_key(item.language), []).append(item)
    placed: dict[str, str] = {}
    for desk, arrivals in by_desk.items():
        headlines = [LabelledHeadline(i.headline, i.item_id, i.joined_at, i.language) for i in arrivals]
        predicted = replay(headlines, make_index()).predicted
        placed.update((item.item_id, f"{desk}/{story}") for item, story in zip(arrivals, predicted, strict=True))
    return placed


def judge(chosen: Sequence[Correction], predicted: Mapping[str, str]) -> FeedbackScores:
    """Score ``predicted`` (item id → story) against ``chosen`` corrections, given oldest first."""
    newest: dict[Pair, Kind] = {}
    labelled_both_ways: set[Pair] = set()
    for correction in chosen:
        for pair in correction.pairs:
            if newest.get(pair, correction.kind) != correction.kind:
                labelled_both_ways.add(pair)
            newest[pair] = correction.kind

    def honoured(pair: Pair, kind: Kind) -> bool:
        together = predicted[pair[0]] == predicted[pair[1]]
        return together if kind == "merge" else not together

    per_correction = [
        CorrectionScore(
            command_id=c.command_id,
            story_id=c.story_id,
            editor=c.editor,
            decided_at=c.decided_at,
            kind=c.kind,
            items=len({item.item_id for item in (*c.feedback.left, *c.feedback.right)}),
            pairs=len(c.pairs),
            honoured=sum(honoured(pair, c.kind) for pair in c.pairs),
            relabelled=sum(newest[pair] != c.kind for pair in c.pairs),
        )
        for c in chosen
    ]
    must = [pair for pair, kind in newest.items() if kind == "merge"]
    cannot = [pair for pair, kind in newest.items() if kind == "split"]
    return FeedbackScores(
        corrections=len(chosen),
        merges=sum(c.kind == "merge" for c in chosen),
        splits=sum(c.kind == "split" for c in chosen),
        items=len({item.item_id for c in chosen for item in (*c.feedback.left, *c.feedback.right)}),
        must_link_pairs=len(must),
        together=sum(honoured(pair, "merge") for pair in must),
        cannot_link_pairs=len(cannot),
        apart=sum(honoured(pair, "split") for pair in cannot),
        relabelled_pairs=len(labelled_both_ways),
        per_correction=per_correction,
    )


def evaluate_feedback(
    outcomes: Iterable[DeskOutcome], make_index: Callable[[], StoryIndex] = StoryIndex
) -> FeedbackScores:
    """Corrections from ``outcomes``, their items replayed through ``make_index()`` indexes, and the scores."""
    chosen = corrections(outcomes)
    return judge(chosen, replay_items(chosen, make_index))
