"""The command a request asks for: the request body checked and turned into a ``DeskCommand``. Pure.

A body is a JSON object with ``reason`` (required: the audit log says why)
and what the action takes (``docs/desk.md``, "The command API"): ``level``
and either ``until`` (RFC 3339) or ``for_s`` (seconds from now) for
``level``; ``level`` for ``hold``; ``clear`` (a list of ``level``, ``hold``,
``edit``) for ``clear``; ``headline`` and ``url`` for ``edit``; ``into`` for
``merge``; ``item`` for ``split``. ``command_id`` is optional: a client that
sends one may retry the same request safely (the desk applies a command id
once). The editor, the story's desk and the time are stamped here, never
taken from the body. Text is trimmed; an editor's headline is plain text,
and markup in it is refused rather than guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import orjson
from pydantic import ValidationError

from stoppress.desk.problems import invalid
from stoppress.shared.models import DeskCommand, DeskStory
from stoppress.shared.problems import FieldProblem

__all__ = ["BODY_FIELDS", "MAX_FOR_S", "command_from_body"]

BODY_FIELDS = ("reason", "command_id", "level", "until", "for_s", "clear", "headline", "url", "into", "item")
MAX_FOR_S = 7 * 24 * 3600.0
"""Longest ``for_s`` of a timed level (s); longer is what ``clear`` is for."""
_MARKUP = re.compile(r"<[A-Za-z!/?]")
_TEXT_FIELDS = ("reason", "headline")


def command_from_body(
    action: str, story: DeskStory, body: bytes, *, editor: str, now: datetime, new_id: Callable[[], str]
) -> DeskCommand:
    """The command ``editor`` sends with ``body`` on ``story`` at ``now``; raise a 422 ``RefusedError`` if unusable."""
    fields = _object(body)
    unknown = sorted(set(fields) - set(BODY_FIELDS))
    if unknown:
        raise invalid(FieldProblem(name, "unknown", f"{action} takes no field {name!r}") for name in unknown)
    problems: list[FieldProblem] = []
    for name in _TEXT_FIELDS:
        value = fields.get(name)
        if isinstance(value, str):
            fields[name] = " ".join(value.split())
            if _MARKUP.search(value):
                problems.append(FieldProblem(name, "plain-text", "must be plain text, without markup"))
    for_s = fields.pop("for_s", None)
    if for_s is not None:
        if fields.get("until") is not None:
            problems.append(FieldProblem("for_s", "exclusive", "give until or for_s, not both"))
        elif isinstance(for_s, bool) or not isinstance(for_s, int | float) or not 0 < for_s <= MAX_FOR_S:
            problems.append(FieldProblem("for_s", "range", f"must be a number of seconds, 1 to {MAX_FOR_S:.0f}"))
        else:
            fields["until"] = (now + timedelta(seconds=for_s)).isoformat()
    if problems:
        raise invalid(problems)
    record = {
        **fields,
        "command_id": fields.get("command_id") or new_id(),
        "action": action,
        "story_id": story.story_id,
        "desk": story.desk,
        "editor": editor,
        "issued_at": now,
    }
    try:
        return DeskCommand.model_validate(record)
    except ValidationError as exc:
        raise invalid(_field_problems(exc)) from None


def _object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        raise invalid([FieldProblem("(body)", "required", "send a JSON object with at least a reason")])
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise invalid([FieldProblem("(body)", "json", f"not valid JSON: {exc}")]) from None
    if not isinstance(document, dict):
        raise invalid([FieldProblem("(body)", "json", f"expected a JSON object, got {type(document).__name__}")])
    return document


def _field_problems(exc: ValidationError) -> list[FieldProblem]:
    problems = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"]) or "(command)"
        message = error["msg"].removeprefix("Value error, ")
        problems.append(FieldProblem(where, error["type"], message))
    return problems
