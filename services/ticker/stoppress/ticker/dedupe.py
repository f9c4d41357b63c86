"""Exact repeats: which item versions and article URLs the desk has already seen.

- The same ``id`` with the same or a lower ``version`` is a repeat: nothing
  is published. A higher ``version`` is news about the same item. Versions
  are the producer's own numbers and may start at 0 (AP's ninjs), so "no
  version seen yet" is the absence of one, never version 0.
- A different ``id`` whose canonical URL (see
  :func:`stoppress.ticker.canonical_url.canonical_url`) another item already
  carries is the same article arriving through another feed: also a repeat.

While an item is a member of a live story, the story's member record is the
proof of the version seen (the desk passes it to :meth:`SeenLedger.judge`),
so the hot path writes nothing here. The ledger's durable mapping (the
``seen`` table) remembers the items that are in no live story (held under
embargo, canceled before ever being shown, or whose story has ended) and the
URLs claimed, so repeats stay repeats across restarts; entries are forgotten
``retention_s`` after they were last touched. Records: ``"i:<item id>"`` →
``[version, touched at]`` and ``"u:<canonical url>"`` → ``[item id, touched
at]`` (times in POSIX seconds).
"""

from __future__ import annotations

import enum
from collections.abc import MutableMapping
from typing import Any

from stoppress.shared.models import Headline
from stoppress.ticker.aging import AgingRecords

__all__ = ["SeenLedger", "Verdict"]

_ITEM = "i:"
_URL = "u:"


class Verdict(enum.Enum):
    """What an arriving headline is, as far as repeats go."""

    FRESH = "fresh"
    """A new item, or a higher version of a known one."""
    REPEAT = "repeat"
    """A version of a known item that is not newer than the one seen."""
    URL_REPEAT = "url-repeat"
    """Another item already carries this article's canonical URL."""


class SeenLedger:
    """Seen item versions and canonical URLs, in ``table``, forgotten after ``retention_s``."""

    def __init__(self, table: MutableMapping[str, Any], retention_s: float) -> None:
        self._table = table
        self._records = AgingRecords(table, retention_s)

    def __len__(self) -> int:
        """Number of remembered items and URLs."""
        return len(self._table)

    def judge(self, headline: Headline, canonical: str | None, member_version: int | None) -> Verdict:
        """Whether ``headline`` is fresh or a repeat.

        ``canonical`` is its canonical URL; ``member_version`` the version of
        the item in its live story, if it is in one.
        """
        seen = self._table.get(_ITEM + headline.id)
        versions = [v for v in (member_version, None if seen is None else seen[0]) if v is not None]
        if versions and headline.version <= max(versions):
            return Verdict.REPEAT
        if canonical is not None:
            owner = self._table.get(_URL + canonical)
            if owner is not None and owner[0] != headline.id:
                return Verdict.URL_REPEAT
        return Verdict.FRESH

    def remember(self, item_id: str, version: int, now: float) -> None:
        """Record that ``version`` of ``item_id`` was seen (for an item in no live story)."""
        self._put(_ITEM + item_id, [version, now])

    def claim(self, canonical: str, item_id: str, now: float) -> None:
        """Make ``item_id`` the owner of the article at ``canonical`` (the first claim wins)."""
        if _URL + canonical not in self._table:
            self._put(_URL + canonical, [item_id, now])

    def forget_expired(self, now: float) -> int:
        """Drop entries not touched for ``retention_s``; return how many were dropped."""
        return self._records.forget_expired(now)

    def _put(self, key: str, record: list[Any]) -> None:
        self._records.put(key, record)
