"""``stoppress dlq``: selecting, checking and rendering DLQ entries (pure parts), and its arguments."""

from __future__ import annotations

import argparse
import base64
import unicodedata
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stoppress.cli import dlq
from stoppress.cli.dlqentries import (
    DlqEntry,
    entry_record,
    json_line,
    list_line,
    preview,
    printable,
    replay_for,
    select,
    show_lines,
    size_text,
)
from stoppress.shared.codec import DecodeError, encode
from stoppress.shared.deadletter import REPLAYED_FROM_HEADER, DeadLetter
from stoppress.shared.models import Headline

T0 = datetime(2026, 3, 1, 14, 0, tzinfo=UTC)
TERMINAL_HAZARDS = {"Cc", "Cf", "Zl", "Zp"}
"""Unicode categories a terminal acts on or hides: controls, format marks (bidi, zero-width), line separators."""


def headline(guid: str = "quake", version: int = 1) -> Headline:
    return Headline(id=f"wire:{guid}", source="wire", headline="Quake hits the coast", urgency=2, version=version,
                    first_created=T0, version_created=T0, received_at=T0)  # fmt: skip


def entry(offset: int, value: bytes | None = b"{}", *, stage: str = "ticker.intake", reason: str = "not valid JSON",
          key: bytes | None = b"wire:quake", minutes: int = 0) -> DlqEntry:  # fmt: skip
    letter = DeadLetter(key, value, reason, "headlines.raw", 3, 100 + offset, stage)
    return DlqEntry("headlines.dlq", 0, offset, int((T0 + timedelta(minutes=minutes)).timestamp() * 1000), letter,
                    tuple(letter.headers()))  # fmt: skip


def is_safe(text: str) -> bool:
    return not any(unicodedata.category(char) in TERMINAL_HAZARDS for char in text) and "\x85" not in text


@given(text=st.text(), limit=st.none() | st.integers(1, 200))
def test_printable_leaves_nothing_a_terminal_acts_on_and_keeps_to_the_limit(text: str, limit: int | None) -> None:
    shown = printable(text, limit)
    assert is_safe(shown)
    whole = printable(text)
    if limit is not None:
        assert len(shown) <= limit
    if shown != whole:
        assert shown.endswith("…")
        assert whole.startswith(shown[:-1])


def test_printable_escapes_controls_and_bidi_marks_and_never_cuts_an_escape() -> None:
    assert printable("red \x1b[31m alert\n\u202egnp.exe") == "red \\x1b[31m alert\\n\\u202egnp.exe"
    assert printable("plain text, café, 東京", 40) == "plain text, café, 東京"
    assert printable("abc\x1bdef", 6) == "abc…"
    assert printable("abcdefgh", 5) == "abcd…"
    assert printable("tag\U000e0020space, news 🗞") == "tag\\U000e0020space, news 🗞"  # hypothesis found the tag


@given(text=st.text())
def test_json_line_round_trips_any_text_safely(text: str) -> None:
    line = json_line({"value": text})
    assert is_safe(line)
    assert orjson.loads(line)["value"] == text


@given(value=st.binary(max_size=600), limit=st.integers(1, 80))
def test_preview_of_any_bytes_is_safe_and_short(value: bytes, limit: int) -> None:
    shown = preview(value, limit)
    assert is_safe(shown)
    assert len(shown) <= limit


def test_preview_marks_what_is_not_text() -> None:
    assert preview(None) == "(no value)"
    assert preview(b"\xff\xfe ok", 20) == "\\xff\\xfe ok"
    assert preview(b'{"headline": "' + b"x" * 100 + b'"}', 20) == '{"headline": "xxxxx…'


def test_size_text() -> None:
    assert [size_text(n) for n in (0, 1023, 1536, 1_100_000)] == ["0 B", "1023 B", "1.5 KiB", "1.0 MiB"]


def test_select_by_stage_then_time_then_the_last_n() -> None:
    entries = [entry(0, minutes=0), entry(1, stage="ticker.desk", minutes=1), entry(2, minutes=2),
               entry(3, stage="ticker.desk", minutes=3), entry(4, minutes=4)]  # fmt: skip
    assert [e.offset for e in select(entries)] == [0, 1, 2, 3, 4]
    assert [e.offset for e in select(entries, stage="ticker.desk")] == [1, 3]
    assert [e.offset for e in select(entries, last=2)] == [3, 4]
    assert [e.offset for e in select(entries, last=2, stage="ticker.intake")] == [2, 4]
    assert [e.offset for e in select(entries, since=T0 + timedelta(minutes=2))] == [2, 3, 4]
    assert select(entries, stage="nowhere") == []


def test_list_line_has_every_column_on_one_safe_line() -> None:
    line = list_line(entry(7, b'{"headline": "Bell \x07 and \x1b[2J"}', reason="invalid Headline:\nheadline: bad"))
    assert line.split() [:5] == ["7", "2026-03-01T14:00:00Z", "ticker.intake", "headlines.raw/3/107", "31"]
    assert "invalid Headline:\\nheadline: bad" in line
    assert '{"headline": "Bell \\x07 and \\x1b[2J"}' in line
    assert is_safe(line)
    long_reason = list_line(entry(8, reason="x" * 500))
    assert "x" * 79 + "…" in long_reason
    assert "x" * 81 not in long_reason
    assert "(no reason given)" in list_line(entry(9, reason=""))


