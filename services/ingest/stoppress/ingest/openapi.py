"""The OpenAPI 3.1 description served at ``GET /v1/openapi.json``.

The canonical item schema is derived from the shared ``Headline`` model, so
the description cannot drift from the contract: the fields ingest sets
itself (``id``, ``received_at``, ``source_authority``) are removed and the
client's ``guid`` is added. Text limits apply after cleaning, so they are
stated in descriptions, and ``maxLength`` is the longest text ingest reads
(a headline wrapped in markup may be longer than 300 characters on the wire).
"""

from __future__ import annotations

from typing import Any

from stoppress.ingest.sanitize import GUID_MAX_CHARS, RAW_TAG_MAX_CHARS, RAW_TEXT_MAX_CHARS
from stoppress.ingest.settings import IngestSettings
from stoppress.shared.models import Headline

_SET_BY_INGEST = ("id", "received_at", "source_authority")
_CLEANED_TEXT = ("headline", "summary", "category", "region")


def openapi_document(settings: IngestSettings) -> dict[str, Any]:
    """The whole OpenAPI 3.1 document, with this replica's limits filled in."""
    problem_responses = {
        "401": _problem("Missing or unknown API key"),
        "403": _problem("The key's source is disabled, or may not publish as the named source"),
        "413": _problem(f"Body over {settings.max_body_bytes} bytes or more than {settings.max_batch_items} items"),
        "415": _problem("Content-Type is not application/json or application/ninjs+json (UTF-8)"),
        "422": _problem("Broken JSON or an invalid item; `errors` names each field and rule"),
        "429": _problem("Too many requests from this key; retry after `Retry-After` seconds", retry=True),
        "503": _problem("The broker did not acknowledge in time; retry after `Retry-After` seconds", retry=True),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Stop Press ingest API",
            "version": "1.0.0",
            "description": "Publish headlines into Stop Press. A 202 means the Kafka broker acknowledged the write "
            "(acks=all). The API key decides the source. See docs/ingest.md.",
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer", "description": "The source's API key"}},
            "schemas": {
                "Item": submission_schema(),
                "NinjsItem": _ninjs_schema(),
                "Batch": _batch_schema(settings.max_batch_items),
                "Accepted": _accepted_schema(),
                "BatchResult": _batch_result_schema(),
                "Problem": _problem_schema(),
            },
        },
        "paths": {
            "/v1/headlines": {
                "post": {
                    "operationId": "postHeadlines",
                    "summary": "Publish one headline or a batch",
                    "security": [{"apiKey": []}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": _body_schema("Item")},
                            "application/ninjs+json": {"schema": _body_schema("NinjsItem")},
                        },
                    },
                    "responses": {
                        "202": _json_response("Every item acknowledged by the broker", {
                            "anyOf": [_ref("Accepted"), _ref("BatchResult")]
                        }),
                        "207": _json_response("A batch in which some items were accepted", _ref("BatchResult"),
                                              retry=True),
                        **problem_responses,
                        "default": _problem("Any other refusal (for example a malformed request)"),
                    },
                }
            },
            "/v1/openapi.json": _get("openapiDocument", "This document", {"type": "object"}),
            "/healthz": _get("health", "The process is serving", {"type": "object"}),
            "/readyz": {
                "get": {
                    "operationId": "readiness",
                    "summary": "Whether the broker answers right now",
                    "responses": {
                        "200": _json_response("Ready", {"type": "object"}),
                        "503": _problem("The broker is not reachable", retry=True),
                    },
                }
            },
            "/metrics": {
                "get": {
                    "operationId": "metrics",
                    "summary": "Prometheus text exposition",
                    "responses": {"200": {"description": "Metrics", "content": {"text/plain": {"schema": {
                        "type": "string"}}}}},
                }
            },
        },
    }


def submission_schema() -> dict[str, Any]:
    """The canonical item a client sends: ``Headline``'s fields minus those ingest sets, plus ``guid``."""
    schema = Headline.model_json_schema()
    properties: dict[str, Any] = {
        name: spec for name, spec in schema["properties"].items() if name not in _SET_BY_INGEST
    }
    for name in _CLEANED_TEXT:
        least, most = _read_limit(properties[name], RAW_TEXT_MAX_CHARS.get(name, RAW_TAG_MAX_CHARS))
        properties[name]["description"] = (
            f"Plain text after cleaning (markup removed, entities decoded): {least}-{most} characters"
        )
    least, most = _read_limit(properties["subjects"]["items"], RAW_TAG_MAX_CHARS)
    properties["subjects"]["description"] = f"Tags of {least}-{most} characters after cleaning"
    properties["guid"] = {
        "type": "string",
        "minLength": 1,
        "maxLength": GUID_MAX_CHARS,
        "description": "The item's identifier at its source; send the same guid (and a higher version) to update "
        "it. Generated when absent, but then a retried request creates a second item.",
    }
    properties["source"] = {
        "type": "string",
        "description": "Relay sources only: the slug of the outlet this item is published for",
    }
    properties["source_name"] = {
        "type": "string",
        "description": "Relay sources only: the display name of that outlet",
    }
    properties["format"] = {"type": "string", "enum": ["canonical", "ninjs"]}
    for name in ("first_created", "version_created"):
        properties[name]["description"] = "Timezone-aware; at most 5 minutes in the future; defaults to now"
    return {
        "type": "object",
        "title": "Item",
        "description": "One headline in the canonical format",
        "additionalProperties": False,
        "required": ["headline"],
        "properties": properties,
    }


