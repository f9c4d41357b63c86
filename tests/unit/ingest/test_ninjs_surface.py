"""The ninjs 1.x-3.x surface a wire feed really sends: one test per mapping rule, on items written here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from stoppress.ingest.problems import RefusalError
from stoppress.ingest.sources import Source, SourceRegistry
from stoppress.ingest.submission import headline_from_item
from stoppress.shared.keys import hash_key
from stoppress.shared.models import Headline

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
WIRE = Source(slug="wire", name="The Wire", authority=0.8, key_hashes=(hash_key("k"),))
REGISTRY = SourceRegistry([WIRE])


def wire_item(**fields: Any) -> dict[str, Any]:
    """A minimal 2.x-spelled item with a headline; ``fields`` add to or replace its fields (None removes one)."""
    item: dict[str, Any] = {
        "uri": "urn:example:wire:2026:item-1",
        "type": "text",
        "versioncreated": "2026-11-26T11:00:00Z",
        "headlines": [{"role": "main", "value": "Harbour bridge reopens after repairs"}],
    }
    item.update(fields)
    return {key: value for key, value in item.items() if value is not None}


def mapped(item: dict[str, Any]) -> Headline:
    return headline_from_item(item, "ninjs", WIRE, REGISTRY, NOW, default_guid="gen",
                              future_tolerance=timedelta(minutes=5))


def refused(item: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(RefusalError) as caught:
        mapped(item)
    assert caught.value.problem.status == 422
    return [(e.field, e.rule) for e in caught.value.problem.errors]


@pytest.mark.parametrize("kind", ["text", "picture", "graphic", "audio", "video", "composite", "component"])
def test_every_news_type_with_a_first_version_0_is_accepted(kind: str) -> None:
    headline = mapped(wire_item(type=kind, version="0"))
    assert (headline.version, headline.headline) == (0, "Harbour bridge reopens after repairs")


@pytest.mark.parametrize(("given", "version"), [("0", 0), ("12", 12), (" 3 ", 3), (7, 7)])
def test_the_producers_version_is_kept_as_it_numbers_them(given: object, version: int) -> None:
    assert mapped(wire_item(version=given)).version == version


@pytest.mark.parametrize(("given", "rule"), [("-1", "int_parsing"), ("1.2", "int_parsing"), ("²", "int_parsing"),
                                             ("v2", "int_parsing"), (True, "int_parsing"),
                                             ("99999999999999999999", "less_than_equal")])
def test_versions_that_are_no_whole_number_of_0_or_more_are_refused(given: object, rule: str) -> None:
    assert refused(wire_item(version=given)) == [("version", rule)]


@pytest.mark.parametrize("kind", ["event", "planning"])
def test_events_and_planning_items_are_refused_saying_they_are_no_news(kind: str) -> None:
    with pytest.raises(RefusalError) as caught:
        mapped(wire_item(type=kind, headlines=None, title="Summit press conference"))
    [problem] = caught.value.problem.errors
    assert (problem.field, problem.rule) == ("type", "not_a_news_item")
    assert kind in problem.message and "coverage to come" in problem.message


def test_an_unknown_type_and_a_schema_are_refused_with_the_reason() -> None:
    assert refused(wire_item(type="podcast")) == [("type", "unsupported_type")]
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {}}
    assert refused(schema)[0] == ("$schema", "not_a_news_item")


def test_a_headline_only_in_headlines_takes_the_main_role_else_the_first() -> None:
    assert mapped(wire_item(headlines=[{"value": "First given"}, {"value": "Second"}])).headline == "First given"
    roles = [{"role": "sub", "value": "Sub"}, {"role": "MAIN", "value": "Main one"}]
    assert mapped(wire_item(headlines=roles)).headline == "Main one"


def test_ninjs_1_3_headline_with_a_role_in_its_name_is_read() -> None:
    simple = wire_item(headlines=None, headline_simple="Ferry service restored")
    assert mapped(simple).headline == "Ferry service restored"
    both = wire_item(headlines=None, headline_short="Ferry back", headline_main="Ferry service restored")
    assert mapped(both).headline == "Ferry service restored"


def test_a_headline_list_in_the_2_0_draft_shape_is_read() -> None:
    draft = wire_item(headlines=None, headline=[{"name": "main", "text": "Trial opens in converted theatre"}])
    assert mapped(draft).headline == "Trial opens in converted theatre"


def test_title_is_metadata_so_an_item_with_only_a_title_has_no_headline() -> None:
    assert refused(wire_item(headlines=None, title="FILE-BRIDGE-1")) == [("headline", "missing")]


def test_the_summary_prefers_a_summary_role_then_any_description() -> None:
    item = wire_item(descriptions=[{"role": "caption", "value": "Caption"}, {"role": "summary", "value": "Summary"}])
    assert mapped(item).summary == "Summary"
    assert mapped(wire_item(descriptions=[{"role": "caption", "value": "Cars queue."}])).summary == "Cars queue."
    one_x = wire_item(description_usage="Editorial use only", description_text="Plain text summary")
    assert mapped(one_x).summary == "Plain text summary"
    assert mapped(wire_item(description_xhtml="<p>Marked <b>up</b></p>")).summary == "Marked up"


def test_without_a_description_the_summary_is_the_start_of_the_body() -> None:
    body = "<p>" + " ".join(["Traffic"] * 600) + "</p>"
    three = mapped(wire_item(bodies=[{"contentType": "application/xhtml+xml", "value": body}]))
    assert three.summary is not None and len(three.summary) <= 2000 and three.summary.endswith("Traffic…")
    assert mapped(wire_item(body_html="<p>Body <i>one</i></p>")).summary == "Body one"
    assert mapped(wire_item(body_text="Plain body", descriptions=[{"value": "Desc"}])).summary == "Desc"


def test_a_long_description_is_cut_to_fit_not_refused() -> None:
    long = "word " * 1000
    summary = mapped(wire_item(descriptions=[{"value": long}])).summary
    assert summary is not None and len(summary) <= 2000 and summary.endswith("…")


def test_summary_problems_name_the_ninjs_field() -> None:
    nested = "&" + "amp;" * 6 + "lt;b&" + "amp;" * 6 + "gt;"
    assert refused(wire_item(descriptions=[{"value": nested}])) == [("descriptions.0.value", "unclean_text")]
    assert refused(wire_item(descriptions=[{"value": 5}])) == [("descriptions.0.value", "string_type")]
    assert refused(wire_item(bodies="text")) == [("bodies", "list_type")]


@pytest.mark.parametrize(("spelling", "status"), [("pubstatus", "usable"), ("pubstatus", "withheld"),
                                                  ("pubStatus", "canceled"), ("pubStatus", "withheld")])
def test_every_ninjs_pubstatus_maps(spelling: str, status: str) -> None:
    assert mapped(wire_item(**{spelling: status})).pubstatus == status


def test_an_unknown_pubstatus_is_refused_naming_the_ninjs_field() -> None:
    assert refused(wire_item(pubStatus="draft")) == [("pubStatus", "literal_error")]


@pytest.mark.parametrize("spelling", ["embargoed", "embargoedUntil"])
def test_the_embargo_of_each_generation_holds_the_item(spelling: str) -> None:
    headline = mapped(wire_item(**{spelling: "2026-11-27T06:00:00Z"}))
    assert headline.embargo_until == datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


def test_alternative_ids_are_ignored_and_the_uri_stays_the_identity() -> None:
    two = wire_item(altids=[{"role": "internal", "value": "X-1"}])
    three = wire_item(altIds=[{"role": "etag", "value": "abc"}])
    one = wire_item(altids={"itemid": "X-1"})
    assert {mapped(item).id for item in (one, two, three)} == {"wire:urn:example:wire:2026:item-1"}


def test_located_comes_before_places() -> None:
    assert mapped(wire_item(located="HARBOUR CITY", places=[{"name": "Elsewhere"}])).region == "HARBOUR CITY"
    assert mapped(wire_item(places=[{"literal": "XX"}, {"name": "Other"}])).region == "XX"
    assert mapped(wire_item(place=[{"name": "Old spelling"}])).region == "Old spelling"


def test_subjects_use_names_literals_codes_and_media_topic_qcodes() -> None:
    subjects = [
        {"name": "Transport", "uri": "http://cv.iptc.org/newscodes/mediatopic/20000344"},
        {"uri": "http://cv.iptc.org/newscodes/mediatopic/04000000"},
        {"literal": "bridges"},
        {"code": "medtop:20000345"},
        {"uri": "http://example.com/vocabulary/unnamed"},
    ]
    assert mapped(wire_item(subjects=subjects)).subjects == [
        "Transport", "medtop:04000000", "bridges", "medtop:20000345",
    ]
    assert mapped(wire_item(subjects=None, subject=[{"name": "Old", "code": "x"}])).subjects == ["Old"]


def test_many_or_long_subject_names_are_cut_to_fit() -> None:
    many = [{"name": f"Topic {n}"} for n in range(80)]
    assert mapped(wire_item(subjects=many)).subjects == [f"Topic {n}" for n in range(50)]
    assert mapped(wire_item(subjects=[{"name": "x" * 90}])).subjects == ["x" * 64]
    assert refused(wire_item(subjects=[{"name": "ok"}, {"name": 5}])) == [("subjects.1", "string_type")]


def test_associated_items_are_parts_of_the_carrier_not_news_of_their_own() -> None:
    package = wire_item(type="composite", associations=[
        {"name": "photo", "uri": "urn:example:photo:9", "type": "picture", "headlines": [{"value": "Photo"}]},
        {"name": "plan", "uri": "urn:example:plan:1", "type": "planning", "version": "nonsense"},
    ])
    headline = mapped(package)
    assert headline.id == "wire:urn:example:wire:2026:item-1"
    assert headline.headline == "Harbour bridge reopens after repairs"


def test_a_package_without_a_headline_borrows_its_first_associated_one() -> None:
    three = wire_item(type="composite", headlines=None, associations=[
        {"name": "logo", "uri": "urn:example:logo", "type": "graphic"},
        {"name": "story", "uri": "urn:example:text:3", "type": "text", "headlines": [{"value": "Bridge reopens"}]},
    ])
    assert mapped(three).headline == "Bridge reopens"
    one = wire_item(type="composite", headlines=None, associations={
        "main": {"uri": "urn:example:text:1", "type": "text", "headline": "Bridge reopens (1.x)"},
    })
    assert mapped(one).headline == "Bridge reopens (1.x)"
    empty = wire_item(type="composite", headlines=None, associations={"main": {"uri": "urn:example:text:1"}})
    assert refused(empty) == [("headline", "missing")]


def test_a_borrowed_headline_is_named_by_where_it_came_from() -> None:
    bad = wire_item(type="composite", headlines=None, associations=[{"name": "s", "headlines": [{"value": "<b></b>"}]}])
    assert refused(bad) == [("associations.0.headlines.0.value", "empty_after_cleaning")]
