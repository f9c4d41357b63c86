"""Problem details (RFC 9457): how every refusal is told to a client.

A :class:`Problem` is a value: the HTTP status, a stable ``type`` URI a client
can switch on, a human ``title`` and ``detail``, and for invalid items the
list of :class:`FieldProblem` naming each field and the rule it broke. The
exception tree is::

    IngestError                 root of everything this package raises on purpose
    ├── RefusalError                 a client's request or item is not accepted (carries a Problem)
    └── BrokerUnavailableError       the broker did not acknowledge in time: 503, retry later
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROBLEM_CONTENT_TYPE = "application/problem+json"
_TYPE_PREFIX = "urn:stoppress:problem:"


@dataclass(frozen=True)
class FieldProblem:
    """One broken rule: ``field`` as the client named it (``subjects.2``), ``rule`` as a stable code."""

    field: str
    rule: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "rule": self.rule, "message": self.message}


@dataclass(frozen=True)
class Problem:
    """An RFC 9457 problem: ``kind`` becomes the ``type`` URI ``urn:stoppress:problem:<kind>``."""

    status: int
    kind: str
    title: str
    detail: str
    errors: tuple[FieldProblem, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    """Response headers the problem calls for (``Retry-After``, ``WWW-Authenticate``)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Extension members of the body (RFC 9457, section 3.2)."""

    @property
    def type_uri(self) -> str:
        return f"{_TYPE_PREFIX}{self.kind}"

    def as_json(self) -> dict[str, Any]:
        """The problem+json body (``errors`` only when there are field problems)."""
        body: dict[str, Any] = {
            "type": self.type_uri,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            body["errors"] = [error.as_json() for error in self.errors]
        body.update(self.extra)
        return body


def invalid_item(errors: list[FieldProblem] | tuple[FieldProblem, ...]) -> Problem:
    """422: the item breaks one or more rules; ``detail`` lists them in one line."""
    listed = "; ".join(f"{error.field}: {error.message}" for error in errors)
    return Problem(422, "invalid-headline", "The headline is not valid", listed, tuple(errors))


def invalid_json(reason: str) -> Problem:
    """422: the body is not JSON (or not the JSON shape this endpoint takes)."""
    return Problem(
        422, "invalid-json", "The body is not valid JSON", reason, (FieldProblem("(body)", "json", reason),)
    )


def forbidden(detail: str, rule: str = "forbidden") -> Problem:
    """403: the key is known but may not do this."""
    return Problem(403, "forbidden", "Forbidden", detail, (FieldProblem("(auth)", rule, detail),))


class IngestError(Exception):
    """Root of the exceptions this package raises on purpose."""


class RefusalError(IngestError):
    """A request or item is refused; ``problem`` says how to tell the client."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.detail)
        self.problem = problem


def invalid_field(field: str, rule: str, message: str) -> RefusalError:
    """The 422 refusal of an item for one broken rule of one field (raise it)."""
    return RefusalError(invalid_item([FieldProblem(field, rule, message)]))


class BrokerUnavailableError(IngestError):
    """The broker did not acknowledge a write within the bound; nothing was promised to the client."""
