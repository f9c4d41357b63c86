"""DLQ entries: headers read back as the same entry, odd headers never stop a reader, and records too big to copy
keep their place (the origin), not their bytes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from stoppress.shared.deadletter import (
    MAX_COPY_BYTES,
    MAX_REASON_BYTES,
    ORIGIN_HEADER,
    REASON_HEADER,
    STAGE_HEADER,
    DeadLetter,
)

topic_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=1, max_size=60)


letters = st.builds(
    DeadLetter,
    key=st.none() | st.binary(max_size=40),
    value=st.none() | st.binary(max_size=200),
    reason=st.text(max_size=300),
    topic=topic_names,
    partition=st.integers(0, 1000),
    offset=st.integers(0, 2**62),
    stage=st.sampled_from(["ticker.intake", "ticker.desk"]),
)


@given(letter=letters)
def test_headers_read_back_as_the_same_entry(letter: DeadLetter) -> None:
    assert DeadLetter.from_record(letter.key, letter.value, letter.headers()) == letter


def test_a_reason_cut_mid_character_reads_back_with_a_replacement_mark() -> None:
    reason = "é" * MAX_REASON_BYTES
    letter = DeadLetter(b"k", b"v", "x" + reason, "headlines.raw", 0, 1, "ticker.intake")
    read = DeadLetter.from_record(b"k", b"v", letter.headers())
    assert read.reason.startswith("xéé")
    assert read.reason.endswith("\ufffd")
    assert len(read.reason.encode()) <= MAX_REASON_BYTES + 2


def test_missing_or_malformed_headers_read_as_unknown_rather_than_fail() -> None:
    bare = DeadLetter.from_record(None, b"{}", [])
    assert (bare.reason, bare.topic, bare.partition, bare.offset, bare.stage) == ("", "", -1, -1, "")
    odd = DeadLetter.from_record(b"k", None, [
        (ORIGIN_HEADER, b"somewhere/else"), (REASON_HEADER, b"\xff bad"), (STAGE_HEADER, b"x"), ("other", b"1"),
    ])  # fmt: skip
    assert (odd.topic, odd.partition, odd.offset) == ("somewhere/else", -1, -1)
    assert odd.reason == "\ufffd bad"
    superscript = DeadLetter.from_record(None, None, [(ORIGIN_HEADER, "t/\u00b2/3".encode())])
    assert (superscript.topic, superscript.partition) == ("t/\u00b2/3", -1)


def oversized(value: bytes | None, reason: str = "headline: field required") -> DeadLetter:
    return DeadLetter(key=b"wire:1", value=value, reason=reason, topic="headlines.raw", partition=3, offset=42,
                      stage="ticker.intake")  # fmt: skip


def test_a_record_within_the_copy_limit_is_copied_unchanged() -> None:
    entry = oversized(b"x" * (MAX_COPY_BYTES - len(b"wire:1")))
    assert entry.copyable() is entry


def test_a_record_over_the_copy_limit_leaves_its_value_out_and_says_where_the_original_is() -> None:
    entry = oversized(b"x" * MAX_COPY_BYTES).copyable()
    assert entry.value is None and entry.key == b"wire:1"
    assert entry.reason.startswith("headline: field required; value of 900006 bytes left out")
    assert entry.reason.endswith("the original is at headlines.raw/3/42")
    assert DeadLetter.from_record(entry.key, entry.value, entry.headers()) == entry


@given(st.text(max_size=3000))
def test_the_note_survives_any_reason_within_the_header_limit(reason: str) -> None:
    entry = oversized(b"x" * (MAX_COPY_BYTES + 1), reason).copyable()
    assert entry.reason.endswith("headlines.raw/3/42")
    assert len(entry.reason.encode()) <= MAX_REASON_BYTES
