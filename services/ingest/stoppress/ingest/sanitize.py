"""Validation and sanitising: every rule ingest applies to an item, as pure functions.

Untrusted text becomes plain text here (markup and control characters
removed, entities decoded, whitespace collapsed), the ingest-only rules are
checked here (no unknown fields, no timestamps from the future, guid
hygiene), and the cleaned fields are handed to the shared ``Headline``
model, which owns the contract itself (lengths, http/https URLs, urgency
1-9, BCP 47, timezone-aware times). Every refusal names the field as the
client wrote it and the rule it broke.

Nothing here does I/O or reads a clock: ``now`` is always a parameter.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import nh3
from pydantic import ValidationError

from stoppress.ingest.problems import FieldProblem, RefusalError, invalid_item
from stoppress.shared.models import SUMMARY_MAX_CHARS, Headline

MAX_CLEANING_ROUNDS = 4
"""Markup hidden under more layers of entity encoding than this is refused, not guessed at."""

GUID_MAX_CHARS = 400
"""Leaves room for ``source:`` in the 512-character ``Headline.id``."""

CLIENT_FIELDS = frozenset(
    {
        "guid", "version", "headline", "summary", "url", "language", "urgency", "pubstatus", "subjects",
        "category", "region", "first_created", "version_created", "embargo_until", "schema_version",
        "source", "source_name", "format",
    }
)
"""Fields a client may send in the canonical format (``source``/``source_name`` only matter for relays)."""

SET_BY_INGEST = frozenset({"id", "received_at", "source_authority"})
_CLEANED_FIELDS = CLIENT_FIELDS - {"guid", "source", "source_name", "format"}
"""The client fields that go to the model as they are or cleaned (the others are read separately)."""

_INVISIBLE = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f"  # C0/C1 controls except tab, newlines and NEL
    "\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff"  # zero-width space, bidi overrides, BOM
    "\ud800-\udfff\ufffe\uffff"  # lone surrogates and non-characters
)
_CONTROL_AND_INVISIBLE = re.compile(f"[{_INVISIBLE}]")
_NEEDS_CLEANING = re.compile(f"[<&{_INVISIBLE}]")
"""Text without any of these needs only its whitespace tidied (the common case, so it is fast)."""
_HIDDEN_ELEMENTS = frozenset({"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math"})
"""Elements removed with their content: code, styles, embedded documents and drawings are no text to show."""
_WORD_SEPARATING_ELEMENTS = frozenset({
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup",
    "hr", "img", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
})
"""Elements whose edges separate words (``<p>a</p><p>b</p>`` reads "a b"); all others vanish (``<b>``, ``<span>``)."""
_PARSER_TAG = re.compile(r"<[^>]*>")
"""A tag in the parser's own output, where a literal ``<`` is always escaped as ``&lt;`` (so every ``<`` starts one)."""
_PARSER = nh3.Cleaner(tags=set(_WORD_SEPARATING_ELEMENTS), clean_content_tags=set(_HIDDEN_ELEMENTS), attributes={},
                      strip_comments=True, link_rel=None)
"""html5ever behind ammonia: keeps only the word-separating elements, bare; every other tag goes, text stays."""
_CDATA_MARKERS = re.compile(r"<!\[CDATA\[|\]\]>")
_MARKUP_START = re.compile(r"<+(?=[A-Za-z!/?])")
"""What could still open markup: only the parser's end-of-text leniency leaves it (a final ``</``, perhaps after
other ``<``), so the whole run of ``<`` is removed."""

RAW_TEXT_MAX_CHARS = {"headline": 4_000, "summary": 10_000}
"""Longest text read per field before cleaning (others: :data:`RAW_TAG_MAX_CHARS`); bounds the work per item.

An HTML5 tree builder's work grows with the square of the nesting depth
(every start tag looks through the open elements), so the length read
bounds the worst case: 2,000 nested ``<div>`` (10,000 characters) take
tens of milliseconds, 8,000 a quarter of a second (``python -m
bench.ingest.cleaning``)."""
RAW_TAG_MAX_CHARS = 1_000
MAX_TAGS = 50
TAG_MAX_CHARS = 64
"""The contract's limits on ``Headline.subjects``: how many, and how long each."""


