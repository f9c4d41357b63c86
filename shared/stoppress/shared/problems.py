"""Problem details (RFC 9457): how every HTTP refusal is told to a client, by ingest and by the editor's desk.

A :class:`Problem` is a value: the HTTP status, a stable ``type`` URI a client
can switch on (``urn:stoppress:problem:<kind>``), a human ``title`` and
``detail``, and for invalid input the list of :class:`FieldProblem` naming
each field and the rule it broke. Each service turns it into a response at
its edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["PROBLEM_CONTENT_TYPE", "FieldProblem", "Problem", "problem_text"]

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


def problem_text(status: int, body: Any) -> str:
    """A problem+json answer as one readable paragraph for a terminal: the detail, then each field's problem."""
    if not isinstance(body, dict):
        return f"HTTP {status}"
    lines = [f"{body.get('title', 'refused')} ({status}): {body.get('detail', '')}"]
    for error in body.get("errors", []):
        if isinstance(error, dict):
            lines.append(f"  {error.get('field')}: {error.get('message')} [{error.get('rule')}]")
    return "\n".join(lines)
