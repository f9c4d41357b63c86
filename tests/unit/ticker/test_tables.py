"""TableSlice: one desk partition's view of a faust table, with writes held back until flushed.

A stand-in table (a dict store and a changelog name) replaces the faust
table, and a list records what would be handed to the producer: the slice
uses nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stoppress.ticker.authority import AuthorityBook
from stoppress.ticker.desk import Desk
from stoppress.ticker.tables import TABLE_NAMES, PartitionState, TableSlice
from tests.unit.ticker.builders import headline


@dataclass
class Changelog:
    name: str = "app-seen-changelog"

    def get_topic_name(self) -> str:
        return self.name


@dataclass
class StandInTable:
    data: dict[bytes, bytes] = field(default_factory=dict)
    changelog_topic: Changelog = field(default_factory=Changelog)
    sent: list[tuple[str, bytes, bytes | None, int]] = field(default_factory=list)

    async def send(self, topic: str, key: bytes, value: bytes | None, partition: int) -> None:
        self.sent.append((topic, key, value, partition))


def slice_of(table: StandInTable, partition: int) -> TableSlice:
    return TableSlice(table, partition, table.send)  # type: ignore[arg-type]


async def test_writes_are_held_back_then_stored_and_sent_to_the_partitions_changelog() -> None:
    table = StandInTable()
    view = slice_of(table, 3)
    view["i:reuters:1"] = [2, 1.5]
    assert view["i:reuters:1"] == [2, 1.5] and table.data == {} and table.sent == []
    await view.flush()
    assert table.data == {b"3/i:reuters:1": b"[2,1.5]"}
    assert table.sent == [("app-seen-changelog", b"3/i:reuters:1", b"[2,1.5]", 3)]


async def test_a_deletion_is_a_tombstone() -> None:
    table = StandInTable({b"3/a": b"1"})
    view = slice_of(table, 3)
    del view["a"]
    assert "a" not in view and view.get("a") is None
    await view.flush()
    assert table.data == {} and table.sent == [("app-seen-changelog", b"3/a", None, 3)]


def test_partitions_do_not_see_each_others_keys() -> None:
    table = StandInTable({b"3/a": b"1", b"4/a": b"2", b"4/b": b"3"})
    three, four = slice_of(table, 3), slice_of(table, 4)
    four["c"] = 4
    assert dict(three) == {"a": 1} and dict(four) == {"a": 2, "b": 3, "c": 4}
    assert len(four) == 3


async def test_a_desk_runs_on_slices_and_is_rebuilt_from_them() -> None:
    tables = {name: StandInTable() for name in TABLE_NAMES}

    def state(partition: int) -> PartitionState:
        return PartitionState(**{name: slice_of(table, partition) for name, table in tables.items()})

    first = state(0)
    desk = Desk(first.tables, AuthorityBook())
    [event] = desk.handle(headline(urgency=2), headline().received_at)
    assert Desk(state(0).tables, AuthorityBook()).showing() == {}, "nothing is stored before the flush"
    await first.flush()
    assert Desk(state(0).tables, AuthorityBook()).showing() == desk.showing()
    assert Desk(state(1).tables, AuthorityBook()).showing() == {}
    assert event.type == "story.new"
