"""The OpenAPI 3.1 description served at ``GET /v1/openapi.json``.

One path per action (``POST /v1/desk/stories/{story_id}/kill`` …), each with
the body that action takes, so a client generator and schemathesis see
exactly what is accepted. ``DeskStory`` and ``DeskOutcome`` come from the
shared contract models, so the description cannot drift from them.
"""

from __future__ import annotations

from typing import Any

from stoppress.desk.commands import MAX_FOR_S
from stoppress.desk.settings import DeskSettings
from stoppress.shared.models import DESK_ACTIONS, LEVELS, DeskOutcome, DeskStory

_REF = "#/components/schemas/{model}"
_LEVEL = {"type": "string", "enum": list(LEVELS)}
_BODY_FIELDS: dict[str, dict[str, Any]] = {
    "level": {"level": _LEVEL,
              "until": {"type": "string", "format": "date-time", "description": "When the level ends (RFC 3339)"},
              "for_s": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_FOR_S,
                        "description": "How long the level holds, from now (s); not with until"}},
    "hold": {"level": {**_LEVEL, "description": "The most urgent level the story may have"}},
    "clear": {"clear": {"type": "array", "maxItems": 3, "uniqueItems": True,
                        "items": {"type": "string", "enum": ["level", "hold", "edit"]},
                        "description": "What to clear; empty or absent: level and hold"}},
    "edit": {"headline": {"type": "string", "minLength": 1, "maxLength": 300, "description": "Plain text"},
             "url": {"type": "string", "format": "uri", "maxLength": 2048, "description": "http or https"}},
    "merge": {"into": {"type": "string", "minLength": 1, "maxLength": 128,
                       "description": "The story that takes this one's items"}},
    "split": {"item": {"type": "string", "minLength": 3, "maxLength": 512,
                       "description": "A member's item id, or a story merged into this one (to restore it)"}},
}  # fmt: skip
_REQUIRED = {"level": ["level"], "hold": ["level"], "edit": ["headline"], "merge": ["into"], "split": ["item"]}
_SUMMARIES = {
    "kill": "Take the story off every ticker; items joining it stay hidden",
    "restore": "Undo a kill",
    "level": "Set the level over the machine's, for good or for a while",
    "clear": "Return to the machine's level (clear level and hold), or drop a correction",
    "hold": "Never show the story above a level",
    "pin": "Pin the story to the top of the ticker",
    "unpin": "Undo a pin",
    "edit": "Correct the headline (and URL) readers see",
    "merge": "Merge this story into another",
    "split": "Move one item out into a story of its own, or restore a story merged into this one",
}


def openapi_document(settings: DeskSettings) -> dict[str, Any]:
    """The whole OpenAPI 3.1 document, with this replica's limits filled in."""
    schemas: dict[str, Any] = {"Problem": _problem_schema()}
    for model in (DeskStory, DeskOutcome):
        schema = model.model_json_schema(ref_template=_REF)
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    paths: dict[str, Any] = {
        f"/v1/desk/stories/{{story_id}}/{action}": {"post": _command_operation(action, settings)}
        for action in DESK_ACTIONS
    }
    paths |= {
        "/v1/desk/stories": {"get": _read("listStories", "Live stories, pinned first, then as the ticker ranks them",
                                          _list_of("stories", _ref("DeskStory")), _list_parameters())},
        "/v1/desk/stories/{story_id}": {"get": _read("getStory", "One live story, its members and its audit log",
                                                     {"type": "object"}, [_story_parameter()])},
        "/v1/desk/log": {"get": _read("auditLog", "The audit log, newest first",
                                      _list_of("entries", {"type": "object"}), _log_parameters())},
        "/v1/desk/whoami": {"get": _read("whoAmI", "The editor the key belongs to", {"type": "object"}, [])},
        "/v1/desk/stream": {"get": _read("stream", "Server-sent events: a snapshot, then every change",
                                         {"type": "string"}, [], "text/event-stream")},
    }  # fmt: skip
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Stop Press editor's desk API",
            "version": "1.0.0",
            "description": "Overrule the machine: kill, level, hold, pin, correct, merge and split stories. A "
            f"command is answered once the ticker applied or refused it, within {settings.answer_timeout_s:g} s; "
            "a 503 means it could not confirm in time (send the same command_id again: a command id is "
            "applied at most once). Authenticate with an editor's key. See docs/desk.md.",
        },
        "servers": [{"url": "/"}],
        "security": [{"editorKey": []}],
        "components": {
            "securitySchemes": {"editorKey": {"type": "http", "scheme": "bearer", "description": "An editor's key"}},
            "schemas": schemas,
        },
        "paths": paths,
    }


