"""Request bodies: content types, single items and batches, canonical JSON and ninjs 1.x-3.x."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stoppress.ingest.ninjs import ninjs_to_fields
from stoppress.ingest.problems import RefusalError
from stoppress.ingest.sources import Source, SourceRegistry
from stoppress.ingest.submission import (
    Format,
    format_for_media_type,
    headline_from_item,
    parse_submission,
)
from stoppress.shared.keys import hash_key
from stoppress.shared.models import Headline

FIXTURES = Path(__file__).parent / "fixtures" / "ninjs"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
WIRE = Source(slug="wire", name="The Wire", authority=0.8, key_hashes=(hash_key("k"),))
REGISTRY = SourceRegistry([WIRE])


def ninjs(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return document


def to_headline(item: Any, fmt: Format = "canonical") -> Headline:
    return headline_from_item(item, fmt, WIRE, REGISTRY, NOW, default_guid="gen", future_tolerance=timedelta(minutes=5))


def problems(item: Any, fmt: Format = "canonical") -> list[tuple[str, str]]:
    with pytest.raises(RefusalError) as refused:
        to_headline(item, fmt)
    return [(e.field, e.rule) for e in refused.value.problem.errors]


@pytest.mark.parametrize(
    ("content_type", "charset", "expected"),
    [
        ("application/json", None, "canonical"),
        ("application/json", "utf-8", "canonical"),
        ("APPLICATION/JSON", "UTF8", "canonical"),
        ("application/ninjs+json", None, "ninjs"),
        ("application/vnd.iptc.ninjs+json", None, "ninjs"),
    ],
)
def test_json_media_types_choose_the_default_format(content_type: str, charset: str | None, expected: str) -> None:
    assert format_for_media_type(content_type, charset) == expected


@pytest.mark.parametrize(("content_type", "charset"), [("text/plain", None), ("", None), ("application/xml", None),
                                                       ("application/json", "latin-1")])
def test_other_media_types_are_415(content_type: str, charset: str | None) -> None:
    with pytest.raises(RefusalError) as refused:
        format_for_media_type(content_type, charset)
    assert refused.value.problem.status == 415


def test_an_object_is_one_item_and_arrays_or_items_are_batches() -> None:
    single = parse_submission(b'{"headline": "x"}', "canonical", 10)
    assert (single.batch, single.items) == (False, ({"headline": "x"},))
    array = parse_submission(b'[{"headline": "a"}, {"headline": "b"}]', "canonical", 10)
    assert (array.batch, len(array.items)) == (True, 2)
    wrapped = parse_submission(b'{"format": "ninjs", "items": [{"uri": "u"}]}', "canonical", 10)
    assert (wrapped.batch, wrapped.default_format) == (True, "ninjs")


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (b'{"headline": ', 422, "(body)"),
        (b"", 422, "(body)"),
        (b'"just a string"', 422, "(body)"),
        (b"[]", 422, "items"),
        (b'{"items": {}}', 422, "items"),
        (b'{"items": [{}], "extra": 1}', 422, "extra"),
        (b'{"items": [{}], "format": "rss"}', 422, "format"),
        (b"[" + b",".join([b"{}"] * 11) + b"]", 413, None),
    ],
)
def test_broken_or_oversized_bodies_are_refused_with_reasons(body: bytes, status: int, field: str | None) -> None:
    with pytest.raises(RefusalError) as refused:
        parse_submission(body, "canonical", 10)
    assert refused.value.problem.status == status
    if field is not None:
        assert refused.value.problem.errors[0].field == field


@given(st.binary(max_size=200))
def test_any_bytes_are_parsed_or_refused_never_crash(body: bytes) -> None:
    try:
        submission = parse_submission(body, "canonical", 5)
    except RefusalError as refused:
        assert refused.problem.status in (413, 422)
        return
    for item in submission.items:
        try:
            to_headline(item)
        except RefusalError as refused:
            assert refused.problem.status in (403, 422)


def test_ninjs_1_maps_plain_fields() -> None:
    headline = to_headline(ninjs("ninjs-1.4.json"), "ninjs")
    assert headline.id == "wire:http://example.com/news/2026/11/26/quake-strikes"
    assert (headline.version, headline.urgency, headline.language, headline.pubstatus) == (2, 2, "en-GB", "usable")
    assert headline.headline == "Strong quake strikes & shakes coastal city"
    assert headline.summary == "A magnitude 6.8 earthquake struck off the coast on Thursday."
    assert headline.subjects == ["Disaster", "earthquake"]
    assert headline.region == "Valparaíso"
    assert headline.first_created == datetime(2026, 11, 26, 11, 30, tzinfo=UTC)
    assert headline.version_created == datetime(2026, 11, 26, 11, 40, tzinfo=UTC)
    assert headline.url is None


def test_ninjs_2_maps_arrays_roles_and_embargo() -> None:
    headline = to_headline(ninjs("ninjs-2.0.json"), "ninjs")
    assert headline.headline == "Séisme au large des côtes"
    assert headline.summary == "Un séisme de magnitude 6,8."
    assert (headline.pubstatus, headline.language, headline.region) == ("withheld", "fr", "Chili")
    assert headline.embargo_until == datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
    assert headline.first_created.utcoffset() == timedelta(hours=1)


def test_ninjs_3_maps_camel_case_names() -> None:
    headline = to_headline(ninjs("ninjs-3.0.json"), "ninjs")
    assert (headline.version, headline.urgency, headline.pubstatus) == (4, 1, "canceled")
    assert headline.headline == "Terremoto sacude la costa"
    assert headline.subjects == ["sismos", "Chile"]
    assert headline.summary == "Un fuerte sismo sacudió la costa."
    assert headline.version_created == datetime(2026, 11, 26, 11, 55, tzinfo=UTC)


def test_a_format_field_selects_ninjs_on_a_json_request() -> None:
    item = {**ninjs("ninjs-3.0.json"), "format": "ninjs"}
    assert to_headline(item, "canonical").version == 4


def test_ninjs_problems_name_the_ninjs_fields() -> None:
    item = ninjs("ninjs-1.4.json")
    assert problems({**item, "urgency": 12}, "ninjs") == [("urgency", "less_than_equal")]
    assert problems({**item, "firstcreated": "2026-11-26T11:00:00"}, "ninjs") == [("firstcreated", "value_error")]
    three = ninjs("ninjs-3.0.json")
    assert problems({**three, "firstCreated": "2099-01-01T00:00:00Z"}, "ninjs") == [
        ("firstCreated", "not_in_future"), ("versionCreated", "not_before_first_created"),
    ]
    assert problems({**three, "headlines": [{"value": "<b></b>"}]}, "ninjs") == [
        ("headlines.0.value", "empty_after_cleaning")
    ]
    assert problems({k: v for k, v in three.items() if k != "uri"}, "ninjs") == [("uri", "missing")]
    assert problems({**three, "version": "v2"}, "ninjs") == [("version", "int_parsing")]
    assert problems({**three, "standard": {"version": "4.0"}}, "ninjs") == [("standard.version", "unsupported_version")]
    assert problems({**three, "headlines": "text"}, "ninjs")[0] == ("headlines", "list_type")


def test_ninjs_sent_as_canonical_gets_a_hint() -> None:
    refused = problems(ninjs("ninjs-1.4.json"))
    assert ("uri", "unknown_field") in refused


def test_ninjs_fields_mapping_keeps_origins() -> None:
    fields, origin = ninjs_to_fields(ninjs("ninjs-2.0.json"))
    assert fields["guid"] == "urn:newsml:example.com:20261126:quake-2"
    assert origin["first_created"] == "firstcreated"
    assert origin["headline"] == "headlines.1.value"


def test_items_that_are_not_objects_are_refused() -> None:
    assert problems([1, 2]) == [("(item)", "dict_type")]
    assert problems("headline") == [("(item)", "dict_type")]


def test_a_non_relay_item_naming_another_source_is_forbidden() -> None:
    with pytest.raises(RefusalError) as refused:
        to_headline({"headline": "x", "source": "other"})
    assert refused.value.problem.status == 403
