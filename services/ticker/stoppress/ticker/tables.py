"""The desk's durable state: four faust tables backed by changelog topics.

- ``seen``: item versions and canonical URLs already seen (:mod:`~stoppress.ticker.dedupe`);
- ``stories``: every live story, a header and one record per member with
  its clustering signature (:mod:`~stoppress.ticker.story`), from which the
  story index is rebuilt;
- ``held``: embargoed items (:mod:`~stoppress.ticker.embargo`);
- ``editorial``: editors' applied commands and cannot-links (:mod:`~stoppress.ticker.editorial`).

Each table is co-partitioned with the desk topic: a value is written to the
changelog partition of the desk partition being processed, and faust
rebuilds the table from its changelog when a worker starts or takes over a
partition. One :class:`~stoppress.ticker.desk.Desk` per desk partition sees
its own slice of each table through a :class:`TableSlice`, which prefixes
keys with the partition number and stores values as orjson bytes.

Writes are *held back* until :meth:`PartitionState.flush`, which the desk
agent calls once per record, just before it hands the record's events to
the producer (the events go last: measured faster at p99,
``docs/benchmarks.md``). The order is not a matter of safety: recovery
re-publishes the events that the state records but ``ticker.events`` lacks.
Each write goes straight to the app's producer instead of through faust's
per-key send buffer: faust doing the worker's two hops with two Table writes per record
measured a third of its rate with none (``python -m bench.ticker.stream``,
see ``docs/ranking.md``). The producer is the one faust flushes before each
commit, so a committed offset still implies its state is in the changelog.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any

import faust
import orjson
from faust.types import TableT

from stoppress.ticker.desk import DeskTables
from stoppress.ticker.settings import TickerSettings

TABLE_NAMES: tuple[str, ...] = ("seen", "stories", "held", "editorial")

ChangelogSend = Callable[[str, bytes, bytes | None, int], Awaitable[object]]
"""Sends one record (topic, key, value or ``None`` for a tombstone, partition) through the app's producer."""


def changelog_topic_name(settings: TickerSettings, table: str) -> str:
    """The changelog topic faust backs table ``table`` with."""
    return f"{settings.app_id}-{table}-changelog"


@dataclass(frozen=True)
class TickerTables:
    """The worker's faust tables, keys and values as raw bytes."""

    seen: TableT[bytes, bytes]
    stories: TableT[bytes, bytes]
    held: TableT[bytes, bytes]
    editorial: TableT[bytes, bytes]

    def for_partition(self, partition: int, send: ChangelogSend) -> PartitionState:
        """The slices of the tables that belong to desk partition ``partition``, flushed through ``send``."""
        return PartitionState(
            seen=TableSlice(self.seen, partition, send),
            stories=TableSlice(self.stories, partition, send),
            held=TableSlice(self.held, partition, send),
            editorial=TableSlice(self.editorial, partition, send),
        )


@dataclass(frozen=True)
class PartitionState:
    """One desk partition's slices of the tables, with their held-back writes."""

    seen: TableSlice
    stories: TableSlice
    held: TableSlice
    editorial: TableSlice

    @property
    def tables(self) -> DeskTables:
        """The slices as the desk sees them."""
        return DeskTables(seen=self.seen, stories=self.stories, held=self.held, editorial=self.editorial)

    async def flush(self) -> None:
        """Apply the held-back writes to the tables and send them to the changelogs."""
        for view in (self.seen, self.stories, self.held, self.editorial):
            await view.flush()


def declare_tables(app: faust.App, settings: TickerSettings) -> TickerTables:
    """Declare the tables on ``app`` with as many partitions as the desk topic."""

    def table(name: str, help_text: str) -> TableT[bytes, bytes]:
        return app.Table(
            name,
            partitions=settings.desk_partitions,
            key_type=bytes,
            value_type=bytes,
            help=help_text,
        )

    return TickerTables(
        seen=table("seen", "item versions and canonical URLs already seen"),
        stories=table("stories", "live stories: headers and members with clustering signatures"),
        held=table("held", "embargoed items waiting for release"),
        editorial=table("editorial", "editors' applied commands and cannot-links"),
    )


class TableSlice(MutableMapping[str, Any]):
    """The keys of one desk partition in a faust table, as ``str`` → JSON-able values.

    Keys are stored as ``b"<partition>/<key>"``. Reads see held-back writes;
    :meth:`flush` applies them to the table's store and sends each to the
    changelog partition ``partition`` (a tombstone for a deletion); it must
    run while an event of that partition is processed. Iterating scans the
    whole table and is meant for rebuilding a desk, not for the hot path.
    """

    def __init__(self, table: TableT[bytes, bytes], partition: int, send: ChangelogSend) -> None:
        self._store = table.data
        self._changelog = table.changelog_topic.get_topic_name()
        self._send = send
        self._partition = partition
        self._prefix = f"{partition}/".encode()
        self._pending: dict[bytes, bytes | None] = {}

    def __getitem__(self, key: str) -> Any:
        raw = self._raw(self._prefix + key.encode())
        if raw is None:
            raise KeyError(key)
        return orjson.loads(raw)

    def __setitem__(self, key: str, value: Any) -> None:
        self._pending[self._prefix + key.encode()] = orjson.dumps(value)

    def __delitem__(self, key: str) -> None:
        full = self._prefix + key.encode()
        if self._raw(full) is None:
            raise KeyError(key)
        self._pending[full] = None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._raw(self._prefix + key.encode()) is not None

    def get(self, key: str, default: Any = None) -> Any:
        raw = self._raw(self._prefix + key.encode())
        return default if raw is None else orjson.loads(raw)

    def __iter__(self) -> Iterator[str]:
        size = len(self._prefix)
        keys = {key for key in list(self._store.keys()) if key.startswith(self._prefix)} | set(self._pending)
        for key in keys:
            if self._raw(key) is not None:
                yield key[size:].decode()

    def __len__(self) -> int:
        return sum(1 for _ in self)

    async def flush(self) -> None:
        """Apply held-back writes to the store and the changelog, in the order they were made."""
        pending, self._pending = self._pending, {}
        for key, value in pending.items():
            if value is None:
                if key in self._store:
                    del self._store[key]
            else:
                self._store[key] = value
            await self._send(self._changelog, key, value, self._partition)

    def _raw(self, key: bytes) -> bytes | None:
        if key in self._pending:
            return self._pending[key]
        raw: bytes | None = self._store.get(key)
        return raw
