"""The desk end to end, in memory: every rule as seen from the events it publishes."""

from __future__ import annotations

from typing import Any

import orjson

from stoppress.shared.models import Headline, TickerEvent, event_id_for
from stoppress.ticker.authority import AuthorityBook
from stoppress.ticker.desk import Desk, DeskPolicy, DeskTables, desk_key
from stoppress.ticker.story import story_id_for
from tests.unit.ticker.builders import BANKRUPTCY, QUAKE, VOLCANO, at, headline


def new_desk(tables: DeskTables | None = None) -> Desk:
    return Desk(tables or DeskTables({}, {}, {}), AuthorityBook(default=0.5), DeskPolicy())


def feed(desk: Desk, item: Headline, minutes: float | None = None) -> list[TickerEvent]:
    """Hand ``item`` to the desk at ``minutes`` (default: when it was received)."""
    now = item.received_at if minutes is None else at(minutes)
    return desk.handle(item, now)


def kinds(events: list[TickerEvent]) -> list[tuple[str, str]]:
    return [(e.type, e.story.level) for e in events]


def test_an_urgency_2_headline_is_a_new_breaking_story() -> None:
    desk = new_desk()
    item = headline(urgency=2, source_name="Reuters", category="world", region="asia")
    [event] = feed(desk, item, minutes=0.5)
    story_id = story_id_for("reuters:1", 1)
    assert (event.type, event.event_id, event.story.story_id) == ("story.new", event_id_for(story_id, 1), story_id)
    story = event.story
    assert (story.level, story.headline, story.sources, story.source_names) == ("breaking", QUAKE, 1, ["Reuters"])
    assert (story.category, story.region, story.revision) == ("world", "asia", 1)
    assert (event.ingested_at, event.processed_at, story.first_seen) == (at(0), at(0.5), at(0.5))


def test_exact_repeats_publish_nothing() -> None:
    desk = new_desk()
    feed(desk, headline(version=2))
    assert feed(desk, headline(version=2), minutes=1) == []
    assert feed(desk, headline(version=1), minutes=1) == []


def test_the_same_article_through_another_feed_publishes_nothing() -> None:
    desk = new_desk()
    feed(desk, headline(guid="rss-1", url="https://www.reuters.com/world/quake?utm_source=rss"))
    assert feed(desk, headline(guid="atom-1", url="https://WWW.REUTERS.COM/world/quake/"), minutes=1) == []


def test_a_higher_version_updates_the_lead_in_place() -> None:
    desk = new_desk()
    feed(desk, headline())
    [event] = feed(desk, headline(version=2, text=QUAKE + ", tsunami warning issued", minutes=1))
    assert (event.type, event.story.headline, event.story.revision) == (
        "story.update",
        QUAKE + ", tsunami warning issued",
        2,
    )


def test_a_producer_counting_versions_from_0_is_shown_and_updated_in_its_order() -> None:
    desk = new_desk()
    [new] = feed(desk, headline(version=0))
    assert (new.type, new.story.story_id) == ("story.new", story_id_for("reuters:1", 0))
    assert feed(desk, headline(version=0), minutes=1) == []
    [update] = feed(desk, headline(version=1, text=QUAKE + ", tsunami warning issued", minutes=2))
    assert (update.type, update.story.headline) == ("story.update", QUAKE + ", tsunami warning issued")


def test_coverage_from_another_source_joins_the_story() -> None:
    desk = new_desk()
    [new] = feed(desk, headline("reuters"))
    [update] = feed(desk, headline("ap", text=QUAKE, minutes=1))
    assert update.type == "story.update" and update.story.story_id == new.story.story_id
    assert update.story.sources == 2


def test_different_events_are_different_stories() -> None:
    desk = new_desk()
    ids = {feed(desk, headline(guid=str(i), text=text, minutes=i))[0].story.story_id for i, text in enumerate(
        (QUAKE, VOLCANO, BANKRUPTCY))}  # fmt: skip
    assert len(ids) == 3 and len(desk) == 3


