"""Which unconfirmed events a desk re-publishes after a takeover: only those ``ticker.events`` lacks."""

from __future__ import annotations

from datetime import timedelta

import orjson
from hypothesis import given
from hypothesis import strategies as st

from stoppress.shared.codec import encode
from stoppress.shared.models import TickerEvent
from stoppress.ticker.desk import DeskTables
from stoppress.ticker.published import CLOCK_SKEW_S, earliest_read_time, event_id_of, not_yet_published
from tests.unit.ticker.builders import VOLCANO, at, headline
from tests.unit.ticker.test_desk import new_desk


def unconfirmed_events() -> list[TickerEvent]:
    desk = new_desk(DeskTables({}, {}, {}))
    desk.handle(headline(guid="1"), at(0), position=10)
    desk.handle(headline(guid="2", text=VOLCANO), at(2), position=11)
    return desk.unconfirmed(10)


def test_only_events_the_log_lacks_are_published_again_in_their_order() -> None:
    quake, volcano = unconfirmed_events()
    assert not_yet_published([quake, volcano], {volcano.event_id}) == [quake]
    assert not_yet_published([quake, volcano], set()) == [quake, volcano]
    assert not_yet_published([quake, volcano], {quake.event_id, volcano.event_id, "other@1"}) == []


@given(st.sets(st.integers(0, 1)))
def test_the_result_is_exactly_the_complement(present_indexes: set[int]) -> None:
    events = unconfirmed_events()
    present = {events[i].event_id for i in present_indexes}
    assert [e.event_id for e in not_yet_published(events, present)] == [
        e.event_id for e in events if e.event_id not in present
    ]


def test_the_read_starts_before_the_oldest_event_by_the_clock_skew_allowance() -> None:
    quake, volcano = unconfirmed_events()
    assert earliest_read_time([volcano, quake]) == quake.processed_at - timedelta(seconds=CLOCK_SKEW_S)
    assert earliest_read_time([]) is None


def test_event_ids_are_read_without_validating_the_rest() -> None:
    quake, _ = unconfirmed_events()
    assert event_id_of(encode(quake)) == quake.event_id
    assert event_id_of(orjson.dumps({"event_id": "st-1@2"})) == "st-1@2"
    for value in (None, b"", b"not json", b"[1, 2]", orjson.dumps({"event_id": 7}), orjson.dumps({})):
        assert event_id_of(value) is None