def test_json_line_has_everything_and_binary_as_base64() -> None:
    binary = bytes(range(256))
    record = orjson.loads(json_line(entry_record(entry(5, binary, key=None, stage="ticker.desk"))))
    assert (record["offset"], record["stage"], record["size"]) == (5, "ticker.desk", 256)
    assert record["origin"] == {"topic": "headlines.raw", "partition": 3, "offset": 105}
    assert record["timestamp"] == "2026-03-01T14:00:00.000Z"
    assert (record["key"], record["value"]) == (None, None)
    assert base64.b64decode(record["value_base64"]) == binary
    assert "key_base64" not in record
    assert record["headers"]["stoppress-stage"] == "ticker.desk"


def test_json_line_round_trips_text_and_escapes_what_json_leaves_raw() -> None:
    value = "Bell \x07, DEL \x7f, CSI \x9b, RLO \u202e, tag \U000e0041, 東京 🗞".encode()
    line = json_line(entry_record(entry(6, value)))
    assert is_safe(line)
    assert orjson.loads(line)["value"] == value.decode()


def test_show_pretty_prints_json_values_and_escapes_the_rest() -> None:
    value = encode(headline())
    lines = show_lines(entry(3, value))
    assert lines[:6] == [
        "entry    headlines.dlq/0/3",
        "parked   2026-03-01T14:00:00.000Z",
        "stage    ticker.intake",
        "origin   headlines.raw/3/103",
        "reason   not valid JSON",
        "key      wire:quake",
    ]
    assert lines[6].startswith("value    ") and lines[6].endswith("JSON:")
    assert orjson.loads("\n".join(lines[7:])) == orjson.loads(value)
    assert '  "id": "wire:quake",' in lines
    raw = show_lines(entry(4, b"cut off \x1b[2J\xff", key=b"\x1b]0;pwned\x07"))
    assert raw[5] == "key      \\x1b]0;pwned\\x07"
    assert raw[-2:] == ["value    13 B, not JSON:", "cut off \\x1b[2J\\xff"]
    assert show_lines(entry(5, None))[-1].startswith("value    (none: ")
    assert all(is_safe(line) for line in [*lines, *raw])


def test_show_lists_headers_other_than_the_three_it_shows_as_fields() -> None:
    base = entry(1)
    extra = DlqEntry(base.topic, base.partition, base.offset, base.timestamp_ms, base.letter,
                     (*base.headers, ("stoppress-value-omitted", b"too large")))  # fmt: skip
    headers = [line for line in show_lines(extra) if line.startswith("header")]
    assert headers == ["header   stoppress-value-omitted: too large"]


def test_replay_keys_by_the_headline_id_keeps_the_value_and_names_the_entry() -> None:
    value = encode(headline("quake", version=2))
    replay = replay_for(entry(12, value, stage="ticker.desk", key=b"en"))
    assert (replay.key, replay.value) == (b"wire:quake", value)
    assert replay.headers == [(REPLAYED_FROM_HEADER, b"headlines.dlq/0/12")]
    assert replay.headline.version == 2


@pytest.mark.parametrize(("value", "reason"), [
    (b'{"headline": "cut off', "not valid JSON"),
    (b"1767225600.0", "expected a JSON object"),
    (None, r"no value \(a tombstone, or left out for its size: the original is at headlines.raw/3/101\)"),
    (orjson.dumps({**orjson.loads(encode(headline())), "urgency": 12}), "urgency"),
])  # fmt: skip
def test_replay_refuses_what_is_still_not_a_headline(value: bytes | None, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        replay_for(entry(1, value))


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    dlq.register(parser.add_subparsers())
    return parser.parse_args(["dlq", *argv])


def test_arguments() -> None:
    listing = parse("list", "--since", "2026-03-01T14:00", "--stage", "ticker.desk", "--json")
    assert (listing.since, listing.stage, listing.json, listing.topic) == (T0, "ticker.desk", True, "headlines.dlq")
    assert parse("list", "--since", "2026-03-01T15:00+01:00").since == T0
    assert parse("list", "--last", "5").last == 5
    assert parse("show", "41", "--topic", "t.dlq", "--bootstrap", "b:1").offset == 41
    replay = parse("replay", "3", "4", "--dry-run", "--to", "private.raw")
    assert (replay.offsets, replay.all, replay.dry_run, replay.to) == ([3, 4], False, True, "private.raw")
    assert parse("replay", "--all", "--stage", "ticker.intake").all


@pytest.mark.parametrize("argv", [
    ("list", "--since", "yesterday"),
    ("list", "--last", "0"),
    ("list", "--last", "3", "--since", "2026-03-01"),
    ("show", "-1"),
    ("show",),
    ("replay", "x"),
])  # fmt: skip
def test_bad_arguments_are_refused_by_the_parser(argv: tuple[str, ...]) -> None:
    with pytest.raises(SystemExit):
        parse(*argv)


@pytest.mark.parametrize(("argv", "message"), [
    (("replay",), "either offsets or --all"),
    (("replay", "1", "--all"), "either offsets or --all"),
    (("replay", "1", "--stage", "ticker.desk"), "--stage goes with --all"),
])  # fmt: skip
def test_replay_needs_offsets_or_all(argv: tuple[str, ...], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert dlq._run(parse(*argv)) == 2
    assert message in capsys.readouterr().err
