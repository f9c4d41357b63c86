"""The orjson codec used on both sides of every topic.

``encode`` turns a contract model into compact JSON bytes (datetimes as RFC
3339 with microseconds, UTC offsets kept). ``decode`` parses bytes with orjson
and validates them with the model; anything that is not a valid value of the
contract raises :class:`DecodeError` with a reason a person can act on, which
readers put on ``headlines.dlq`` instead of crashing.
"""

from __future__ import annotations

from typing import TypeVar

import orjson
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class DecodeError(ValueError):
    """A record is not a valid value of its topic's contract; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def encode(model: BaseModel) -> bytes:
    """Serialise a contract model to JSON bytes (fields with ``None`` are kept)."""
    return orjson.dumps(model.model_dump(mode="python"), option=orjson.OPT_UTC_Z)


def decode(data: bytes | bytearray | memoryview | str | None, model: type[M]) -> M:
    """Parse and validate one record as ``model``; raise :class:`DecodeError` if it is not one."""
    if data is None:
        raise DecodeError("record has no value (tombstone where a value was expected)")
    try:
        raw = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise DecodeError(f"not valid JSON: {exc}") from None
    return validate(raw, model)


def validate(raw: object, model: type[M]) -> M:
    """Validate an already parsed JSON value as ``model``; raise :class:`DecodeError` if it is not one."""
    if not isinstance(raw, dict):
        raise DecodeError(f"expected a JSON object, got {type(raw).__name__}")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise DecodeError(f"invalid {model.__name__}: {describe_validation_error(exc)}") from None


def describe_validation_error(exc: ValidationError, limit: int = 5) -> str:
    """One line per problem, naming the field: ``urgency: Input should be less than or equal to 9``."""
    lines = []
    for error in exc.errors(include_url=False)[:limit]:
        where = ".".join(str(part) for part in error["loc"]) or "(record)"
        lines.append(f"{where}: {error['msg']}")
    more = exc.error_count() - limit
    if more > 0:
        lines.append(f"... and {more} more")
    return "; ".join(lines)
