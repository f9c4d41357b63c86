"""ValidatedRecords: the headlines intake validated, taken once by the desk for a record of equal value."""

from __future__ import annotations

from stoppress.shared.codec import encode
from stoppress.shared.models import Headline
from stoppress.ticker.validated import ValidatedRecords
from tests.unit.ticker.builders import headline


def validated(guid: str) -> tuple[bytes, Headline]:
    value = encode(headline("reuters", guid))
    return value, Headline.model_validate_json(value)


def test_a_record_of_equal_value_takes_the_headlines_once() -> None:
    value, parsed = validated("1")
    records = ValidatedRecords()
    records.remember(value, [parsed])
    assert records.take(bytes(bytearray(value))) == [parsed], "equal bytes, another object (as read back)"
    assert records.take(value) is None and len(records) == 0


def test_another_value_or_none_takes_nothing() -> None:
    value, parsed = validated("1")
    records = ValidatedRecords()
    records.remember(value, [parsed])
    assert records.take(value + b" ") is None
    assert records.take(None) is None
    assert len(records) == 1


def test_the_oldest_records_are_forgotten_past_the_limit() -> None:
    items = [validated(str(n)) for n in range(5)]
    records = ValidatedRecords(most_headlines=3)
    records.remember(items[0][0], [items[0][1]])
    records.remember(b"[bundle]", [items[1][1], items[2][1]])
    records.remember(items[3][0], [items[3][1]])
    assert len(records) == 3 and records.take(items[0][0]) is None
    records.remember(items[4][0], [items[4][1]])
    assert records.take(b"[bundle]") is None
    assert records.take(items[4][0]) == [items[4][1]] and records.take(items[3][0]) == [items[3][1]]
