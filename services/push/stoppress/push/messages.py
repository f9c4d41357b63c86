"""Protocol v1 messages: server messages as JSON bytes, client messages parsed and checked.

Every server message is a JSON object with a ``type``; docs/protocol.md has an
example of each. Client messages are limited to ``subscribe`` and ``ping``;
anything else raises :class:`~stoppress.push.refusals.BadRequest` with a reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from stoppress.push.refusals import BadRequest, Refusal
from stoppress.shared.models import StoryView

PROTOCOL_VERSION = 1
MAX_TOKEN_CHARS = 4096


def _dumps(message: dict[str, Any]) -> bytes:
    return orjson.dumps(message, option=orjson.OPT_UTC_Z)


def welcome(instance: str, heartbeat_s: float, limits: dict[str, float]) -> bytes:
    """First message on every connection: protocol version, heartbeat interval (s) and limits."""
    return _dumps(
        {"type": "welcome", "protocol": PROTOCOL_VERSION, "instance": instance, "heartbeat_s": heartbeat_s,
         "limits": limits}
    )


def snapshot(
    cursor: str, stories: Sequence[StoryView], filter_fields: dict[str, list[str]], reason: str | None = None
) -> bytes:
    """The stories matching the filter, best first, as of ``cursor``; ``reason`` says why a resume failed."""
    message: dict[str, Any] = {
        "type": "snapshot",
        "cursor": cursor,
        "recovered": False,
        "filter": filter_fields,
        "stories": [story.model_dump(mode="python") for story in stories],
    }
    if reason is not None:
        message["reason"] = reason
    return _dumps(message)


def event(cursor: str, event_json: bytes, matches: bool) -> bytes:
    """One ``TickerEvent`` (already encoded once) with its cursor.

    ``matches`` is false when the story just left the client's filter: the
    client removes it from view.
    """
    flag = b"true" if matches else b"false"
    return b'{"type":"event","cursor":"' + cursor.encode() + b'","matches":' + flag + b',"event":' + event_json + b"}"


def recovered(cursor: str, count: int) -> bytes:
    """After a resume: ``count`` missed events were replayed; ``cursor`` is the position now."""
    return _dumps({"type": "recovered", "cursor": cursor, "count": count})


def ping(now: datetime) -> bytes:
    """The app-level heartbeat, sent to every connection every ``heartbeat_s``."""
    return _dumps({"type": "ping", "at": now})


def pong(echo: str | None, now: datetime) -> bytes:
    """Answer to a client ``ping``; echoes its ``id`` if it sent one."""
    return _dumps({"type": "pong", "id": echo, "at": now})


def error(refusal: Refusal) -> bytes:
    """Sent just before a close (or in place of a refused request): code, close code and reason."""
    return _dumps(
        {"type": "error", "code": refusal.error_code, "close_code": refusal.close_code, "message": refusal.reason}
    )


@dataclass(frozen=True, slots=True)
class Subscribe:
    """A client's ``subscribe``: filter fields, and optionally a token and a cursor to resume from."""

    fields: dict[str, object]
    token: str | None
    cursor: str | None


@dataclass(frozen=True, slots=True)
class ClientPing:
    """A client's ``ping``; the server answers ``pong`` with the same ``id``."""

    id: str | None


ClientMessage = Subscribe | ClientPing


def parse_client_message(data: str | bytes) -> ClientMessage:
    """Parse one client text frame; raise :class:`BadRequest` saying what is wrong."""
    if isinstance(data, bytes):
        raise BadRequest("binary frames are not part of protocol v1; send JSON text frames")
    try:
        raw = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise BadRequest("message is not valid JSON") from None
    if not isinstance(raw, dict):
        raise BadRequest("message must be a JSON object with a 'type'")
    kind = raw.get("type")
    if kind == "ping":
        ident = raw.get("id")
        if ident is not None and (not isinstance(ident, str) or len(ident) > 64):
            raise BadRequest("ping.id must be a string of at most 64 characters")
        return ClientPing(ident)
    if kind == "subscribe":
        unknown = set(raw) - {"type", "levels", "categories", "regions", "languages", "token", "cursor"}
        if unknown:
            raise BadRequest(f"subscribe: unknown field(s) {', '.join(sorted(unknown))}")
        token, cursor = raw.get("token"), raw.get("cursor")
        if token is not None and (not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS):
            raise BadRequest("subscribe.token must be a string")
        if cursor is not None and not isinstance(cursor, str):
            raise BadRequest("subscribe.cursor must be a string")
        return Subscribe(fields=raw, token=token, cursor=cursor)
    raise BadRequest(f"unknown message type {kind!r}; expected 'subscribe' or 'ping'")