def test_languages_never_share_a_story() -> None:
    desk = new_desk()
    [english] = feed(desk, headline(guid="1", language="en-GB"))
    [german] = feed(desk, headline(guid="2", language="de"))
    assert english.story.story_id != german.story.story_id
    assert desk_key("en-GB") == "en" and desk_key("de") == "de"


def test_updates_are_rate_limited_and_folded_into_one() -> None:
    desk = new_desk()
    feed(desk, headline("reuters", urgency=5, authority=0.6))
    assert feed(desk, headline("ap", minutes=0.1, authority=0.2)) == []
    assert feed(desk, headline("afp", minutes=0.2, authority=0.1)) == []
    assert desk.tick(at(0.49)) == []
    [update] = desk.tick(at(0.5))
    assert (update.type, update.story.level, update.story.sources, update.story.revision) == (
        "story.update",
        "normal",
        3,
        2,
    )


def test_a_busy_story_gets_at_most_one_update_per_interval_besides_level_rises() -> None:
    desk = new_desk()
    events = feed(desk, headline("reuters", urgency=2))
    for i in range(1, 40):
        events += feed(desk, headline(f"outlet-{i}", minutes=i / 10, authority=0.1))
        events += desk.tick(at(i / 10))
    updates = [e for e in events if e.type == "story.update"]
    assert len(events) == 1 + len(updates) and len(updates) <= 8


def test_a_rising_level_is_published_at_once() -> None:
    desk = new_desk()
    events = feed(desk, headline("reuters", urgency=5, authority=0.9))
    events += feed(desk, headline("ap", urgency=5, authority=0.9, minutes=0.05))
    events += feed(desk, headline("bbc", urgency=5, authority=0.8, minutes=0.1))
    assert kinds(events) == [("story.new", "normal"), ("story.update", "urgent"), ("story.update", "breaking")]


def test_levels_fall_with_age_by_the_clock() -> None:
    desk = new_desk()
    feed(desk, headline(urgency=1))
    assert {e.story.level for minute in range(1, 30) for e in desk.tick(at(minute))} <= {"flash"}
    assert kinds(desk.tick(at(30))) == [("story.update", "breaking")]
    assert {e.story.level for minute in range(31, 120) for e in desk.tick(at(minute))} <= {"breaking"}
    assert kinds(desk.tick(at(120))) == [("story.update", "urgent")]


