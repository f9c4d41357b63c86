"""Story clustering: decide on arrival which story a headline belongs to.

Pure core: no I/O, no clock (``now`` is passed in). The stream layer persists
each story's member :class:`Signature` values and rebuilds a
:class:`StoryIndex` from them on restart, so the index is derived state: its
decisions depend only on the set of members it holds (not on the order they
were added in, up to floating-point rounding).

Method (chosen on evidence, see "Story clustering" in ``docs/ranking.md``):

- A headline's features are its normalised terms (:mod:`.textfeatures`).
- Each term is weighted by an IDF learned online from the stories in the
  index: ``idf(t) = ln((S + 1) / (s(t) + 1)) + 1`` with ``S`` stories and
  ``s(t)`` of them using ``t``. Counting stories rather than headlines keeps a
  story's own name ("titanfall" in 160 headlines of one story) informative
  while words spread over many stories ("stocks", "sxsw") fade.
- Similarity to a story is average-link: the mean over its members of
  ``Σ_shared idf(t)² / (Σ_h idf(t)² · √(|m| / |h|))``, an idf cosine whose
  member norm is approximated as ``√|m|`` times the headline's own RMS idf.
  That keeps it scale-free (an identical one-headline story scores 1, however
  large the index and its idf values grow) and lets each story keep one
  running sum per term (``mass``), so a match costs O(the postings of its
  terms) and does not depend on the order members were added in.
- The bar to join falls with story size: ``single_threshold`` for a story of
  one headline (a pair must look alike), towards ``settled_threshold`` for a
  big story (whose vocabulary is well established). Among stories over their
  bar the one furthest over it (ratio) wins, so a stray one-headline story
  cannot steal members from the big story it belongs to.
- One everyday word is not enough: a headline of several terms that shares
  only one with a story, and that one an everyday English word (``gas``,
  ``north``, ``test``: :mod:`.everyday`), does not join it. The idf learned
  in the window cannot tell such a word from a story's name (``titanfall``,
  ``bitcoin``) when few live stories use it; general English can.
- Time decay: a story's similarity halves every ``half_life`` since its newest
  member. Coverage of one event comes in bursts; a story quiet for hours
  needs a much closer match to be revived, and otherwise a new story starts.
  Precision over recall: a wrong merge hides a story, a split shows two.
- Candidates come from an inverted index (term → stories); terms used by more
  than ``max_postings`` stories are too common to nominate candidates.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from stoppress.ticker.everyday import everyday_terms
from stoppress.ticker.textfeatures import headline_terms

__all__ = ["MAX_TERMS", "MAX_TERM_CHARS", "SIGNATURE_VERSION", "Signature", "StoryIndex", "signature"]

SIGNATURE_VERSION = 1
MAX_TERMS = 32
"""Most terms kept per headline (a 300-character headline has fewer than ~40)."""
MAX_TERM_CHARS = 32
"""Longest term kept, in characters; keeps a signature under ~1.2 KB of JSON."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)


def _microseconds(at: datetime) -> int:
    """``at`` in whole microseconds since the epoch (a naive time read as UTC).

    Times are compared and divided as integers in the matching loop: exactly
    what ``timedelta`` arithmetic does, without a ``timedelta`` per candidate.
    """
    return (at - (_EPOCH if at.tzinfo is not None else _NAIVE_EPOCH)) // _MICROSECOND


@dataclass(frozen=True)
class Signature:
    """The features of one headline used for matching.

    ``terms`` are the distinct normalised terms in reading order (at most
    :data:`MAX_TERMS`, each at most :data:`MAX_TERM_CHARS` characters).
    Round-trips through :meth:`to_dict` / :meth:`from_dict` (JSON-able).
    """

    terms: tuple[str, ...]
    language: str = "en"

    def to_dict(self) -> dict[str, object]:
        """JSON-able form for persisting in a faust Table."""
        return {"v": SIGNATURE_VERSION, "terms": list(self.terms), "lang": self.language}

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> Signature:
        """Inverse of :meth:`to_dict`; raises ``ValueError`` on a malformed or newer dict."""
        version = d.get("v", SIGNATURE_VERSION)
        if version != SIGNATURE_VERSION:
            raise ValueError(f"signature: unsupported version {version!r}")
        terms = d.get("terms")
        language = d.get("lang", "en")
        if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
            raise ValueError("signature: 'terms' must be a list of strings")
        if not isinstance(language, str):
            raise ValueError("signature: 'lang' must be a string")
        return cls(terms=tuple(dict.fromkeys(t[:MAX_TERM_CHARS] for t in terms))[:MAX_TERMS], language=language)


