"""Embargoes: held durably, released at their time and never earlier, superseded by newer versions."""

from __future__ import annotations

from typing import Any

from stoppress.ticker.embargo import EmbargoHold
from tests.unit.ticker.builders import at, headline, ts


def test_held_until_the_embargo_ends_and_not_a_moment_earlier() -> None:
    hold = EmbargoHold({})
    item = headline(embargo_until=at(10))
    hold.hold(item, ts(10))
    assert hold.due(ts(10) - 0.001) == []
    assert hold.due(ts(10)) == [item]
    assert hold.due(ts(11)) == []
    assert len(hold) == 0


def test_released_in_embargo_order() -> None:
    hold = EmbargoHold({})
    late, early = headline(guid="late"), headline(guid="early")
    hold.hold(late, ts(20))
    hold.hold(early, ts(10))
    assert hold.due(ts(30)) == [early, late]


def test_a_newer_held_version_replaces_the_older_and_its_time() -> None:
    hold = EmbargoHold({})
    hold.hold(headline(version=1), ts(10))
    hold.hold(headline(version=2), ts(20))
    assert hold.due(ts(15)) == []
    assert [h.version for h in hold.due(ts(20))] == [2]


def test_discarded_items_are_never_released() -> None:
    hold = EmbargoHold({})
    hold.hold(headline(), ts(10))
    hold.discard("reuters:1")
    hold.discard("unknown:1")
    assert hold.due(ts(60)) == []


def test_a_hold_rebuilt_from_its_table_releases_the_same_items() -> None:
    table: dict[str, Any] = {}
    item = headline(embargo_until=at(10))
    EmbargoHold(table).hold(item, ts(10))
    rebuilt = EmbargoHold(table)
    assert rebuilt.due(ts(9)) == []
    assert rebuilt.due(ts(10)) == [item]
