"""Requests waiting for the ticker's outcome of their command, by command id."""

from __future__ import annotations

import asyncio

from stoppress.shared.models import DeskOutcome

__all__ = ["Answers"]


class Answers:
    """One future per command a request waits on; an outcome read from ``desk.outcomes`` resolves it."""

    def __init__(self) -> None:
        self._waiting: dict[str, asyncio.Future[DeskOutcome]] = {}

    def expect(self, command_id: str) -> asyncio.Future[DeskOutcome]:
        """The future the outcome of ``command_id`` will resolve (shared by concurrent retries of one id)."""
        future = self._waiting.get(command_id)
        if future is None or future.done():
            future = asyncio.get_running_loop().create_future()
            self._waiting[command_id] = future
        return future

    def resolve(self, outcome: DeskOutcome) -> None:
        """Hand ``outcome`` to whoever waits for it (nobody, often: another replica's request)."""
        future = self._waiting.pop(outcome.command_id, None)
        if future is not None and not future.done():
            future.set_result(outcome)

    def forget(self, command_id: str) -> None:
        """Stop waiting for ``command_id`` (the request gave up)."""
        future = self._waiting.pop(command_id, None)
        if future is not None and not future.done():
            future.cancel()

    def __len__(self) -> int:
        return len(self._waiting)
