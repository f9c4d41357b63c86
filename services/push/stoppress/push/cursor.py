"""A client's cursor, read at the edge: the format is :mod:`stoppress.shared.cursor`; a bad one is a 400/4xx."""

from __future__ import annotations

from stoppress.push.refusals import BadRequest
from stoppress.shared.cursor import Cursor, read_cursor

__all__ = ["parse_cursor"]


def parse_cursor(text: str) -> Cursor:
    """Parse a cursor string; raise :class:`BadRequest` with the reason when it is not one of ours."""
    try:
        return read_cursor(text)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