def _command_operation(action: str, settings: DeskSettings) -> dict[str, Any]:
    fields = _BODY_FIELDS.get(action, {})
    body = {
        "type": "object",
        "additionalProperties": False,
        "required": ["reason", *_REQUIRED.get(action, [])],
        "properties": {
            "reason": {"type": "string", "minLength": 1, "maxLength": 500, "description": "Why (kept in the log)"},
            "command_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$",
                           "description": "Your id for this command, to retry it safely"},
            **fields,
        },
    }  # fmt: skip
    return {
        "operationId": f"{action}Story",
        "summary": _SUMMARIES[action],
        "parameters": [_story_parameter()],
        "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
        "responses": {
            "200": {"description": "Applied", "content": {"application/json": {"schema": _ref("DeskOutcome")}}},
            "401": _problem("No editor's key, or not a known one"),
            "403": _problem("The editor is disabled"),
            "404": _problem("No live story with this id (or an unknown action)"),
            "409": _problem("The command conflicts with the story's state (the detail says how)"),
            "413": _problem(f"Body over {settings.max_body_bytes} bytes"),
            "422": _problem("The body is not a valid command for this action; errors name each field"),
            "429": _problem("Too many commands from this editor; retry after Retry-After seconds", retry=True),
            "503": _problem("The broker or the ticker did not confirm in time; retry with the same command_id",
                            retry=True),
            "default": _problem("Any other refusal"),
        },
    }


def _read(operation_id: str, summary: str, schema: dict[str, Any], parameters: list[dict[str, Any]],
          media: str = "application/json") -> dict[str, Any]:  # fmt: skip
    return {
        "operationId": operation_id,
        "summary": summary,
        "parameters": parameters,
        "responses": {
            "200": {"description": summary, "content": {media: {"schema": schema}}},
            "401": _problem("No editor's key, or not a known one"),
            "404": _problem("Unknown story"),
            "422": _problem("A query parameter is not valid"),
            "429": _problem("Too many requests from this editor", retry=True),
            "503": _problem("Still reading the desk topics", retry=True),
            "default": _problem("Any other refusal"),
        },
    }


def _story_parameter() -> dict[str, Any]:
    return {"name": "story_id", "in": "path", "required": True,
            "schema": {"type": "string", "minLength": 1, "maxLength": 128}}  # fmt: skip


def _list_parameters() -> list[dict[str, Any]]:
    return [
        {"name": "state", "in": "query", "schema": {"type": "string"},
         "description": "Comma-separated: shown, hidden, killed, withdrawn"},
        {"name": "level", "in": "query", "schema": {"type": "string"},
         "description": "Comma-separated: " + ", ".join(LEVELS)},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 5000}},
    ]  # fmt: skip


def _log_parameters() -> list[dict[str, Any]]:
    return [
        {"name": "story_id", "in": "query", "schema": {"type": "string"}},
        {"name": "editor", "in": "query", "schema": {"type": "string"}},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    ]


def _list_of(name: str, items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {"count": {"type": "integer"}, name: {"type": "array", "items": items}}}


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
            "command_id": {"type": "string"},
            "errors": {"type": "array", "items": {"type": "object", "required": ["field", "rule", "message"],
                                                  "properties": {"field": {"type": "string"},
                                                                 "rule": {"type": "string"},
                                                                 "message": {"type": "string"}}}},
        },
    }  # fmt: skip


def _problem(description: str, *, retry: bool = False) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/problem+json": {"schema": _ref("Problem")}},
    }
    if retry:
        response["headers"] = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}
    return response


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF.format(model=name)}
