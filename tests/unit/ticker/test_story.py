"""Story state: deterministic ids and a record that round-trips through JSON."""

from __future__ import annotations

from dataclasses import replace

import orjson
from hypothesis import given
from hypothesis import strategies as st

from stoppress.ticker.members import Member, distinct_sources, standings_of
from stoppress.ticker.story import Shown, Story, member_key, story_id_for, story_key, story_of_key
from tests.unit.ticker.builders import member, ts


def test_story_ids_are_deterministic_and_differ_by_item_and_version() -> None:
    assert story_id_for("reuters:1", 1) == story_id_for("reuters:1", 1)
    assert story_id_for("reuters:1", 1) != story_id_for("reuters:1", 2)
    assert story_id_for("reuters:1", 1) != story_id_for("reuters:2", 1)
    assert story_id_for("reuters:1", 1).startswith("st-") and len(story_id_for("x:y", 1)) <= 128


def test_a_story_record_round_trips_through_json() -> None:
    story = Story("st-1", desk="en", first_seen=ts(0), killed=False)
    story.put(member("reuters", joined=0))
    story.put(member("ap", joined=3, status="withheld"))
    event = {"event_id": "st-1@1", "type": "story.new"}
    story.published(event, Shown({"story_id": "st-1", "level": "urgent"}, "reuters:1", 1), ts(1), cause=17)
    record = orjson.loads(orjson.dumps(story.to_record()))
    members = [Member.from_record(orjson.loads(orjson.dumps(m.to_record()))) for m in story.members.values()]
    again = Story.from_record(record, reversed(members))
    assert again == story
    assert (again.revision, again.last_emitted_at, again.last_event, again.cause) == (1, ts(1), event, 17)


def test_keys_name_the_story_and_tell_headers_from_members() -> None:
    assert story_of_key(story_key("st-1")) == ("st-1", True)
    assert story_of_key(member_key("st-1", "reuters:a:b")) == ("st-1", False)


def test_a_record_of_another_layout_is_refused() -> None:
    record = Story("st-1", desk="en", first_seen=ts(0)).to_record()
    record["rv"] = 99
    try:
        Story.from_record(record)
    except ValueError as exc:
        assert "99" in str(exc)
    else:
        raise AssertionError("an unknown record version must be refused")


def test_standings_follow_the_members_and_last_activity_their_versions() -> None:
    story = Story("st-1", desk="en", first_seen=ts(0))
    story.put(member("reuters", joined=0, urgency=4))
    story.put(member("ap", joined=9, status="canceled"))
    assert list(story.standings) == ["reuters"] and story.last_activity == ts(9)
    story.put(member("reuters", item="2", joined=10, urgency=2, authority=0.95))
    standing = story.standings["reuters"]
    assert (standing.best_urgency, standing.authority, standing.latest_item) == (2, 0.95, "reuters:2")
    assert (standing.first_joined, standing.latest_joined, standing.urgent) == (ts(0), ts(10), ((2, ts(10)),))
    story.put(member("reuters", item="2", joined=10, status="withheld"))
    assert story.standings["reuters"].latest_item == "reuters:1"
    story.put(member("ap", joined=9))
    assert sorted(story.standings) == ["ap", "reuters"]


def test_recent_members_are_read_from_the_end_up_to_a_limit() -> None:
    story = Story("st-1", desk="en", first_seen=ts(0))
    for minute in range(10):
        story.put(member("reuters", item=str(minute), joined=minute, status="withheld" if minute == 8 else "usable"))
    assert [m.item_id for m in story.recent(ts(5), limit=10)] == ["reuters:6", "reuters:7", "reuters:9"]
    assert [m.item_id for m in story.recent(ts(0), limit=2)] == ["reuters:7", "reuters:9"]


def test_distinct_sources_count_each_source_once_with_its_highest_authority() -> None:
    members = [member("reuters", item="1", authority=0.8), member("reuters", item="2", authority=0.9)]
    assert distinct_sources([*members, member("ap", authority=0.5)]) == {"reuters": 0.9, "ap": 0.5}


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["reuters", "ap", "afp"]),
            st.integers(0, 5),
            st.integers(1, 9),
            st.sampled_from([0.2, 0.5, 0.9]),
            st.integers(0, 3),
            st.sampled_from(["usable", "usable", "withheld", "canceled"]),
        ),
        max_size=25,
    )
)
def test_standings_kept_as_members_come_are_those_of_all_the_members(
    arrivals: list[tuple[str, int, int, float, int, str]],
) -> None:
    """New items update their source's standing from it alone; new versions re-read the source's items."""
    story = Story("st-1", desk="en", first_seen=ts(0))
    for source, item, urgency, authority, joined, status in arrivals:
        arrived = member(source, str(item), urgency=urgency, authority=authority, joined=joined, status=status)
        arrived = replace(arrived, source_name=f"{source} {item}", category=f"c{item}", region=f"r{item}")
        previous = story.members.get(arrived.item_id)
        story.put(arrived if previous is None else replace(arrived, joined_at=previous.joined_at))
        assert story.standings == standings_of(story.members.values())
