"""What a client sent to ``POST /v1/headlines``, turned into headlines or reasons (pure).

A body is one item (a JSON object), or a batch: a JSON array of items, or
``{"items": [...], "format": ...}``. Each item is in the canonical format
(the ``Headline`` fields a client may set) or IPTC ninjs, chosen by the
content type (``application/ninjs+json``) or a ``format`` field
(``"canonical"`` | ``"ninjs"``) on the batch or on the item.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import orjson

from stoppress.ingest.ninjs import ninjs_to_fields
from stoppress.ingest.problems import FieldProblem, Problem, RefusalError, invalid_field, invalid_item, invalid_json
from stoppress.ingest.sanitize import build_headline
from stoppress.ingest.sources import Source, SourceRegistry
from stoppress.shared.models import Headline

Format = Literal["canonical", "ninjs"]
FORMATS: tuple[Format, ...] = ("canonical", "ninjs")
NINJS_MEDIA_TYPES = frozenset({"application/ninjs+json", "application/vnd.iptc.ninjs+json"})
JSON_MEDIA_TYPES = frozenset({"application/json"}) | NINJS_MEDIA_TYPES


@dataclass(frozen=True)
class Submission:
    """The items of one request, in order, with the format each defaults to."""

    items: tuple[Any, ...]
    batch: bool
    default_format: Format


def format_for_media_type(mime_type: str, charset: str | None) -> Format:
    """The default item format for a request's content type; :class:`RefusalError` (415) for any other type."""
    mime = mime_type.lower()
    if mime not in JSON_MEDIA_TYPES:
        accepted = ", ".join(sorted(JSON_MEDIA_TYPES))
        shown = mime or "none"
        raise RefusalError(Problem(415, "unsupported-media-type", "Unsupported media type",
                              f"Content-Type {shown} is not accepted; send one of: {accepted}"))
    if charset is not None and charset.lower().replace("-", "") != "utf8":
        raise RefusalError(Problem(415, "unsupported-media-type", "Unsupported media type",
                              f"charset {charset} is not accepted; JSON bodies are UTF-8"))
    return "ninjs" if mime in NINJS_MEDIA_TYPES else "canonical"


def parse_submission(body: bytes, default_format: Format, max_items: int) -> Submission:
    """The items in ``body``; :class:`RefusalError` for broken JSON (422) or too many items (413)."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise RefusalError(invalid_json(f"not valid JSON: {exc}")) from None
    if isinstance(document, list):
        items: list[Any] = document
        batch = True
    elif isinstance(document, dict) and "items" in document:
        items, default_format = _batch_object(document, default_format)
        batch = True
    elif isinstance(document, dict):
        return Submission((document,), False, default_format)
    else:
        raise RefusalError(invalid_json(f"expected an object (one item) or an array (a batch), got {_kind(document)}"))
    if not items:
        raise invalid_field("items", "too_short", "a batch needs at least one item")
    if len(items) > max_items:
        raise RefusalError(Problem(413, "too-many-items", "Too many items",
                              f"a batch may hold at most {max_items} items, this one has {len(items)}"))
    return Submission(tuple(items), batch, default_format)


def _batch_object(document: dict[str, Any], default_format: Format) -> tuple[list[Any], Format]:
    unknown = sorted(set(document) - {"items", "format"})
    if unknown:
        raise RefusalError(invalid_item([FieldProblem(k, "unknown_field", "a batch has only 'items' and 'format'")
                                    for k in unknown]))
    items = document["items"]
    if not isinstance(items, list):
        raise invalid_field("items", "list_type", "must be a list of items")
    return items, _format_field(document, default_format)


def _format_field(document: Mapping[str, Any], default: Format) -> Format:
    value = document.get("format") or default
    if value not in FORMATS:
        raise invalid_field("format", "literal_error", "must be 'canonical' or 'ninjs'")
    fmt: Format = value
    return fmt


def headline_from_item(
    item: Any,
    default_format: Format,
    source: Source,
    registry: SourceRegistry,
    now: datetime,
    *,
    default_guid: str,
    future_tolerance: timedelta,
) -> Headline:
    """One item as a clean ``Headline`` published as the key's source (or a relayed outlet).

    Raises :class:`RefusalError` with the item's problem (422 invalid, 403 not allowed).
    """
    if not isinstance(item, dict):
        raise invalid_field("(item)", "dict_type", f"must be a JSON object, got {_kind(item)}")
    fmt = _format_field(item, default_format)
    if fmt == "ninjs":
        fields, origin = ninjs_to_fields(item)
    else:
        fields, origin = item, {}
    attribution = registry.attribution(source, fields.get("source"), fields.get("source_name"))
    return build_headline(
        fields, attribution, now, default_guid=default_guid, future_tolerance=future_tolerance, origin=origin
    )


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")
