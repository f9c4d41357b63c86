"""IPTC ninjs 1.x, 2.x and 3.x items mapped onto the canonical headline fields.

The three generations spell the same things differently: 1.x has
``headline`` (and, from 1.3, ``headline_<role>``), ``description_<role>``,
``body_<role>``, ``subject``, ``place`` and ``located``; 2.x keeps lowercase
names but uses arrays (``headlines[]``, ``descriptions[]``, ``bodies[]``,
``subjects[]``, ``places[]``); 3.x switches to camelCase (``firstCreated``,
``pubStatus``, ``embargoedUntil``). One tolerant mapping reads every
spelling, and remembers which one the client used so problems name the
client's field (``firstcreated``, ``headlines.0.value``).

Only news items are read: ``type`` ``text``, ``picture``, ``graphic``,
``audio``, ``video``, ``composite`` or ``component`` (or none). ninjs
events and planning items, and JSON Schemas sent by mistake, are refused
with the reason. The item's ``version`` is the producer's own number, kept
as it is (AP's first version is ``"0"``). An item inside ``associations``
is a part of the item that carries it (its picture, its logo, the text of a
package) and is not published on its own; when the carrier has no headline,
the first associated item that has one lends it. Fields with no place on a
ticker (renditions, rights, people, ``altids``) are ignored; the mapping
never guesses a web link from ``uri``, which is an identifier, not a URL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from stoppress.ingest.problems import FieldProblem, RefusalError, invalid_item
from stoppress.ingest.sanitize import UncleanTextError, fit_tags, summary_excerpt

SUPPORTED_MAJORS = ("1", "2", "3")
NEWS_TYPES = ("text", "picture", "graphic", "audio", "video", "composite", "component")
"""ninjs ``type`` values of items that carry news (``event`` and ``planning`` do not)."""
HEADLINE_ROLES = ("main", "headline")
SUMMARY_ROLES = ("summary", "abstract", "teaser", "text", "caption")
"""Preferred roles of a description (or body) read as the summary, best first; else the first given."""
MEDIA_TOPIC_URI = "http://cv.iptc.org/newscodes/mediatopic/"

_PASSTHROUGH = {"urgency": ("urgency",), "language": ("language",)}
_RENAMED = {
    "first_created": ("firstcreated", "firstCreated"),
    "version_created": ("versioncreated", "versionCreated"),
    "embargo_until": ("embargoed", "embargoedUntil"),
    "pubstatus": ("pubstatus", "pubStatus"),
}
_RELAY_FIELDS = ("source", "source_name")
_WHOLE_NUMBER = re.compile(r"\s*[0-9]+\s*")


def ninjs_to_fields(item: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Canonical fields of one ninjs item, and for each the name the client used.

    Raises :class:`RefusalError` (422) when the item is not a news item
    (an event, a planning item, a JSON Schema), declares an unsupported
    ninjs version, has no ``uri``, or gives ``version``/arrays in a shape no
    ninjs generation allows.
    """
    problems: list[FieldProblem] = []
    _check_kind(item, problems)
    _check_standard(item.get("standard"), problems)
    fields: dict[str, Any] = {}
    origin: dict[str, str] = {}

    if item.get("uri") is None:
        problems.append(FieldProblem("uri", "missing", "is required: it identifies the item at its source"))
    else:
        fields["guid"], origin["guid"] = item["uri"], "uri"
    if item.get("version") is not None:
        fields["version"], origin["version"] = _version(item["version"], problems), "version"

    for name, spellings in {**_PASSTHROUGH, **_RENAMED}.items():
        for spelling in spellings:
            if item.get(spelling) is not None:
                fields[name], origin[name] = item[spelling], spelling
                break

    headline = _headline(item, problems)
    if headline is not None:
        fields["headline"], origin["headline"] = headline
    else:
        origin["headline"] = "headlines" if "headlines" in item else "headline"
    summary = _summary(item, problems)
    if summary is not None:
        fields["summary"], origin["summary"] = summary

    subjects = _names_of(item, ("subjects", "subject"), problems)
    if subjects is not None:
        names, origin["subjects"] = subjects
        fields["subjects"] = fit_tags(names) if all(isinstance(name, str) for name in names) else names
    region = _region(item, problems)
    if region is not None:
        fields["region"], origin["region"] = region

    for name in _RELAY_FIELDS:
        if item.get(name) is not None:
            fields[name] = item[name]
    if problems:
        raise RefusalError(invalid_item(problems))
    return fields, origin


def _check_kind(item: Mapping[str, Any], problems: list[FieldProblem]) -> None:
    """Only news items carry a headline to publish."""
    if "$schema" in item:
        problems.append(FieldProblem("$schema", "not_a_news_item",
                                     "this is a JSON Schema, not a news item: send the items, not their schema"))
        return
    kind = item.get("type")
    if kind is None or kind in NEWS_TYPES:
        return
    if kind in ("event", "planning"):
        problems.append(FieldProblem("type", "not_a_news_item",
                                     f"a ninjs {kind} item describes coverage to come, not news to publish; "
                                     f"news items have type {', '.join(NEWS_TYPES)}"))
    else:
        problems.append(FieldProblem("type", "unsupported_type",
                                     f"must be one of {', '.join(NEWS_TYPES)} (ninjs news item types)"))


def _check_standard(standard: Any, problems: list[FieldProblem]) -> None:
    if not isinstance(standard, Mapping):
        return
    version = str(standard.get("version", ""))
    if version and version.split(".", maxsplit=1)[0] not in SUPPORTED_MAJORS:
        problems.append(
            FieldProblem("standard.version", "unsupported_version", f"ninjs {version} is not supported (1.x-3.x are)")
        )