class UncleanTextError(ValueError):
    """Text that cannot be made clean (for example markup nested under many layers of entities)."""


def clean_text(value: str) -> str:
    """Plain text from untrusted text: no markup, no controls, entities decoded, whitespace collapsed.

    The markup is read by an HTML5 parser (html5ever, through nh3, the
    bindings of the ammonia sanitizer), so it is taken apart as a browser
    would: elements, comments, declarations (``<!DOCTYPE …>``), processing
    instructions and bogus comments, terminated or not. Each round removes
    control and invisible characters, unwraps CDATA sections (their text
    stays), parses, drops hidden elements with their content
    (:data:`_HIDDEN_ELEMENTS`) and every other tag (a space where
    :data:`_WORD_SEPARATING_ELEMENTS` stood), and decodes entities once;
    rounds repeat until nothing changes, so ``&amp;lt;b&amp;gt;`` cannot
    smuggle a tag through. The result is idempotent and holds no ``<``
    followed by a letter, ``!``, ``/`` or ``?``.

    Raises :class:`UncleanTextError` when the text still changes after
    :data:`MAX_CLEANING_ROUNDS` rounds.
    """
    text = value
    if not _NEEDS_CLEANING.search(text):
        return " ".join(text.split())
    for _ in range(MAX_CLEANING_ROUNDS):
        cleaned = _one_round(text)
        if cleaned == text:
            return _plain(text)
        text = cleaned
    if _one_round(text) != text:
        raise UncleanTextError(f"markup or entities are nested more than {MAX_CLEANING_ROUNDS} levels deep")
    return _plain(text)


def _one_round(text: str) -> str:
    text = _CDATA_MARKERS.sub("", _CONTROL_AND_INVISIBLE.sub("", text))
    return html.unescape(_PARSER_TAG.sub(" ", _PARSER.clean(text)))


def _plain(text: str) -> str:
    """Text that parses as itself, with any last markup opener removed and whitespace collapsed."""
    return " ".join(_MARKUP_START.sub("", text).split())


def clean_url(value: str) -> str | None:
    """A URL with entities decoded (``&amp;`` in feed links) and surrounding whitespace removed.

    Whether it is acceptable (http/https, a host, no credentials, no
    ``javascript:``/``data:``) is the ``Headline`` model's rule; an empty
    value means "no URL".
    """
    url = html.unescape(value).strip()
    return url or None


