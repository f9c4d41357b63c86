"""Bundles: several headlines of one desk in one desk-topic record, so a backlog crosses the second hop cheaply.

Intake re-keys every valid headline into the desk topic. One record per
headline made the desk hop pay faust's cost per record (fetching it, handing
it to the agent, acknowledging it) for each headline: while a backlog drained
that was as much as the first hop's. So when intake takes a batch
(:mod:`stoppress.ticker.batching`) it writes the headlines of each desk as
one record, a *bundle*: the header :data:`~stoppress.ticker.topics.RECORD_KIND`
= :data:`~stoppress.ticker.topics.BUNDLE_KIND`, the value a JSON array of the
headlines' own JSON in the order intake read them, at most
:data:`MAX_BUNDLE_BYTES`. A lone headline still goes as a record of its own,
so a worker that keeps up writes what it always wrote.

The desk handles a bundle's headlines one by one, exactly as if each had
been a record, except that they share the bundle's offset as their position
in the input (:meth:`stoppress.ticker.desk.Desk.unconfirmed` works per
record, so after a crash a bundle is replayed whole). Intake hands out each
record with the headlines it validated for it, which spares the desk of the
same worker validating them again (:mod:`stoppress.ticker.validated`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson

from stoppress.shared.codec import DecodeError
from stoppress.shared.models import Headline
from stoppress.ticker.topics import BUNDLE_KIND, RECORD_KIND

__all__ = ["MAX_BUNDLE_BYTES", "BundledHeadline", "Bundler", "DeskRecord", "unbundle"]

MAX_BUNDLE_BYTES = 256 * 1024
"""Largest bundle value (bytes), well under Kafka's 1 MB record limit; a longer run of headlines makes several."""

Headers = list[tuple[str, bytes]]


class DeskRecord(NamedTuple):
    """A desk-topic record to send, with the headlines it carries as intake validated them."""

    key: bytes
    value: bytes
    headers: Headers | None
    headlines: list[Headline]


class Bundler:
    """Collects the valid headlines of a batch by desk, and hands out the desk-topic records for them."""

    def __init__(self, max_bytes: int = MAX_BUNDLE_BYTES) -> None:
        self._max_bytes = max_bytes
        self._runs: dict[str, list[list[tuple[bytes, Headline]]]] = {}
        self._sizes: dict[str, int] = {}

    def add(self, desk: str, value: bytes, headline: Headline) -> None:
        """One headline for ``desk``: its JSON, and ``headline`` validated from it."""
        runs = self._runs.setdefault(desk, [[]])
        size = self._sizes.get(desk, 0)
        if runs[-1] and size + len(value) + 1 > self._max_bytes:
            runs.append([])
            size = 0
        runs[-1].append((value, headline))
        self._sizes[desk] = size + len(value) + 1

    def records(self) -> Iterator[DeskRecord]:
        """Each record to send: a headline alone as itself, several as a bundle."""
        for desk, runs in self._runs.items():
            for run in runs:
                headlines = [headline for _, headline in run]
                if len(run) == 1:
                    yield DeskRecord(desk.encode(), run[0][0], None, headlines)
                else:
                    value = b"[" + b",".join(value for value, _ in run) + b"]"
                    yield DeskRecord(desk.encode(), value, [(RECORD_KIND, BUNDLE_KIND)], headlines)


@dataclass(frozen=True)
class BundledHeadline:
    """One headline of a bundle, standing for a record of its own: the bundle's key, partition and offset."""

    key: bytes | None
    topic: str
    partition: int
    offset: int
    item: object
    """The headline's JSON, parsed but not validated."""
    validated: Headline | None = None
    """The headline as this worker's intake validated it from the same JSON, if it wrote the bundle
    (:mod:`stoppress.ticker.validated`)."""
    headers: None = None

    @property
    def value(self) -> bytes:
        """The headline's own JSON (what goes to the DLQ if the desk refuses it)."""
        return orjson.dumps(self.item)


def unbundle(record: Any, validated: Sequence[Headline] | None = None) -> list[BundledHeadline]:
    """The headlines of a bundle record, in order; :class:`DecodeError` if its value is not a JSON array.

    ``validated``: the headlines intake validated for a record of this value, if this worker wrote it.
    """
    if record.value is None:
        raise DecodeError("bundle has no value")
    try:
        items = orjson.loads(record.value)
    except orjson.JSONDecodeError as exc:
        raise DecodeError(f"bundle is not valid JSON: {exc}") from None
    if not isinstance(items, list):
        raise DecodeError(f"bundle is not a JSON array but {type(items).__name__}")
    known = [None] * len(items) if validated is None else validated
    return [
        BundledHeadline(record.key, record.topic, record.partition, record.offset, item, headline)
        for item, headline in zip(items, known, strict=True)
    ]
