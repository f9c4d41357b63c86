"""Turn a headline into the normalised terms that story clustering compares.

Pure text processing, no state: the same text always gives the same terms, so
a signature computed before a restart matches one computed after it.

- :func:`tokenize` splits on word boundaries after Unicode NFKC folding and
  case folding, drops possessive ``'s`` and the dots of acronyms ("U.S." →
  "us"), and keeps decimals whole ("7.1").
- :func:`stem` is a light suffix stripper (plural, ``-ing``, ``-ed``, ``-ly``):
  aggressive stemmers merge unrelated words, and a wrong merge costs more than
  a missed one here.
- :func:`headline_terms` drops stopwords and glues a short bare number to the
  word before it ("season 4" → ``season_4``, "nexus 6" → ``nexus_6``): on its
  own "4" says nothing about which story a headline covers, next to a name it
  says a lot. Longer or decimal numbers ("7.1", "1956", "792p") stand alone.
- :data:`STOPWORDS` are English function words, modal and very common verbs,
  and headline boilerplate ("update", "video", "watch"): general English, not
  tuned to any data set. Other languages pass through unstemmed and unfiltered.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["STOPWORDS", "headline_terms", "is_english", "stem", "tokenize"]

_WORD = re.compile(r"[^\W_]+(?:['’.][^\W_]+)*\.?", re.UNICODE)
_ACRONYM = re.compile(r"^(?:[^\W\d_]\.)+[^\W\d_]?\.?$", re.UNICODE)
_POSSESSIVE = re.compile(r"['’]s$")
_SHORT_NUMBER = re.compile(r"^\d{1,2}$")

_STOPWORD_TEXT = """
    a about above after again against all also am an and any are as at be been before being below between both but by
    can could did do does doing down during each few for from further had has have having he her here hers herself him
    himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours out over own same she should so some such than that the their theirs them themselves then there
    these they this those through to too under until up very was we were what when where which while who whom why will
    with would you your yours yourself yourselves s t don isn aren wasn weren won wouldn shouldn couldn doesn didn hasn
    haven hadn via amid says say said new update updated updates video photos photo watch report reports live latest
    breaking news exclusive here's what's it's vs v may might must shall can't don't won't get gets got make makes made
    need needs know want wants take takes go goes going come comes see look think tell let thing things way ways still
    yet even much many really every another
    """
STOPWORDS: frozenset[str] = frozenset(_STOPWORD_TEXT.split())
_WORDS_CACHED = 1 << 15
"""Distinct words whose normal form and term are kept (a few MB): headlines reuse a vocabulary of that order,
and the desk turns every headline into terms (about half the per-word work otherwise, on the bench's workload)."""


def stem(word: str) -> str:
    """Strip one common English inflection from an already case-folded word.

    Deliberately light (S-stemmer plus ``-ing``/``-ed``/``-ly``) and only for
    words of 5+ letters, so short names ("bus", "news") keep their form.
    """
    if len(word) < 5 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 5:
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) >= 7:
        return _undouble(word[:-3])
    if word.endswith("ed") and len(word) >= 6:
        return _undouble(word[:-2])
    if word.endswith("ly") and len(word) >= 6:
        return word[:-2]
    return word


def _undouble(root: str) -> str:
    """ "stopp" → "stop": undo the doubled consonant left by -ing/-ed."""
    if len(root) >= 3 and root[-1] == root[-2] and root[-1] not in "lsz":
        return root[:-1]
    return root


def tokenize(text: str) -> list[str]:
    """Split a headline into case-folded words in reading order (no stopword removal, no stemming)."""
    words = [_normal_form(word) for word in _WORD.findall(unicodedata.normalize("NFKC", text))]
    return [word for word in words if word]


@lru_cache(maxsize=_WORDS_CACHED)
def _normal_form(word: str) -> str:
    """One matched word case-folded, without the dots of an acronym or a possessive ``'s`` (may be empty)."""
    if _ACRONYM.match(word):
        word = word.replace(".", "")
    return _POSSESSIVE.sub("", word.rstrip(".")).casefold().replace("’", "'")


def headline_terms(text: str, language: str = "en") -> list[str]:
    """The matching terms of a headline, in reading order, duplicates kept.

    English words are stopword-filtered and stemmed; short bare numbers are
    glued to the preceding term (or dropped when nothing precedes them).
    """
    english = is_english(language)
    terms: list[str] = []
    for word in tokenize(text):
        term = _term(word, english)
        if term is None:
            continue
        if not term:
            if terms:
                terms.append(f"{terms[-1].partition('_')[0]}_{word}")
            continue
        terms.append(term)
    return terms


def is_english(language: str) -> bool:
    """Whether a BCP 47 tag is English, whose words are stemmed and filtered."""
    return language.casefold().startswith("en")


@lru_cache(maxsize=_WORDS_CACHED)
def _term(word: str, english: bool) -> str | None:
    """The term ``word`` gives on its own: ``None`` for a stopword, ``""`` for a short bare number (glued to the
    term before it by :func:`headline_terms`)."""
    if english and word in STOPWORDS:
        return None
    if _SHORT_NUMBER.match(word):
        return ""
    term = stem(word) if english else word
    return None if english and term in STOPWORDS else term