def test_the_score_band_falls_with_age_by_the_clock() -> None:
    desk = new_desk()
    [new] = feed(desk, headline(urgency=4))
    scores = [e.story.score for minute in range(1, 180) for e in desk.tick(at(minute))]
    assert scores and all(a > b for a, b in zip([new.story.score, *scores], scores, strict=False))
    assert len({int(s // 10) for s in scores}) == len(scores)
    assert all(s % 10 <= 9 for s in scores), "a band changes only a point past its edge"


def test_canceling_the_only_item_retracts_the_story_for_good() -> None:
    desk = new_desk()
    [new] = feed(desk, headline())
    [retract] = feed(desk, headline(version=2, pubstatus="canceled", minutes=0.1))
    assert (retract.type, retract.story.story_id, retract.story.revision) == ("story.retract", new.story.story_id, 2)
    assert retract.story.headline == new.story.headline
    assert desk.showing() == {}
    assert feed(desk, headline(version=3, minutes=1)) == []
    assert feed(desk, headline("ap", minutes=2)) == []


def test_canceling_the_lead_retracts_even_when_others_covered_it() -> None:
    desk = new_desk()
    feed(desk, headline("reuters", authority=0.9))
    desk.tick(at(1))
    feed(desk, headline("ap", authority=0.8, minutes=0.5))
    desk.tick(at(1))
    [retract] = feed(desk, headline("reuters", version=2, pubstatus="canceled", authority=0.9, minutes=2))
    assert retract.type == "story.retract"


def test_canceling_another_item_only_updates_the_story() -> None:
    desk = new_desk()
    feed(desk, headline("reuters", authority=0.9))
    feed(desk, headline("ap", authority=0.8, minutes=1))
    [update] = feed(desk, headline("ap", version=2, pubstatus="canceled", authority=0.8, minutes=2))
    assert (update.type, update.story.sources) == ("story.update", 1)


def test_a_cancel_for_an_unknown_item_publishes_nothing() -> None:
    assert feed(new_desk(), headline(pubstatus="canceled")) == []


def test_withheld_items_are_never_shown() -> None:
    desk = new_desk()
    assert feed(desk, headline(pubstatus="withheld")) == []
    [new] = feed(desk, headline(version=2, minutes=1))
    assert new.type == "story.new" and new.story.revision == 1


def test_a_shown_item_becoming_withheld_is_retracted_and_may_come_back() -> None:
    desk = new_desk()
    feed(desk, headline())
    [retract] = feed(desk, headline(version=2, pubstatus="withheld", minutes=1))
    [again] = feed(desk, headline(version=3, minutes=2))
    assert (retract.type, again.type, again.story.revision) == ("story.retract", "story.new", 3)


def test_an_embargoed_item_is_released_at_its_time_never_earlier() -> None:
    desk = new_desk()
    assert feed(desk, headline(urgency=2, embargo_until=at(10))) == []
    assert feed(desk, headline(urgency=2, embargo_until=at(10)), minutes=1) == []
    assert desk.tick(at(9.99)) == []
    [new] = desk.tick(at(10))
    assert (new.type, new.story.level, new.processed_at) == ("story.new", "breaking", at(10))
    assert desk.tick(at(11)) == []


def test_an_unembargoed_newer_version_is_shown_at_once_and_the_held_one_dropped() -> None:
    desk = new_desk()
    feed(desk, headline(text=VOLCANO, embargo_until=at(10)))
    [new] = feed(desk, headline(version=2, minutes=1))
    assert (new.type, new.story.headline) == ("story.new", QUAKE)
    assert all(e.story.headline == QUAKE and e.type == "story.update" for e in desk.tick(at(10)))


def test_an_embargo_already_over_on_arrival_is_no_hold() -> None:
    [new] = feed(new_desk(), headline(embargo_until=at(0), minutes=0))
    assert new.type == "story.new"


def test_a_story_expires_one_window_after_its_last_item() -> None:
    desk = new_desk()
    [new] = feed(desk, headline())
    feed(desk, headline("ap", minutes=60))
    events = [e for minute in range(0, 48 * 60 + 61, 30) for e in desk.tick(at(minute))]
    assert [e.type for e in events if e.type != "story.update"] == ["story.expire"]
    expire = events[-1]
    assert (expire.story.story_id, expire.processed_at) == (new.story.story_id, at(48 * 60 + 60))
    assert expire.ingested_at == at(60)
    assert len(desk) == 0 and desk.showing() == {}


def test_an_expired_story_leaves_a_stub_for_an_hour_then_nothing() -> None:
    tables = DeskTables({}, {}, {})
    desk = new_desk(tables)
    feed(desk, headline())
    [expire] = [e for e in desk.tick(at(48 * 60)) if e.type == "story.expire"]
    [(key, stub)] = tables.stories.items()
    assert key.startswith("s:") and stub["closed"] and stub["last"]["event_id"] == expire.event_id
    assert desk.tick(at(48 * 60 + 59)) == [] and len(tables.stories) == 1
    assert desk.tick(at(48 * 60 + 60)) == [] and len(tables.stories) == 0


def test_a_story_never_shown_expires_silently() -> None:
    tables = DeskTables({}, {}, {})
    desk = new_desk(tables)
    feed(desk, headline(pubstatus="withheld"))
    assert desk.tick(at(48 * 60)) == [] and tables.stories == {}


def test_unconfirmed_events_are_the_last_events_caused_at_or_after_a_position() -> None:
    tables = DeskTables({}, {}, {})
    desk = new_desk(tables)
    [quake] = desk.handle(headline(guid="1"), at(0), position=10)
    [volcano] = desk.handle(headline(guid="2", text=VOLCANO), at(0), position=11)
    [update] = desk.handle(headline(guid="1", version=2, text=QUAKE + " again"), at(1), position=12)
    [retract] = desk.handle(headline(guid="2", version=2, pubstatus="canceled"), at(1), position=13)
    assert quake.story.story_id == update.story.story_id
    assert desk.unconfirmed(12) == [update, retract]
    assert desk.unconfirmed(14) == []
    rebuilt = new_desk(DeskTables(dict(tables.seen), dict(tables.stories), dict(tables.held)))
    assert rebuilt.unconfirmed(11) == [update, retract]
    assert volcano.type == "story.new"


def test_an_expiry_is_unconfirmed_until_its_stub_is_gone() -> None:
    desk = new_desk()
    feed(desk, headline())
    [expire] = [e for e in desk.tick(at(48 * 60), position=99) if e.type == "story.expire"]
    assert desk.unconfirmed(99) == [expire]
    desk.tick(at(49 * 60), position=100)
    assert desk.unconfirmed(0) == []


def test_after_expiry_repeats_are_still_repeats_and_new_coverage_starts_a_new_story() -> None:
    desk = new_desk()
    [first] = feed(desk, headline())
    desk.tick(at(49 * 60))
    assert feed(desk, headline(), minutes=49 * 60) == []
    [second] = feed(desk, headline("ap", minutes=49 * 60))
    assert second.type == "story.new" and second.story.story_id != first.story.story_id


def test_the_same_input_gives_the_same_ids_on_any_desk() -> None:
    items = [headline("reuters"), headline("ap", minutes=1), headline(guid="2", text=VOLCANO, minutes=2)]
    runs = []
    for _ in range(2):
        desk = new_desk()
        runs.append([e.event_id for item in items for e in feed(desk, item)])
    assert runs[0] == runs[1] and len(runs[0]) == 3


def test_a_desk_rebuilt_from_its_tables_carries_on_where_the_old_one_stopped() -> None:
    tables = DeskTables({}, {}, {})
    desk = new_desk(tables)
    feed(desk, headline(urgency=2))
    feed(desk, headline(guid="e", text=VOLCANO, embargo_until=at(10)))
    rebuilt = new_desk(DeskTables(dict(tables.seen), dict(tables.stories), dict(tables.held)))
    assert rebuilt.showing() == desk.showing()
    assert feed(rebuilt, headline(urgency=2), minutes=1) == []
    [joined] = feed(rebuilt, headline("ap", minutes=2))
    assert (joined.type, joined.story.sources, joined.story.revision) == ("story.update", 2, 2)
    [released] = rebuilt.tick(at(10))
    assert (released.type, released.story.headline) == ("story.new", VOLCANO)


def test_a_story_is_stored_as_a_header_and_one_record_per_member() -> None:
    tables = DeskTables({}, {}, {})
    desk = new_desk(tables)
    [new] = feed(desk, headline("reuters"))
    feed(desk, headline("ap", minutes=1))
    story_id = new.story.story_id
    assert sorted(tables.stories) == [f"m:{story_id}:ap:1", f"m:{story_id}:reuters:1", f"s:{story_id}"]


class CountingTable(dict[str, Any]):
    """A dict that counts writes, to check what the hot path costs in changelog records."""

    writes = 0

    def __setitem__(self, key: str, value: Any) -> None:
        self.writes += 1
        super().__setitem__(key, value)


def test_an_item_joining_quietly_costs_one_member_record_and_nothing_else() -> None:
    seen, stories = CountingTable(), CountingTable()
    desk = new_desk(DeskTables(seen, stories, {}))
    feed(desk, headline("reuters", authority=0.6))
    before = stories.writes
    assert feed(desk, headline("ap", authority=0.1, minutes=0.1)) == []
    assert (stories.writes - before, seen.writes) == (1, 0)


def test_tables_hold_json_values_only() -> None:
    tables = DeskTables({}, {}, {})
    desk = new_desk(tables)
    feed(desk, headline(url="https://example.com/a", embargo_until=at(5)))
    desk.tick(at(5))
    for table in (tables.seen, tables.stories, tables.held):
        snapshot: dict[str, Any] = dict(table)
        assert orjson.loads(orjson.dumps(snapshot)) == snapshot