def _read_limit(spec: dict[str, Any], limit: int) -> tuple[int, int]:
    """Swap the model's after-cleaning length limits for the longest text ingest reads; return the former."""
    least, most = 0, limit
    for variant in spec.get("anyOf", [spec]):
        if variant.get("type") == "string":
            least = variant.pop("minLength", 0)
            most = variant.get("maxLength", limit)
            variant["maxLength"] = limit
    return least, most


def _ninjs_schema() -> dict[str, Any]:
    text_list = {"type": "array", "items": {"type": "object", "required": ["value"], "properties": {
        "value": {"type": "string"}, "role": {"type": "string"}}}}
    named_list = {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}}
    return {
        "type": "object",
        "title": "NinjsItem",
        "description": "An IPTC ninjs 1.x, 2.x or 3.x item; only the fields below are read",
        "required": ["uri"],
        "properties": {
            "uri": {"type": "string"},
            "version": {"type": ["string", "integer"]},
            "headline": {"type": "string"},
            "headlines": text_list,
            "description_text": {"type": "string"},
            "descriptions": text_list,
            "firstcreated": {"type": "string", "format": "date-time"},
            "firstCreated": {"type": "string", "format": "date-time"},
            "versioncreated": {"type": "string", "format": "date-time"},
            "versionCreated": {"type": "string", "format": "date-time"},
            "embargoed": {"type": "string", "format": "date-time"},
            "pubstatus": {"type": "string", "enum": ["usable", "withheld", "canceled"]},
            "pubStatus": {"type": "string", "enum": ["usable", "withheld", "canceled"]},
            "urgency": {"type": "integer", "minimum": 1, "maximum": 9},
            "language": {"type": "string"},
            "subject": named_list,
            "subjects": named_list,
            "located": {"type": "string"},
            "place": named_list,
            "places": named_list,
        },
    }


def _batch_schema(max_items: int) -> dict[str, Any]:
    return {
        "type": "object",
        "title": "Batch",
        "additionalProperties": False,
        "required": ["items"],
        "properties": {
            "items": {"type": "array", "minItems": 1, "maxItems": max_items, "items": {"type": "object"}},
            "format": {"type": "string", "enum": ["canonical", "ninjs"]},
        },
    }


def _body_schema(item: str) -> dict[str, Any]:
    return {"anyOf": [_ref(item), {"type": "array", "minItems": 1, "items": _ref(item)}, _ref("Batch")]}


def _accepted_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["id", "version", "source", "received_at"],
        "properties": {
            "id": {"type": "string", "description": "source:guid, also the Kafka key"},
            "version": {"type": "integer"},
            "source": {"type": "string"},
            "received_at": {"type": "string", "format": "date-time"},
        },
    }


def _batch_result_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["accepted", "refused", "items"],
        "properties": {
            "accepted": {"type": "integer"},
            "refused": {"type": "integer"},
            "items": {"type": "array", "items": _ref_item_result()},
        },
    }


def _ref_item_result() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["index", "status"],
        "properties": {
            "index": {"type": "integer"},
            "status": {"type": "integer", "description": "202 accepted, else the item's own refusal status"},
            "id": {"type": "string"},
            "version": {"type": "integer"},
            "problem": _ref("Problem"),
        },
    }


def _problem_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "RFC 9457 problem details",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string", "description": "urn:stoppress:problem:<kind>"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {"type": "array", "items": {"type": "object", "required": ["field", "rule", "message"],
                                                  "properties": {"field": {"type": "string"},
                                                                 "rule": {"type": "string"},
                                                                 "message": {"type": "string"}}}},
            "items": {"type": "array", "items": _ref_item_result()},
        },
    }


def _problem(description: str, *, retry: bool = False) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/problem+json": {"schema": _ref("Problem")}},
    }
    if retry:
        response["headers"] = _retry_after()
    return response


def _json_response(description: str, schema: dict[str, Any], *, retry: bool = False) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": schema}}}
    if retry:
        response["headers"] = _retry_after()
    return response


def _retry_after() -> dict[str, Any]:
    return {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}}


def _get(operation_id: str, summary: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"get": {"operationId": operation_id, "summary": summary,
                    "responses": {"200": _json_response(summary, schema)}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}
