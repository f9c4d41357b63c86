"""Cleaning benchmark: cost per headline and markup left behind, the HTML-parser cleaner against the old regexes.

``python -m bench.ingest.cleaning [--hostile 20000] [--repeats 5] [--candidates]``

Runs, in one process and one run, ``stoppress.ingest.sanitize.clean_text``
(html5ever through nh3) and the regex cleaner it replaced
(:mod:`bench.ingest.regex_cleaning`) over three corpora made here:

- ``plain``: realistic headlines with no ``<`` or ``&`` (most of the wire),
- ``feed``: headlines and summaries as feeds send them (entities, inline
  and block markup, a script, CDATA),
- ``hostile``: ``--hostile`` strings drawn (seeded) from the constructs an
  attacker or a broken CMS produces: tags with and without ``>``, comments,
  declarations, processing instructions, CDATA, raw-text elements,
  entity-encoded openers, controls and bidi overrides,
- ``nested``: the worst case for a tree builder, summaries as long as
  ingest reads (10,000 characters) of nested elements (``<div>``,
  ``<dl><dd>``, ``<ul><li>``, and ``&lt;div&gt;`` decoded in a later round).

Per cleaner and corpus: microseconds per text (the best of ``--repeats``
passes over the corpus, so other work on the machine inflates it least),
and how many outputs still hold a ``<`` followed by a letter, ``!``, ``/``
or ``?`` (refusals for deep nesting count as clean). ``--candidates`` adds
the cost of a single parse to text with html5lib and with selectolax
(lexbor), the other HTML5 parsers considered (``pip install html5lib
selectolax`` first; they are not dependencies of the project). Prints a
table and writes ``bench/results/ingest-cleaning.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.ingest import regex_cleaning
from stoppress.ingest import sanitize

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results" / "ingest-cleaning.json"
MARKUP_START = re.compile(r"<[A-Za-z!/?]")
SEED = 14

_SUBJECTS = ["Central bank", "Coastal city", "Parliament", "Harbour authority", "Regional court", "Health agency"]
_VERBS = ["holds rates as inflation eases", "braces for storm surge", "passes budget after all-night session",
          "reopens bridge after repairs", "rules on border dispute", "reports first case of new strain"]
_FEED_SHAPES = [
    "{s} &amp; unions {v}",
    "<b>Breaking:</b> {s} {v}",
    "{s} {v} &#8211; officials say",
    "<p>{s} {v}.</p><p>More to follow.</p>",
    "<![CDATA[{s} {v}]]>",
    "{s} &ldquo;{v}&rdquo;",
    "<a href=\"https://example.com/x?a=1&amp;b=2\">{s}</a> {v}",
    "<script>track()</script>{s} {v}<img src=x>",
]
_NAMES = ["b", "p", "a", "img", "br", "script", "style", "svg", "math", "title", "textarea", "xmp", "plaintext",
          "noscript", "iframe", "template", "table", "tr", "select", "x-y", "SCRIPT", "Svg", "foo"]
_ATTRIBUTES = ["", " x", " a=b", ' a="<b>"', " a='>'", ' onerror="alert(1)"', ' a="', " /"]
_CONSTRUCTS = ["<!--", "-->", "--!>", "<!-->", "<!--->", "<!DOCTYPE html>", "<!DOCTYPE ~", "<!doctype", "<!ELEMENT x>",
               "<!x", "<![CDATA[", "]]>", "<?xml ?>", "<?php", "?>", "<", ">", "</", "</>", "</ x>", "<!", "<?", "/>",
               "&", ";", "&lt;", "&LT;", "&lt", "&#60;", "&#x3c;", "&#X3C;", "&gt;", "&amp;", "&amp;lt;",
               "&amp;#60;", "&#0;", "&#x202e;", "\x00", "\x07", "\u202e", "\u200b", "\ufeff", "\n", " "]


@dataclass
class Row:
    """One cleaner over one corpus."""

    cleaner: str
    corpus: str
    texts: int
    us_per_text: float
    markup_left: int
    refused: int


def corpora(hostile: int) -> dict[str, list[str]]:
    """The three corpora, the same for every cleaner and every run (seeded)."""
    rng = random.Random(SEED)
    plain = [f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)}, day {n % 30 + 1}" for n in range(2000)]
    feed = [rng.choice(_FEED_SHAPES).format(s=rng.choice(_SUBJECTS), v=rng.choice(_VERBS)) for _ in range(2000)]
    limit = sanitize.RAW_TEXT_MAX_CHARS["summary"]
    units = ("<div>", "<dl><dd>", "<ul><li>", "&lt;div&gt;")
    nested = [unit * (limit // len(unit)) for unit in units for _ in range(5)]
    return {"plain": plain, "feed": feed, "hostile": [_hostile(rng) for _ in range(hostile)], "nested": nested}


def _hostile(rng: random.Random) -> str:
    pieces = []
    for _ in range(rng.randint(1, 40)):
        roll = rng.random()
        if roll < 0.35:
            pieces.append(f"<{rng.choice(['', '/'])}{rng.choice(_NAMES)}{rng.choice(_ATTRIBUTES)}"
                          f"{rng.choice(['>', '/>', '', ' '])}")
        elif roll < 0.75:
            pieces.append(rng.choice(_CONSTRUCTS))
        else:
            pieces.append("".join(rng.choice("abcXYZ019 -=\"'") for _ in range(rng.randint(0, 6))))
    return "".join(pieces)


def measure(name: str, clean: Callable[[str], str], corpus: str, texts: list[str], repeats: int) -> Row:
    """Best-of-``repeats`` cost per text, and the outputs still holding a markup opener."""
    best = float("inf")
    outputs: list[str | None] = []
    for _ in range(repeats):
        outputs = []
        began = time.perf_counter()
        for text in texts:
            try:
                outputs.append(clean(text))
            except ValueError:
                outputs.append(None)
        best = min(best, time.perf_counter() - began)
    left = sum(1 for out in outputs if out is not None and MARKUP_START.search(out))
    refused = sum(1 for out in outputs if out is None)
    return Row(name, corpus, len(texts), best / len(texts) * 1e6, left, refused)


def candidate_parsers() -> dict[str, Callable[[str], str]]:
    """One parse to text with each other HTML5 parser considered (a floor on what a cleaner built on it costs)."""
    import html5lib  # type: ignore[import-untyped]  # noqa: PLC0415 (optional: only with --candidates)
    from selectolax.lexbor import LexborHTMLParser  # noqa: PLC0415

    def with_html5lib(text: str) -> str:
        return "".join(html5lib.parseFragment(text, treebuilder="etree").itertext())

    def with_selectolax(text: str) -> str:
        tree = LexborHTMLParser(text)
        tree.strip_tags(["script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math"])
        return tree.body.text(separator=" ") if tree.body is not None else ""

    return {"html5lib (one parse)": with_html5lib, "selectolax (one parse)": with_selectolax}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hostile", type=int, default=20_000, help="hostile strings to generate")
    parser.add_argument("--repeats", type=int, default=5, help="passes over each corpus; the best is kept")
    parser.add_argument("--candidates", action="store_true", help="also time html5lib and selectolax")
    arguments = parser.parse_args()

    cleaners: dict[str, Callable[[str], str]] = {
        "regex (old)": regex_cleaning.clean_text,
        "nh3 / html5ever (new)": sanitize.clean_text,
    }
    if arguments.candidates:
        cleaners.update(candidate_parsers())
    rows = [
        measure(name, clean, corpus, texts, arguments.repeats)
        for corpus, texts in corpora(arguments.hostile).items()
        for name, clean in cleaners.items()
    ]
    print(f"{'cleaner':24} {'corpus':8} {'texts':>7} {'µs/text':>9} {'markup left':>12} {'refused':>8}")
    for row in rows:
        print(f"{row.cleaner:24} {row.corpus:8} {row.texts:>7} {row.us_per_text:>9.2f} {row.markup_left:>12} "
              f"{row.refused:>8}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "command": "python -m bench.ingest.cleaning " + " ".join(
            [f"--hostile {arguments.hostile}", f"--repeats {arguments.repeats}"]
            + (["--candidates"] if arguments.candidates else [])),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "processor": platform.machine()},
        "rows": [asdict(row) for row in rows],
    }, indent=2) + "\n")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
