"""Bundles: the headlines of one desk in a batch as one desk-topic record, and back."""

from __future__ import annotations

from dataclasses import dataclass

import orjson
import pytest

from stoppress.shared.codec import DecodeError, encode
from stoppress.shared.models import Headline
from stoppress.ticker.bundles import Bundler, DeskRecord, unbundle
from stoppress.ticker.topics import BUNDLE_KIND, RECORD_KIND
from tests.unit.ticker.builders import headline


@dataclass
class Record:
    value: bytes | None
    key: bytes = b"en"
    topic: str = "app-desk"
    partition: int = 2
    offset: int = 40


def valid(guid: str) -> tuple[bytes, Headline]:
    value = encode(headline("reuters", guid))
    return value, Headline.model_validate_json(value)


def test_a_lone_headline_goes_as_itself_and_several_of_one_desk_as_one_bundle_in_order() -> None:
    (v0, h0), (v1, h1), (v2, h2) = (valid(str(n)) for n in range(3))
    bundler = Bundler()
    bundler.add("en", v0, h0)
    bundler.add("de", v1, h1)
    bundler.add("en", v2, h2)
    records = list(bundler.records())
    assert records[1] == DeskRecord(b"de", v1, None, [h1])
    key, value, headers, headlines = records[0]
    assert (key, headers, headlines) == (b"en", [(RECORD_KIND, BUNDLE_KIND)], [h0, h2])
    assert orjson.loads(value) == [orjson.loads(v0), orjson.loads(v2)]
    assert [h.item for h in unbundle(Record(value))] == orjson.loads(value)


def test_a_long_run_makes_several_bundles_none_over_the_limit() -> None:
    items = [valid(str(n)) for n in range(10)]
    size = len(items[0][0])
    bundler = Bundler(max_bytes=3 * size + 10)
    for value, parsed in items:
        bundler.add("en", value, parsed)
    records = list(bundler.records())
    assert [len(orjson.loads(record.value)) for record in records if record.headers] == [3, 3, 3]
    assert [len(record.headlines) for record in records] == [3, 3, 3, 1]
    assert all(len(record.value) <= 3 * size + 10 for record in records)
    assert [r.value for r in records if r.headers is None] == [items[9][0]], "the tenth alone"


def test_with_no_room_for_a_bundle_every_headline_goes_as_a_record_of_its_own() -> None:
    """``bundle_headlines=False`` (a rolling upgrade from a version that cannot read bundles)."""
    items = [valid(str(n)) for n in range(4)]
    bundler = Bundler(max_bytes=0)
    for value, parsed in items:
        bundler.add("en", value, parsed)
    assert list(bundler.records()) == [DeskRecord(b"en", value, None, [parsed]) for value, parsed in items]


def test_bundled_headlines_stand_for_records_of_their_own_at_the_bundle_offset() -> None:
    value = orjson.dumps([{"id": "a:1"}, {"id": "b:2"}])
    first, second = unbundle(Record(value))
    assert (first.key, first.topic, first.partition, first.offset) == (b"en", "app-desk", 2, 40)
    assert second.item == {"id": "b:2"} and orjson.loads(second.value) == {"id": "b:2"}
    assert first.validated is None and second.validated is None


def test_a_bundle_intake_validated_carries_its_headlines_to_the_desk() -> None:
    (v0, h0), (v1, h1) = valid("0"), valid("1")
    bundled = unbundle(Record(b"[" + v0 + b"," + v1 + b"]"), [h0, h1])
    assert [b.validated for b in bundled] == [h0, h1]
    assert [Headline.model_validate(b.item) for b in bundled] == [h0, h1], "what the desk would validate"


@pytest.mark.parametrize("value", [None, b"{not json", b'{"id": "a:1"}'])
def test_a_record_that_is_no_bundle_is_refused(value: bytes | None) -> None:
    with pytest.raises(DecodeError):
        unbundle(Record(value))
