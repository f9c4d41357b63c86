"""Embargoed items: held until their ``embargo_until``, then released, never earlier.

A held version lives in a durable mapping (the ``held`` table), so a restart
neither loses nor releases it early: ``"<item id>"`` → ``{"until": s,
"headline": <Headline as JSON>}``. A newer version of the same item replaces
the held one (it may lift or move the embargo); :meth:`EmbargoHold.due`
returns, in embargo order, what may be shown at ``now``. Times are POSIX
seconds.
"""

from __future__ import annotations

import heapq
from collections.abc import MutableMapping
from typing import Any

from stoppress.shared.models import Headline

__all__ = ["EmbargoHold"]


class EmbargoHold:
    """Items waiting for their embargo to end, kept in ``table``."""

    def __init__(self, table: MutableMapping[str, Any]) -> None:
        self._table = table
        self._queue: list[tuple[float, str, int]] = [
            (record["until"], item_id, record["headline"]["version"]) for item_id, record in table.items()
        ]
        heapq.heapify(self._queue)

    def __len__(self) -> int:
        """Number of items held."""
        return len(self._table)

    def hold(self, headline: Headline, until: float) -> None:
        """Hold ``headline`` until ``until`` (s), replacing any held version of the same item."""
        self._table[headline.id] = {"until": until, "headline": headline.model_dump(mode="json")}
        heapq.heappush(self._queue, (until, headline.id, headline.version))

    def discard(self, item_id: str) -> None:
        """Forget the held version of ``item_id`` (a newer, unembargoed version superseded it)."""
        if item_id in self._table:
            del self._table[item_id]

    def due(self, now: float) -> list[Headline]:
        """Remove and return the held versions whose embargo has ended at ``now``, earliest first."""
        released: list[Headline] = []
        while self._queue and self._queue[0][0] <= now:
            entry = heapq.heappop(self._queue)
            if self._is_current(entry):
                record = self._table[entry[1]]
                del self._table[entry[1]]
                released.append(Headline.model_validate(record["headline"]))
        return released

    def _is_current(self, entry: tuple[float, str, int]) -> bool:
        record = self._table.get(entry[1])
        return record is not None and record["until"] == entry[0] and record["headline"]["version"] == entry[2]