def signature(text: str, language: str = "en") -> Signature:
    """Compute the matching features of one headline."""
    terms = dict.fromkeys(term[:MAX_TERM_CHARS] for term in headline_terms(text, language))
    return Signature(terms=tuple(terms)[:MAX_TERMS], language=language)


@dataclass
class _Story:
    """What the index keeps per story: enough to score a headline against it in O(terms)."""

    last_at: int
    """When the newest member joined (microseconds since the epoch)."""
    members: int = 0
    mass: dict[str, float] = field(default_factory=dict)
    """term → Σ over members using it of 1 / √(member's term count); its keys are the story's terms."""


def _rests_on_one_of(story: _Story, terms: tuple[str, ...], words: frozenset[str]) -> bool:
    """Whether ``story`` shares exactly one of ``terms``, and that one is in ``words``."""
    shared = [term for term in terms if term in story.mass]
    return len(shared) == 1 and shared[0] in words


class StoryIndex:
    """The stories of the last ``window``, searchable by headline :class:`Signature`.

    Keyword tuning (defaults chosen on the UCI dev set, see the module doc):
    ``single_threshold`` (similarity a one-headline story needs),
    ``settled_threshold`` (the floor a large story's bar tends to),
    ``half_life`` (time decay of a quiet story's pull; ``None`` disables it),
    ``max_postings`` (terms used by more stories do not nominate candidates),
    ``everyday_rule`` (refuse a join resting on one everyday word; ``False`` turns it off).
    """

    def __init__(
        self,
        window: timedelta = timedelta(hours=48),
        *,
        single_threshold: float = 0.2,
        settled_threshold: float = 0.05,
        half_life: timedelta | None = timedelta(minutes=90),
        max_postings: int = 500,
        everyday_rule: bool = True,
    ) -> None:
        if window <= timedelta(0):
            raise ValueError("window must be positive")
        if not 0 < settled_threshold <= single_threshold:
            raise ValueError("need 0 < settled_threshold <= single_threshold")
        if half_life is not None and half_life <= timedelta(0):
            raise ValueError("half_life must be positive or None")
        self.window = window
        self.single_threshold = single_threshold
        self.settled_threshold = settled_threshold
        self.half_life = half_life
        self.max_postings = max_postings
        self.everyday_rule = everyday_rule
        self._stories: dict[str, _Story] = {}
        self._postings: dict[str, set[str]] = {}

    def __len__(self) -> int:
        """Number of stories currently indexed."""
        return len(self._stories)

    def __contains__(self, story_id: object) -> bool:
        return story_id in self._stories

    def match(self, sig: Signature, now: datetime, exclude: Callable[[str], bool] | None = None) -> str | None:
        """Return the story ``sig`` belongs to, or ``None`` when it starts a new one.

        Only stories whose newest member is within ``window`` of ``now`` are
        considered, and none for which ``exclude`` says true (an editor's
        cannot-link), nor one it shares only one everyday word with (module
        doc). Ties go to the lexically smallest story id (deterministic).
        """
        if not sig.terms or not self._stories:
            return None
        weights = self._weights(sig.terms)
        norm = sum(weights.values()) / math.sqrt(len(weights))
        shared = self._shared(weights)
        passing: list[tuple[float, str]] = []
        now_us, window_us = _microseconds(now), self.window // _MICROSECOND
        half_life_us = None if self.half_life is None else self.half_life // _MICROSECOND
        settled, spread = self.settled_threshold, self.single_threshold - self.settled_threshold
        for story_id, overlap in shared.items():  # the inner loop of clustering: the helpers are inlined
            story = self._stories[story_id]
            age = now_us - story.last_at
            if age > window_us or (exclude is not None and exclude(story_id)):
                continue
            decay = 1.0 if half_life_us is None or age <= 0 else float(0.5 ** (age / half_life_us))
            similarity = overlap / (story.members * norm) * decay
            ratio = similarity / (settled + spread / story.members)
            if ratio >= 1.0:
                passing.append((-ratio, story_id))
        passing.sort()  # furthest over its bar first; ties to the smallest story id
        everyday = everyday_terms(sig.language) if self.everyday_rule and len(sig.terms) > 1 else frozenset()
        for _, story_id in passing:
            if not everyday or not _rests_on_one_of(self._stories[story_id], sig.terms, everyday):
                return story_id
        return None

    def terms_in_common(self, story_id: str, sig: Signature) -> tuple[str, ...]:
        """The terms of ``sig`` that members of ``story_id`` use, in ``sig``'s order (why a match was made)."""
        story = self._stories.get(story_id)
        return () if story is None else tuple(term for term in sig.terms if term in story.mass)

    def _shared(self, weights: dict[str, float]) -> dict[str, float]:
        """Candidate story → Σ over the shared terms of weight × the story's mass of the term.

        Accumulated term by term along the postings (Σ posting sizes steps,
        not candidates × terms), in ``weights``' order for every story, so
        each sum adds the same numbers in the same order as a story-by-story
        loop would. Terms too common to nominate candidates still count for
        the candidates the others nominated.
        """
        stories, postings = self._stories, self._postings
        nominated = self._candidates(tuple(weights))
        shared: dict[str, float] = {}
        for term, weight in weights.items():
            posting = postings.get(term)
            if posting is None:
                continue
            if len(posting) > self.max_postings:
                posting = nominated & posting
            for story_id in posting:
                shared[story_id] = shared.get(story_id, 0.0) + weight * stories[story_id].mass[term]
        return shared

    def add(self, story_id: str, sig: Signature, at: datetime) -> None:
        """Record ``sig`` as a member headline of ``story_id`` seen at ``at``."""
        story = self._stories.get(story_id)
        at_us = _microseconds(at)
        if story is None:
            story = self._stories[story_id] = _Story(last_at=at_us)
        story.members += 1
        story.last_at = max(story.last_at, at_us)
        if not sig.terms:
            return
        share = 1.0 / math.sqrt(len(sig.terms))
        for term in sig.terms:
            story.mass[term] = story.mass.get(term, 0.0) + share
            self._postings.setdefault(term, set()).add(story_id)

    def remove(self, story_id: str) -> None:
        """Forget a story (retracted, expired or about to be re-added); unknown ids are ignored."""
        story = self._stories.pop(story_id, None)
        if story is None:
            return
        for term in story.mass:
            posting = self._postings.get(term)
            if posting is not None:
                posting.discard(story_id)
                if not posting:
                    del self._postings[term]

    def expire(self, now: datetime) -> list[str]:
        """Remove and return (sorted) the stories whose newest member is older than ``window``.

        A full scan, O(stories): meant to be called periodically, not per headline.
        """
        cutoff = _microseconds(now - self.window)
        expired = sorted(sid for sid, s in self._stories.items() if s.last_at < cutoff)
        for story_id in expired:
            self.remove(story_id)
        return expired

    def _weights(self, terms: tuple[str, ...]) -> dict[str, float]:
        """idf² per term, with idf counted over stories (see module doc)."""
        stories = len(self._stories) + 1
        weights: dict[str, float] = {}
        for term in terms:
            idf = math.log(stories / (len(self._postings.get(term, ())) + 1)) + 1.0
            weights[term] = idf * idf
        return weights

    def _candidates(self, terms: tuple[str, ...]) -> set[str]:
        candidates: set[str] = set()
        for term in terms:
            posting = self._postings.get(term)
            if posting is not None and len(posting) <= self.max_postings:
                candidates |= posting
        return candidates
