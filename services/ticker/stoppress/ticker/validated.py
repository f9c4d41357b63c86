"""The headlines this worker's intake validated, by the desk-topic record that carries them.

Intake validates every headline it reads (:mod:`stoppress.ticker.agents`)
and writes the valid ones to the desk topic, alone or in bundles
(:mod:`stoppress.ticker.bundles`); the desk reads them back and needs the
same :class:`~stoppress.shared.models.Headline` values. Validating them
again cost about 20 µs per headline, a twentieth of the worker's time while
a backlog drains. Usually the desk partition is this worker's too, so the
result is already here: validating a headline is a pure function of its
JSON, and a desk-topic record whose value is byte for byte one that intake
wrote carries exactly the headlines intake validated (a bundle is a JSON
array of the headlines' own JSON, in order). :class:`ValidatedRecords` keeps
them by record value; the desk takes them when it reads a record of equal
value (equal bytes, not a digest), once, and validates anything else as
before: a record written by another worker, by an older process, or read
again after a rebalance.

What the desk never reads here (its partition is another worker's) must not
pile up: the oldest records are forgotten past :data:`MOST_HEADLINES`
headlines.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from stoppress.shared.models import Headline

__all__ = ["MOST_HEADLINES", "ValidatedRecords"]

MOST_HEADLINES = 20_000
"""Most headlines kept (a few tens of MB): more than intake runs ahead of the desk while a backlog drains."""


class ValidatedRecords:
    """Desk-topic record value → the headlines intake validated for it, oldest forgotten first."""

    def __init__(self, most_headlines: int = MOST_HEADLINES) -> None:
        self._most = most_headlines
        self._by_value: OrderedDict[bytes, Sequence[Headline]] = OrderedDict()
        self._headlines = 0

    def __len__(self) -> int:
        """Headlines kept."""
        return self._headlines

    def remember(self, value: bytes, headlines: Sequence[Headline]) -> None:
        """Intake wrote a desk-topic record of ``value`` carrying ``headlines`` (validated from it), in order."""
        if value in self._by_value:
            return
        self._by_value[value] = headlines
        self._headlines += len(headlines)
        while self._headlines > self._most:
            _, forgotten = self._by_value.popitem(last=False)
            self._headlines -= len(forgotten)

    def take(self, value: bytes | None) -> Sequence[Headline] | None:
        """The headlines of a record of ``value`` intake wrote, if they are still kept (then no longer)."""
        if value is None:
            return None
        headlines = self._by_value.pop(value, None)
        if headlines is not None:
            self._headlines -= len(headlines)
        return headlines