def truncate_text(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def summary_excerpt(text: str) -> str | None:
    """The start of a long text (a feed entry's content, a wire item's body) as a summary that fits.

    Only the first :data:`RAW_TEXT_MAX_CHARS` ``["summary"]`` characters are
    read; the clean text is cut at a word to ``SUMMARY_MAX_CHARS``. ``None``
    when nothing is left. Raises :class:`UncleanTextError` as :func:`clean_text` does.
    """
    return truncate_text(clean_text(text[: RAW_TEXT_MAX_CHARS["summary"]]), SUMMARY_MAX_CHARS) or None


def fit_tags(values: Sequence[str]) -> list[str]:
    """Tags cut to fit the contract where refusing the item would be worse (feeds, wire items).

    Each tag is cut to :data:`TAG_MAX_CHARS` characters, empty ones are
    dropped, and at most :data:`MAX_TAGS` are kept (cleaning later drops
    markup and repeats).
    """
    cut = (value[:TAG_MAX_CHARS].strip() for value in values[: MAX_TAGS * 2])
    return [tag for tag in cut if tag][:MAX_TAGS]


def clamp_future(moment: datetime, now: datetime, tolerance: timedelta) -> datetime:
    """``moment``, or ``now`` if it lies beyond the tolerance (feeds with a wrong clock or zone)."""
    return now if moment > now + tolerance else moment


@dataclass(frozen=True)
class Attribution:
    """Whom an item is published as: the source slug and name, and its authority weight (0-1)."""

    source: str
    source_name: str
    authority: float


def build_headline(
    fields: Mapping[str, Any],
    attribution: Attribution,
    now: datetime,
    *,
    default_guid: str,
    future_tolerance: timedelta,
    origin: Mapping[str, str] | None = None,
) -> Headline:
    """A valid, clean ``Headline`` from a client's canonical fields, or :class:`RefusalError` (422).

    ``fields`` uses the canonical names (``CLIENT_FIELDS``); ``origin`` maps
    a canonical name to the name the client actually used (ninjs
    ``firstcreated``), so problems speak the client's language. ``now`` is
    the moment of receipt and becomes ``received_at``.
    """
    names = origin or {}
    problems = _unknown_field_problems(fields, names)
    cleaned, text_problems = _cleaned_fields(fields, names)
    problems.extend(text_problems)
    guid, guid_problems = _guid(fields.get("guid"), default_guid, names)
    problems.extend(guid_problems)
    first = cleaned.pop("first_created", None)
    version = cleaned.pop("version_created", None)
    echoes = {names.get(n, n) for n, given in (("first_created", first), ("version_created", version)) if given is None}
    candidate = {
        **cleaned,
        "id": f"{attribution.source}:{guid}",
        "source": attribution.source,
        "source_name": attribution.source_name,
        "source_authority": attribution.authority,
        "first_created": first if first is not None else version if version is not None else now,
        "version_created": version if version is not None else first if first is not None else now,
        "received_at": now,
    }
    try:
        headline = Headline.model_validate(candidate)
    except ValidationError as exc:
        problems.extend(p for p in problems_from_validation(exc, names) if p.field not in echoes)
        raise RefusalError(invalid_item(_first_per_field(problems))) from None
    problems.extend(p for p in timing_problems(headline, now, future_tolerance, names) if p.field not in echoes)
    if problems:
        raise RefusalError(invalid_item(_first_per_field(problems)))
    return headline


def timing_problems(
    headline: Headline, now: datetime, tolerance: timedelta, origin: Mapping[str, str] | None = None
) -> list[FieldProblem]:
    """Creation times may not lie more than ``tolerance`` ahead of ``now`` (hold items with ``embargo_until``).

    A version cannot be created before the item was first created.
    """
    names = origin or {}
    problems = []
    limit = now + tolerance
    seconds = int(tolerance.total_seconds())
    for name in ("first_created", "version_created"):
        if getattr(headline, name) > limit:
            problems.append(
                FieldProblem(
                    names.get(name, name),
                    "not_in_future",
                    f"is more than {seconds} s in the future; to hold an item until a time, use embargo_until",
                )
            )
    if headline.version_created < headline.first_created:
        problems.append(
            FieldProblem(
                names.get("version_created", "version_created"),
                "not_before_first_created",
                "must not be earlier than first_created",
            )
        )
    return problems


def problems_from_validation(exc: ValidationError, origin: Mapping[str, str] | None = None) -> list[FieldProblem]:
    """One :class:`FieldProblem` per pydantic error, the field named as the client named it."""
    names = origin or {}
    problems = []
    for error in exc.errors(include_url=False):
        loc = [str(part) for part in error["loc"]]
        if loc and loc[0] == "id":
            loc[0] = "guid"
        field = ".".join([names.get(loc[0], loc[0]), *loc[1:]]) if loc else "(item)"
        message = error["msg"].removeprefix("Value error, ")
        problems.append(FieldProblem(field, error["type"], message))
    return problems


def _unknown_field_problems(fields: Mapping[str, Any], names: Mapping[str, str]) -> list[FieldProblem]:
    problems = []
    for key in fields:
        if key in CLIENT_FIELDS:
            continue
        if key in SET_BY_INGEST:
            problems.append(FieldProblem(key, "set_by_ingest", "is set by ingest and may not be sent"))
        else:
            problems.append(
                FieldProblem(
                    names.get(key, key),
                    "unknown_field",
                    "is not a field of a headline (ninjs items need Content-Type application/ninjs+json "
                    "or \"format\": \"ninjs\")",
                )
            )
    return problems


def _cleaned_fields(fields: Mapping[str, Any], names: Mapping[str, str]) -> tuple[dict[str, Any], list[FieldProblem]]:
    """The model's fields with text cleaned; ``None`` (JSON null) means "not given"."""
    cleaned: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    for key, value in fields.items():
        if value is None or key not in _CLEANED_FIELDS:
            continue
        too_long = _unread_text(key, value, names)
        if too_long:
            problems.extend(too_long)
            continue
        try:
            cleaned_value = _clean_field(key, value)
        except UncleanTextError as exc:
            problems.append(FieldProblem(names.get(key, key), "unclean_text", str(exc)))
            continue
        if key == "headline" and isinstance(value, str) and value.strip() and cleaned_value == "":
            problems.append(
                FieldProblem(names.get(key, key), "empty_after_cleaning", "has no text left once markup is removed")
            )
        if cleaned_value is not None:
            cleaned[key] = cleaned_value
    return cleaned, problems


def _unread_text(key: str, value: Any, names: Mapping[str, str]) -> list[FieldProblem]:
    """Problems for text longer than ingest reads (:data:`RAW_TEXT_MAX_CHARS`), before any work on it."""
    limit = RAW_TEXT_MAX_CHARS.get(key, RAW_TAG_MAX_CHARS)
    if isinstance(value, str):
        if len(value) <= limit:
            return []
        texts: Iterable[tuple[int | None, Any]] = [(None, value)]
    elif key == "subjects" and isinstance(value, list):
        texts = enumerate(value)
    else:
        return []
    return [
        FieldProblem(names.get(key, key) + ("" if index is None else f".{index}"), "string_too_long",
                     f"is {len(text)} characters before cleaning; at most {limit} are read")
        for index, text in texts
        if isinstance(text, str) and len(text) > limit
    ]


def _clean_field(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        if key == "subjects" and isinstance(value, list) and all(isinstance(tag, str) for tag in value):
            return clean_tags(value)
        return value
    if key in ("headline", "summary", "category", "region"):
        text = clean_text(value)
        return text if text or key == "headline" else None
    if key == "url":
        return clean_url(value)
    if key in ("language", "pubstatus"):
        return value.strip()
    return value


def clean_tags(values: Iterable[str]) -> list[str]:
    """Subjects with text cleaned, empty ones dropped and repeats (ignoring case) removed, order kept."""
    seen: set[str] = set()
    tags: list[str] = []
    for value in values:
        tag = clean_text(value)
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    return tags


def _guid(value: Any, default: str, names: Mapping[str, str]) -> tuple[str, list[FieldProblem]]:
    """The item's guid (its identity at its source), or ``default`` when the client gave none."""
    field = names.get("guid", "guid")
    if value is None:
        return default, []
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return default, [FieldProblem(field, "string_type", "must be a string")]
    guid = value.strip()
    if not guid:
        return default, [FieldProblem(field, "string_too_short", "must not be empty")]
    if _CONTROL_AND_INVISIBLE.search(guid) or any(char in guid for char in "\t\n\r\x85\u2028\u2029"):
        return default, [FieldProblem(field, "no_control_characters", "must not contain control characters")]
    if len(guid) > GUID_MAX_CHARS:
        return default, [FieldProblem(field, "string_too_long", f"must have at most {GUID_MAX_CHARS} characters")]
    return guid, []


def _first_per_field(problems: list[FieldProblem]) -> list[FieldProblem]:
    """One problem per field: the ingest rule found first is more telling than the model's echo of it."""
    kept: dict[str, FieldProblem] = {}
    for problem in problems:
        kept.setdefault(problem.field, problem)
    return list(kept.values())

