"""How the desk refuses a request: a :class:`~stoppress.shared.problems.Problem`, raised as :class:`RefusedError`.

The exception tree::

    DeskError                  root of everything this package raises on purpose
    └── RefusedError                a request is not accepted (carries the Problem to answer with)
"""

from __future__ import annotations

from collections.abc import Iterable

from stoppress.shared.problems import FieldProblem, Problem

__all__ = ["DeskError", "RefusedError", "invalid", "refused"]


class DeskError(Exception):
    """Root of the exceptions this package raises on purpose."""


class RefusedError(DeskError):
    """A request is refused; ``problem`` says how to tell the client."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.detail)
        self.problem = problem


def refused(status: int, kind: str, title: str, detail: str, **extra: object) -> RefusedError:
    """A refusal with no field problems (raise it)."""
    return RefusedError(Problem(status, kind, title, detail, extra=dict(extra)))


def invalid(errors: Iterable[FieldProblem]) -> RefusedError:
    """422: the command breaks one or more rules; ``detail`` lists them in one line (raise it)."""
    listed = tuple(errors)
    detail = "; ".join(f"{error.field}: {error.message}" for error in listed)
    return RefusedError(Problem(422, "invalid-command", "The command is not valid", detail, listed))
