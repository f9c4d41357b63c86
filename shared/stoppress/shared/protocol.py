"""Push protocol v1 as a client sees it: typed server messages and filters.

The server side lives in ``stoppress.push``; the full protocol (fields,
cursors, close codes) is written down in ``docs/protocol.md``. These models
are deliberately lenient about *extra* fields (a newer server may add some)
and strict about the ones a client relies on, so a client built today keeps
working when the server adds a minor feature.

Parsing is pure: :func:`parse_server_message` takes the text of one frame and
returns a typed message, ``None`` for a message type this client does not
know (ignored, for forward compatibility), or raises :class:`ProtocolError`.
"""

from __future__ import annotations

from typing import Annotated, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stoppress.shared.codec import describe_validation_error
from stoppress.shared.models import Level, StoryView, TickerEvent

PROTOCOL_VERSION = 1


class ProtocolError(ValueError):
    """The server sent a frame that is not a valid protocol v1 message; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Filters(BaseModel):
    """Which stories a client wants; an empty list means "no restriction on this field".

    Values are matched exactly by the gateway (levels are ``flash``,
    ``breaking``, ``urgent``, ``normal``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    levels: tuple[Level, ...] = ()
    categories: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()

    def query(self) -> dict[str, str]:
        """The filters as query-string parameters (comma-separated values, empty fields left out)."""
        fields = {
            "levels": self.levels,
            "categories": self.categories,
            "regions": self.regions,
            "languages": self.languages,
        }
        return {name: ",".join(values) for name, values in fields.items() if values}


class _ServerMessage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Welcome(_ServerMessage):
    """First frame on every connection: protocol version, the replica's name, heartbeat interval (s)."""

    type: Literal["welcome"] = "welcome"
    protocol: int = PROTOCOL_VERSION
    instance: str = ""
    heartbeat_s: Annotated[float, Field(gt=0, description="Seconds between server pings")] = 15.0


class Snapshot(_ServerMessage):
    """The current stories matching the filter, best first, and the cursor they are valid at.

    ``recovered`` is ``False`` when this snapshot replaces a resume the
    server could not honour: events between the client's cursor and this
    snapshot are lost to it, so it must re-sync its view from ``stories``.
    """

    type: Literal["snapshot"] = "snapshot"
    stories: list[StoryView]
    cursor: str
    recovered: bool = False
    reason: str | None = None
    """Why a resume failed, when this snapshot replaces one."""


class Event(_ServerMessage):
    """One change to one story, and the cursor of this event.

    ``matches`` is ``False`` when the change takes the story out of the
    client's filter (for example its level dropped): remove it from view.
    """

    type: Literal["event"] = "event"
    event: TickerEvent
    cursor: str
    matches: bool = True


class Recovered(_ServerMessage):
    """A resume succeeded: ``count`` missed events were replayed before this message."""

    type: Literal["recovered"] = "recovered"
    count: Annotated[int, Field(ge=0)]
    cursor: str | None = None


class Ping(_ServerMessage):
    """The server's app-level heartbeat (no answer expected): silence longer than a few intervals means a dead link."""

    type: Literal["ping"] = "ping"


class Pong(_ServerMessage):
    """The server's answer to a client ``ping``, echoing its ``id``."""

    type: Literal["pong"] = "pong"
    id: str | None = None


class ServerError(_ServerMessage):
    """Why the server is about to close the connection: a short ``code``, the ``close_code`` and a reason."""

    type: Literal["error"] = "error"
    code: str
    close_code: int | None = None
    message: str


ServerMessage = Welcome | Snapshot | Event | Recovered | Ping | Pong | ServerError
StreamMessage = Snapshot | Event | Recovered
"""What :class:`stoppress.shared.client.Stream` yields to its user."""

_MODELS: dict[str, type[ServerMessage]] = {
    "welcome": Welcome,
    "snapshot": Snapshot,
    "event": Event,
    "recovered": Recovered,
    "ping": Ping,
    "pong": Pong,
    "error": ServerError,
}


def parse_server_message(text: str | bytes) -> ServerMessage | None:
    """One server frame as a typed message; ``None`` for an unknown ``type`` (newer server)."""
    try:
        raw = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ProtocolError(f"frame is not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise ProtocolError(f"frame must be a JSON object, got {type(raw).__name__}")
    kind = raw.get("type")
    if not isinstance(kind, str):
        raise ProtocolError("frame has no string 'type' field")
    model = _MODELS.get(kind)
    if model is None:
        return None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ProtocolError(f"invalid '{kind}' message: {describe_validation_error(exc)}") from None
