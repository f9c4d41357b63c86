"""Catch records that the stream skipped or never fetched, so that the worker handles every one.

The worker's input topics are neither compacted nor transactional, so the
records of one partition carry consecutive offsets. faust, however, counts
any jump in offsets as a gap of transaction markers and acknowledges it, and
around a rebalance it can drop records it had fetched (measured in
``tests/integration/deploy/test_scale_out.py``: headlines lost in 4 of 8 runs
after one of two workers was killed; the offsets moved on and nothing was
logged). :class:`Continuity` watches each partition's offsets: when one
jumps past the next expected offset, the agent reads the missing records
itself and handles them first (:class:`Missing`). Seeking faust's consumer
back instead races with records it has already fetched, which move its read
position forward again and make it drop the re-fetched ones.

After a rebalance, faust seeks every assigned partition to the group's
committed offset, so that is where each partition's records must start
again (:meth:`Continuity.restart`); this catches records dropped at the very
start of a partition taken over from a worker that died.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

P = TypeVar("P", bound=Hashable)
"""A partition (faust's ``TP`` in the worker)."""


@dataclass(frozen=True)
class Missing:
    """Records from ``start`` up to ``stop`` (excluded) were skipped: handle them before the one that arrived."""

    start: int
    stop: int


class Continuity(Generic[P]):
    """Per partition, the next offset expected; tells which records were skipped."""

    def __init__(self) -> None:
        self._next: dict[P, int] = {}

    def arrived(self, partition: P, offset: int) -> Missing | None:
        """The records skipped before the one at ``offset`` of ``partition`` (``None``: none).

        An offset below the expected one is a record read again (after a seek
        to the committed offset): nothing is missing, and repeats are the
        desk's job.
        """
        expected = self._next.get(partition)
        self._next[partition] = offset + 1
        if expected is not None and offset > expected:
            return Missing(expected, offset)
        return None

    def restart(self, committed: Mapping[P, int]) -> None:
        """After a rebalance: expect each assigned partition at its committed offset; forget the others.

        ``committed`` maps the worker's assigned partitions to their committed
        offsets (partitions without one start wherever the reset policy says).
        """
        self._next = dict(committed)

    def expected(self, partition: P) -> int | None:
        """The offset ``partition``'s next record should have (``None``: nothing known yet)."""
        return self._next.get(partition)


class StallWatch(Generic[P]):
    """Notices partitions that have records waiting but deliver none: faust sometimes stops fetching one.

    After a rebalance, faust may leave a partition it assigned out of the set
    it fetches (measured in the scale-out test: partitions of ``headlines.raw``
    taken over from a killed worker were never read, without an error). A
    partition is stalled when the broker holds records past the offset the
    worker expects next, yet none has arrived for ``after_s`` seconds.
    """

    def __init__(self, after_s: float) -> None:
        self.after_s = after_s
        self._heard: dict[P, float] = {}

    def heard(self, partition: P, now: float) -> None:
        """A record of ``partition`` arrived at ``now`` (monotonic seconds)."""
        self._heard[partition] = now

    def restart(self, partitions: Iterable[P], now: float) -> None:
        """After a rebalance: watch ``partitions``, as if each had just delivered a record."""
        self._heard = dict.fromkeys(partitions, now)

    def stalled(self, behind: Iterable[P], now: float) -> list[P]:
        """Which of ``behind`` (partitions with records waiting) delivered nothing for ``after_s``.

        Each is reported at most once per ``after_s``: its clock starts again.
        """
        found = [p for p in behind if now - self._heard.setdefault(p, now) >= self.after_s]
        for partition in found:
            self._heard[partition] = now
        return found
