"""Bundles: the headlines of one desk in a batch as one desk-topic record, and back."""

from __future__ import annotations

from dataclasses import dataclass

import orjson
import pytest

from stoppress.shared.codec import DecodeError, encode
from stoppress.ticker.bundles import Bundler, unbundle
from stoppress.ticker.topics import BUNDLE_KIND, RECORD_KIND
from tests.unit.ticker.builders import headline


@dataclass
class Record:
    value: bytes | None
    key: bytes = b"en"
    topic: str = "app-desk"
    partition: int = 2
    offset: int = 40


def test_a_lone_headline_goes_as_itself_and_several_of_one_desk_as_one_bundle_in_order() -> None:
    values = [encode(headline("reuters", str(n))) for n in range(3)]
    bundler = Bundler()
    bundler.add("en", values[0])
    bundler.add("de", values[1])
    bundler.add("en", values[2])
    records = list(bundler.records())
    assert records[1] == (b"de", values[1], None)
    key, value, headers = records[0]
    assert (key, headers) == (b"en", [(RECORD_KIND, BUNDLE_KIND)])
    assert orjson.loads(value) == [orjson.loads(values[0]), orjson.loads(values[2])]
    assert [h.item for h in unbundle(Record(value))] == orjson.loads(value)


def test_a_long_run_makes_several_bundles_none_over_the_limit() -> None:
    values = [encode(headline("reuters", str(n))) for n in range(10)]
    bundler = Bundler(max_bytes=3 * len(values[0]) + 10)
    for value in values:
        bundler.add("en", value)
    records = list(bundler.records())
    assert [len(orjson.loads(value)) for _, value, headers in records if headers] == [3, 3, 3]
    assert all(len(value) <= 3 * len(values[0]) + 10 for _, value, _ in records)
    assert [orjson.loads(v) for _, v, h in records if h is None] == [orjson.loads(values[9])], "the tenth alone"


def test_with_no_room_for_a_bundle_every_headline_goes_as_a_record_of_its_own() -> None:
    """``bundle_headlines=False`` (a rolling upgrade from a version that cannot read bundles)."""
    values = [encode(headline("reuters", str(n))) for n in range(4)]
    bundler = Bundler(max_bytes=0)
    for value in values:
        bundler.add("en", value)
    assert list(bundler.records()) == [(b"en", value, None) for value in values]


def test_bundled_headlines_stand_for_records_of_their_own_at_the_bundle_offset() -> None:
    value = orjson.dumps([{"id": "a:1"}, {"id": "b:2"}])
    first, second = unbundle(Record(value))
    assert (first.key, first.topic, first.partition, first.offset) == (b"en", "app-desk", 2, 40)
    assert second.item == {"id": "b:2"} and orjson.loads(second.value) == {"id": "b:2"}


@pytest.mark.parametrize("value", [None, b"{not json", b'{"id": "a:1"}'])
def test_a_record_that_is_no_bundle_is_refused(value: bytes | None) -> None:
    with pytest.raises(DecodeError):
        unbundle(Record(value))
