"""Records forgotten a while after they were last touched: the bookkeeping the seen and editorial ledgers share.

Every record is a JSON list whose last element is when it was last touched
(POSIX seconds). An :class:`AgingRecords` remembers the order records were
touched in, so forgetting the old ones costs one step per record forgotten,
not a scan of the table.
"""

from __future__ import annotations

from collections import deque
from collections.abc import MutableMapping
from typing import Any

__all__ = ["AgingRecords"]


class AgingRecords:
    """The records of ``table`` (lists ending in their touch time), forgotten ``retention_s`` after their last touch."""

    def __init__(self, table: MutableMapping[str, Any], retention_s: float) -> None:
        self.table = table
        self._retention_s = retention_s
        touched = sorted((record[-1], key) for key, record in table.items())
        self._by_age: deque[tuple[float, str]] = deque(touched)

    def put(self, key: str, record: list[Any]) -> None:
        """Store ``record`` (its last element is the touch time) under ``key``."""
        self.table[key] = record
        self._by_age.append((record[-1], key))

    def forget_expired(self, now: float) -> int:
        """Drop records not touched for ``retention_s``; return how many were dropped."""
        dropped = 0
        cutoff = now - self._retention_s
        while self._by_age and self._by_age[0][0] <= cutoff:
            touched, key = self._by_age.popleft()
            record = self.table.get(key)
            if record is not None and record[-1] == touched:
                del self.table[key]
                dropped += 1
        return dropped
