from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stoppress.push.cursor import parse_cursor
from stoppress.push.refusals import BadRequest
from stoppress.shared.cursor import BEFORE_FIRST, Cursor, fingerprint


@given(st.integers(min_value=-1, max_value=2**62), st.integers(min_value=0, max_value=2**45), st.text(max_size=40))
def test_round_trip(offset: int, timestamp_ms: int, event_id: str) -> None:
    cursor = Cursor(offset, fingerprint(timestamp_ms, event_id))
    assert parse_cursor(str(cursor)) == cursor


def test_wire_form_is_stable() -> None:
    assert str(Cursor(41, "9f3a2c1b")) == "1-41-9f3a2c1b"
    assert str(BEFORE_FIRST) == "1--1-00000000"
    assert parse_cursor("1--1-00000000") == BEFORE_FIRST


def test_fingerprint_changes_with_timestamp_or_event() -> None:
    base = fingerprint(1000, "s@1")
    assert base != fingerprint(1001, "s@1")
    assert base != fingerprint(1000, "s@2")
    assert len(base) == 8


@pytest.mark.parametrize(
    "text", ["", "2-1-00000000", "1-x-00000000", "1-1-XYZ", "1-1", "1--5-00000000", "1-" + "9" * 80]
)
def test_foreign_strings_are_refused(text: str) -> None:
    with pytest.raises(BadRequest):
        parse_cursor(text)
