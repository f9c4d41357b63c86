"""Regenerate ``stoppress/ticker/everyday.py``: the everyday English words, as clustering terms.

wordfreq is not a dependency of Stop Press; install it only to run this::

    pip install wordfreq==3.1.1
    python services/ticker/scripts/build_everyday_terms.py

Each of wordfreq's 100,000 most frequent English words is turned into its
clustering term (:func:`stoppress.ticker.textfeatures.headline_terms`, so
"stocks" and "stock" are one term); a term's frequency is the sum of its
words'. The terms at or above :data:`ZIPF` (10^ZIPF per 10^9 words) are
written out. Run it again whenever the text normalisation changes.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import math
import textwrap
from pathlib import Path

from stoppress.ticker.textfeatures import headline_terms

WORDFREQ_VERSION = "3.1.1"
ZIPF = 4.5
"""At least ~32 occurrences per million words: "gas", "north", "test", not "ukraine", "iphone" or "bitcoin"."""
WORDS = 100_000
TARGET = Path(__file__).resolve().parents[1] / "stoppress" / "ticker" / "everyday.py"

HEADER = '''"""Everyday English words, as clustering terms (generated: do not edit by hand).

A headline that shares just one term with a story, and that term is one of
these, does not join the story on it (:class:`~stoppress.ticker.clustering.StoryIndex`):
"gas", "north" or "test" says little about which story a headline covers,
whereas a story's name ("titanfall", "sxsw", "bitcoin") does. See "Story
clustering" in ``docs/ranking.md`` for the measurements behind the rule.

The terms whose words occur at least 10^{zipf} times per 10^9 words (Zipf
{zipf}) in English, by wordfreq {version}, after Stop Press's own text
normalisation. Regenerate with ``services/ticker/scripts/build_everyday_terms.py``.

Derived from wordfreq's data (Robyn Speer et al., https://github.com/rspeer/wordfreq),
which is licensed CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/) and
includes data from Google Books Ngrams (http://books.google.com/ngrams), Wikipedia,
the Leeds Internet Corpus, ParaCrawl, SUBTLEX and others; this list of terms is
licensed CC BY-SA 4.0 too.
"""

from __future__ import annotations

from stoppress.ticker.textfeatures import is_english

__all__ = ["EVERYDAY_EN", "everyday_terms"]

_EN_TEXT = """
'''

FOOTER = '''"""

EVERYDAY_EN: frozenset[str] = frozenset(_EN_TEXT.split())
"""{count} terms."""

_NONE: frozenset[str] = frozenset()


def everyday_terms(language: str) -> frozenset[str]:
    """The everyday terms of ``language`` (BCP 47); none for a language without a list."""
    return EVERYDAY_EN if is_english(language) else _NONE
'''


def build() -> str:
    """The module's source text."""
    wordfreq = importlib.import_module("wordfreq")
    installed = importlib.metadata.version("wordfreq")
    if installed != WORDFREQ_VERSION:
        raise SystemExit(f"need wordfreq {WORDFREQ_VERSION}, found {installed}")
    frequency: dict[str, float] = {}
    for word in wordfreq.top_n_list("en", WORDS):
        terms = headline_terms(word, "en")
        if len(terms) == 1:
            frequency[terms[0]] = frequency.get(terms[0], 0.0) + wordfreq.word_frequency(word, "en")
    everyday = sorted(term for term, f in frequency.items() if math.log10(f) + 9 >= ZIPF)
    body = textwrap.fill(" ".join(everyday), width=116, initial_indent="    ", subsequent_indent="    ")
    return HEADER.format(zipf=ZIPF, version=WORDFREQ_VERSION) + body + "\n" + FOOTER.format(count=len(everyday))


if __name__ == "__main__":
    TARGET.write_text(build(), encoding="utf-8")
    print(f"wrote {TARGET}")
