"""IPTC ninjs 1.x, 2.x and 3.x items mapped onto the canonical headline fields.

The three generations spell the same things differently: 1.x has
``headline``, ``subject``, ``place`` and ``located``; 2.x keeps lowercase
names but uses arrays (``headlines[]``, ``subjects[]``, ``places[]``); 3.x
switches to camelCase (``firstCreated``, ``pubStatus``). One tolerant mapping
reads every spelling, and remembers which one the client used so problems
name the client's field (``firstcreated``, ``headlines.0.value``).

Fields with no place on a ticker (bodies, renditions, associations, rights)
are ignored; the mapping never guesses a web link from ``uri``, which is an
identifier, not a URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stoppress.ingest.problems import FieldProblem, RefusalError, invalid_item

SUPPORTED_MAJORS = ("1", "2", "3")
_PASSTHROUGH = {"urgency": ("urgency",), "language": ("language",)}
_RENAMED = {
    "first_created": ("firstcreated", "firstCreated"),
    "version_created": ("versioncreated", "versionCreated"),
    "embargo_until": ("embargoed",),
    "pubstatus": ("pubstatus", "pubStatus"),
}
_RELAY_FIELDS = ("source", "source_name")


def ninjs_to_fields(item: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Canonical fields of one ninjs item, and for each the name the client used.

    Raises :class:`RefusalError` (422) when the item declares an unsupported
    ninjs version, has no ``uri``, or gives ``version``/arrays in a shape no
    ninjs generation allows.
    """
    problems: list[FieldProblem] = []
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

    headline = _text_of(item, "headline", "headlines", ("main", "headline"), problems)
    if headline is not None:
        fields["headline"], origin["headline"] = headline
    else:
        origin["headline"] = "headlines" if "headlines" in item else "headline"
    summary = _text_of(item, "description_text", "descriptions", ("summary", "abstract", "teaser"), problems)
    if summary is not None:
        fields["summary"], origin["summary"] = summary

    subjects = _names_of(item, ("subjects", "subject"), problems)
    if subjects is not None:
        fields["subjects"], origin["subjects"] = subjects
    region = _region(item, problems)
    if region is not None:
        fields["region"], origin["region"] = region

    for name in _RELAY_FIELDS:
        if item.get(name) is not None:
            fields[name] = item[name]
    if problems:
        raise RefusalError(invalid_item(problems))
    return fields, origin


def _check_standard(standard: Any, problems: list[FieldProblem]) -> None:
    if not isinstance(standard, Mapping):
        return
    version = str(standard.get("version", ""))
    if version and version.split(".", maxsplit=1)[0] not in SUPPORTED_MAJORS:
        problems.append(
            FieldProblem("standard.version", "unsupported_version", f"ninjs {version} is not supported (1.x-3.x are)")
        )


def _version(value: Any, problems: list[FieldProblem]) -> Any:
    """ninjs versions are strings (``"3"``); the headline version is a whole number."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    problems.append(FieldProblem("version", "int_parsing", "must be a whole number such as \"2\""))
    return None


def _text_of(
    item: Mapping[str, Any], plain_key: str, list_key: str, roles: tuple[str, ...], problems: list[FieldProblem]
) -> tuple[Any, str] | None:
    """A text from the 1.x plain field, else from the 2.x/3.x array (preferred roles first)."""
    if item.get(plain_key) is not None:
        return item[plain_key], plain_key
    entries = item.get(list_key)
    if entries is None:
        return None
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) and "value" in e for e in entries):
        problems.append(FieldProblem(list_key, "list_type", "must be a list of objects with a 'value'"))
        return None
    if not entries:
        return None
    preferred = [i for i, e in enumerate(entries) if str(e.get("role", "")).lower() in roles]
    index = preferred[0] if preferred else 0
    return entries[index]["value"], f"{list_key}.{index}.value"


def _names_of(item: Mapping[str, Any], keys: tuple[str, ...], problems: list[FieldProblem]) -> tuple[Any, str] | None:
    """Subject names from ``subjects[]``/``subject[]`` (``name``, else ``literal``, else ``code``)."""
    for key in keys:
        entries = item.get(key)
        if entries is None:
            continue
        if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
            problems.append(FieldProblem(key, "list_type", "must be a list of objects"))
            return None
        names = [e.get("name") or e.get("literal") or e.get("code") for e in entries]
        return [name for name in names if name is not None], key
    return None


def _region(item: Mapping[str, Any], problems: list[FieldProblem]) -> tuple[Any, str] | None:
    """Where the story happened: ``located`` (1.x/2.x), else the first named place."""
    if item.get("located") is not None:
        return item["located"], "located"
    places = _names_of(item, ("places", "place"), problems)
    if places is None or not places[0]:
        return None
    return places[0][0], f"{places[1]}.0.name"