def _version(value: Any, problems: list[FieldProblem]) -> Any:
    """ninjs versions are strings of digits (``"0"``, ``"3"``), kept as the producer's number."""
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    problems.append(FieldProblem("version", "int_parsing", "must be a whole number of 0 or more, such as \"2\""))
    return None


def _headline(item: Mapping[str, Any], problems: list[FieldProblem]) -> tuple[Any, str] | None:
    """The item's own headline, else the first associated item's."""
    own = _text_of(item, "headline", "headlines", HEADLINE_ROLES, problems)
    if own is not None:
        return own
    for name, associated in _associated(item):
        lent = _text_of(associated, "headline", "headlines", HEADLINE_ROLES, [])
        if lent is not None:
            return lent[0], f"associations.{name}.{lent[1]}"
    return None


def _summary(item: Mapping[str, Any], problems: list[FieldProblem]) -> tuple[str, str] | None:
    """The start of a description (preferred roles first), else of a body, as a summary that fits."""
    text = _text_of(item, "description", "descriptions", SUMMARY_ROLES, problems) or _text_of(
        item, "body", "bodies", SUMMARY_ROLES, problems
    )
    if text is None:
        return None
    value, name = text
    if not isinstance(value, str):
        problems.append(FieldProblem(name, "string_type", "must be a string"))
        return None
    try:
        excerpt = summary_excerpt(value)
    except UncleanTextError as exc:
        problems.append(FieldProblem(name, "unclean_text", str(exc)))
        return None
    return None if excerpt is None else (excerpt, name)


def _text_of(
    item: Mapping[str, Any], singular: str, plural: str, roles: tuple[str, ...], problems: list[FieldProblem]
) -> tuple[Any, str] | None:
    """A text in any ninjs spelling, with the name the client gave it.

    In order: the plain 1.x field (``headline``; for descriptions and bodies
    ``description_text``/``body_text``), the 2.x/3.x array (``headlines[]``
    of ``{role, value}``), the 1.3+ ``headline_<role>`` fields. A list under
    the singular name (``headline: [{name, text}]``, drafts of 2.0) reads as
    the array. Within a list, the first of the preferred ``roles`` wins, else
    the first entry.
    """
    plain = singular if singular == "headline" else f"{singular}_text"
    if isinstance(item.get(plain), str):
        return item[plain], plain
    for key in (plural, singular):
        entries = item.get(key)
        if entries is None:
            continue
        if key == singular and not isinstance(entries, list):
            return entries, key
        listed = _entries(entries)
        if listed is None:
            problems.append(FieldProblem(key, "list_type", "must be a list of objects with a 'value'"))
            return None
        if listed:
            index = _preferred([role for role, _ in listed], roles)
            return listed[index][1], f"{key}.{index}.{'value' if 'value' in entries[index] else 'text'}"
    prefix = f"{singular}_"
    roled = [(key.removeprefix(prefix).lower(), key) for key, value in item.items()
             if key.startswith(prefix) and isinstance(value, str)]
    if roled:
        key = roled[_preferred([role for role, _ in roled], roles)][1]
        return item[key], key
    return None


def _entries(value: Any) -> list[tuple[str, Any]] | None:
    """``(role, text)`` of each ``{role|name, value|text}`` object in a list; ``None`` if it is no such list."""
    if not isinstance(value, list):
        return None
    listed = []
    for entry in value:
        if not isinstance(entry, Mapping) or ("value" not in entry and "text" not in entry):
            return None
        role = entry.get("role", entry.get("name", ""))
        listed.append((str(role).lower(), entry["value"] if "value" in entry else entry["text"]))
    return listed


def _preferred(found: list[str], roles: tuple[str, ...]) -> int:
    """Index of the first entry whose role is the most preferred one present, else 0."""
    for role in roles:
        if role in found:
            return found.index(role)
    return 0


def _associated(item: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Associated items with the name to report them by: 1.x maps names to items, 2.x/3.x list them."""
    associations = item.get("associations")
    if isinstance(associations, Mapping):
        pairs: list[tuple[str, Any]] = [(str(name), value) for name, value in associations.items()]
    elif isinstance(associations, list):
        pairs = [(str(index), value) for index, value in enumerate(associations)]
    else:
        return
    for name, value in pairs:
        if isinstance(value, Mapping):
            yield name, value


def _names_of(item: Mapping[str, Any], keys: tuple[str, ...], problems: list[FieldProblem]) -> tuple[Any, str] | None:
    """Names from ``subjects[]``/``places[]`` (1.x: ``subject[]``/``place[]``), with the key that held them.

    Each entry's ``name``, else its ``literal``, else its ``code``, else,
    for an IPTC media topic given only by URI, its QCode (``medtop:04000000``).
    """
    for key in keys:
        entries = item.get(key)
        if entries is None:
            continue
        if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
            problems.append(FieldProblem(key, "list_type", "must be a list of objects"))
            return None
        names = [e.get("name") or e.get("literal") or e.get("code") or _media_topic(e.get("uri")) for e in entries]
        return [name for name in names if name is not None], key
    return None


def _media_topic(uri: Any) -> str | None:
    if isinstance(uri, str) and uri.startswith(MEDIA_TOPIC_URI) and uri != MEDIA_TOPIC_URI:
        return "medtop:" + uri.removeprefix(MEDIA_TOPIC_URI).strip("/")
    return None


def _region(item: Mapping[str, Any], problems: list[FieldProblem]) -> tuple[Any, str] | None:
    """Where the story happened: ``located``, else the first named place."""
    if item.get("located") is not None:
        return item["located"], "located"
    places = _names_of(item, ("places", "place"), problems)
    if places is None or not places[0]:
        return None
    return places[0][0], f"{places[1]}.0.name"
