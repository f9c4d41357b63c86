"""The orjson codec: lossless round trips, and readable reasons for anything else."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stoppress.shared.codec import DecodeError, decode, encode
from stoppress.shared.models import Headline

NOW = datetime(2026, 11, 26, 12, 0, 0, 123456, tzinfo=UTC)

texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\x85"),
    min_size=1, max_size=300,
).map(str.strip).filter(bool)


@given(text=texts, urgency=st.integers(1, 9), version=st.integers(1, 2**31))
def test_round_trip_is_lossless(text: str, urgency: int, version: int) -> None:
    item = Headline(
        id="wire:abc", source="wire", headline=text, urgency=urgency, version=version,
        first_created=NOW, version_created=NOW, received_at=NOW,
    )
    assert decode(encode(item), Headline) == item


def test_timestamps_keep_microseconds_and_say_utc() -> None:
    item = Headline(id="wire:abc", source="wire", headline="x", first_created=NOW, version_created=NOW, received_at=NOW)
    assert orjson.loads(encode(item))["received_at"] == "2026-11-26T12:00:00.123456Z"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (None, "no value"),
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "expected a JSON object, got list"),
        (b'{"schema_version": "9.0"}', "major version 9 is not supported"),
        (b'{"id": "wire:x", "source": "wire"}', "headline: Field required"),
    ],
)
def test_bad_records_raise_a_readable_reason(data: bytes | None, reason: str) -> None:
    with pytest.raises(DecodeError) as caught:
        decode(data, Headline)
    assert reason in caught.value.reason
