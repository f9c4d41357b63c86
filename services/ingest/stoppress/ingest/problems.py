"""How ingest tells a client it refused something: problem details (RFC 9457, :mod:`stoppress.shared.problems`).

The :class:`Problem` value (HTTP status, stable ``type`` URI, ``title``,
``detail``, and for invalid items the :class:`FieldProblem` list naming each
field and the rule it broke) is shared with the editor's desk. The exception
tree is::

    IngestError                 root of everything this package raises on purpose
    ├── RefusalError                 a client's request or item is not accepted (carries a Problem)
    └── BrokerUnavailableError       the broker did not acknowledge in time: 503, retry later
"""

from __future__ import annotations

from stoppress.shared.problems import PROBLEM_CONTENT_TYPE, FieldProblem, Problem

__all__ = [
    "PROBLEM_CONTENT_TYPE", "BrokerUnavailableError", "FieldProblem", "IngestError", "Problem", "RefusalError",
    "forbidden", "invalid_field", "invalid_item", "invalid_json",
]

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
