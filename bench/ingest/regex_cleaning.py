"""The regex cleaner ingest used before it moved to an HTML parser (issue 14), kept only as the bench's baseline.

A frozen copy of ``stoppress.ingest.sanitize.clean_text`` as of commit
2c33409, so ``python -m bench.ingest.cleaning`` can measure the old and the
new cleaning in the same run. Nothing in the services imports it. Known
fault (why it was replaced): a declaration such as ``<!DOCTYPE ~`` with no
closing ``>`` survives as text, as do other unterminated constructs.
"""

from __future__ import annotations

import html
import re

MAX_CLEANING_ROUNDS = 4
_INVISIBLE = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f"  # C0/C1 controls except tab, newlines and NEL
    "\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff"  # zero-width space, bidi overrides, BOM
    "\ud800-\udfff\ufffe\uffff"  # lone surrogates and non-characters
)
_CONTROL_AND_INVISIBLE = re.compile(f"[{_INVISIBLE}]")
_NEEDS_CLEANING = re.compile(f"[<&{_INVISIBLE}]")
"""Text without any of these needs only its whitespace tidied (the common case, so it is fast)."""
_HIDDEN_ELEMENTS = ("script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math")
_HIDDEN_OPEN = re.compile(rf"<({'|'.join(_HIDDEN_ELEMENTS)})\b[^<>]*>", re.IGNORECASE)
_HIDDEN_CLOSE = {name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in _HIDDEN_ELEMENTS}
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_INLINE_TAG = re.compile(
    r"</?(?:a|abbr|b|bdi|cite|code|em|font|i|kbd|mark|q|s|small|span|strong|sub|sup|time|u)\b[^<>]*>", re.IGNORECASE
)
_TAG = re.compile(r"<(?:/?[A-Za-z][^<>]*|![^<>]*|\?[^<>]*)>")
_CDATA_MARKERS = re.compile(r"<!\[CDATA\[|\]\]>")


def clean_text(value: str) -> str:
    """Plain text from untrusted text: no markup, no controls, entities decoded, whitespace collapsed.

    Each round removes control and invisible characters, hidden blocks
    (``<script>…</script>`` and friends, with their content), comments and
    tags (inline ones such as ``<b>`` vanish, others leave a space so
    ``<p>a</p><p>b</p>`` reads "a b"), then decodes entities once; rounds repeat until nothing changes,
    so ``&amp;lt;b&amp;gt;`` cannot smuggle a tag through. The result is
    idempotent: ``clean_text(clean_text(x)) == clean_text(x)``.

    Raises ``ValueError`` when the text still changes after
    :data:`MAX_CLEANING_ROUNDS` rounds.
    """
    text = value
    if not _NEEDS_CLEANING.search(text):
        return " ".join(text.split())
    for _ in range(MAX_CLEANING_ROUNDS):
        cleaned = _one_round(text)
        if cleaned == text:
            return " ".join(text.split())
        text = cleaned
    if _one_round(text) != text:
        raise ValueError(f"markup or entities are nested more than {MAX_CLEANING_ROUNDS} levels deep")
    return " ".join(text.split())


def _one_round(text: str) -> str:
    text = _CONTROL_AND_INVISIBLE.sub("", text)
    text = _without_hidden_blocks(text)
    text = _COMMENT.sub(" ", text)
    text = _CDATA_MARKERS.sub("", text)
    text = _INLINE_TAG.sub("", text)
    text = _TAG.sub(" ", text)
    return html.unescape(text)


def _without_hidden_blocks(text: str) -> str:
    """``text`` without ``<script>…</script>`` and friends, content included, in linear time.

    An element never closed loses only its opening tag (and later openings
    of it are not searched for a close again), so hostile input cannot make
    the scan quadratic.
    """
    pieces: list[str] = []
    position = 0
    unclosed: set[str] = set()
    while (opening := _HIDDEN_OPEN.search(text, position)) is not None:
        name = opening.group(1).lower()
        closing = None if name in unclosed else _HIDDEN_CLOSE[name].search(text, opening.end())
        pieces.append(text[position:opening.start()])
        pieces.append(" ")
        if closing is None:
            unclosed.add(name)
            position = opening.end()
        else:
            position = closing.end()
    pieces.append(text[position:])
    return "".join(pieces)

