"""The entries of ``headlines.dlq`` as an operator sees them (pure: no I/O).

An entry is one DLQ record: where it sits in the DLQ topic, when it was
parked, and the :class:`~stoppress.shared.deadletter.DeadLetter` it holds.
Here they are selected (``--since``, ``--last``, ``--stage``), checked for
replay against the contract of ``headlines.raw``, and rendered for a
terminal or as JSON lines. Everything rendered comes from the wire, so
nothing reaches the terminal raw: controls and invisible formatting marks
become escapes (``\\x1b``, ``\\u202e``), bytes that are not UTF-8 become
``\\xNN``.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from stoppress.shared.codec import DecodeError, decode
from stoppress.shared.deadletter import ORIGIN_HEADER, REASON_HEADER, REPLAYED_FROM_HEADER, STAGE_HEADER, DeadLetter
from stoppress.shared.models import Headline

REASON_CHARS = 80
"""How much of the reason ``list`` prints (characters, after escaping)."""
PREVIEW_CHARS = 60
"""How much of the value ``list`` prints (characters, after escaping)."""

_HAZARDS = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp", "Cn"})
"""Unicode categories of the characters a terminal acts on, hides or cannot print: C0/C1 controls and DEL, format
marks (bidi overrides, zero-width, tags), lone surrogates, line and paragraph separators, and unassigned code
points (a newer Unicode may make them any of those)."""
_NOT_PLAIN = re.compile(r"[^\x20-\x7e]")
"""Every character that can be a hazard (printable ASCII never is)."""
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_SHOWN_AS_FIELDS = frozenset({REASON_HEADER, ORIGIN_HEADER, STAGE_HEADER})


@dataclass(frozen=True)
class DlqEntry:
    """One record of the DLQ topic: where it sits there, when it was parked (ms since the epoch), what it holds."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    letter: DeadLetter
    headers: tuple[tuple[str, bytes], ...] = ()

    @property
    def address(self) -> str:
        """``topic/partition/offset`` of this entry in the DLQ."""
        return f"{self.topic}/{self.partition}/{self.offset}"

    @property
    def origin(self) -> str:
        """``topic/partition/offset`` of the record that was refused (``?`` when the header is missing)."""
        letter = self.letter
        return f"{letter.topic}/{letter.partition}/{letter.offset}" if letter.offset >= 0 else letter.topic or "?"

    @property
    def written_at(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp_ms / 1000, UTC)

    @property
    def size(self) -> int:
        """The value's size in bytes (0 without a value)."""
        return len(self.letter.value or b"")


@dataclass(frozen=True)
class Replay:
    """What replaying one entry writes: the headline's id as key, the value unchanged, a header naming the entry."""

    entry: DlqEntry
    headline: Headline

    @property
    def key(self) -> bytes:
        return self.headline.id.encode()

    @property
    def value(self) -> bytes:
        return self.entry.letter.value or b""

    @property
    def headers(self) -> list[tuple[str, bytes]]:
        return [(REPLAYED_FROM_HEADER, self.entry.address.encode())]


def entry_from_record(record: Any) -> DlqEntry:
    """The entry an aiokafka ``ConsumerRecord`` of the DLQ topic holds."""
    headers = tuple(record.headers or ())
    return DlqEntry(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        timestamp_ms=record.timestamp,
        letter=DeadLetter.from_record(record.key, record.value, headers),
        headers=headers,
    )


def select(
    entries: Iterable[DlqEntry], *, since: datetime | None = None, last: int | None = None, stage: str | None = None
) -> list[DlqEntry]:
    """The entries of ``stage`` parked at or after ``since``, then only the last ``last`` of those, in log order."""
    chosen = [
        entry for entry in entries
        if (stage is None or entry.letter.stage == stage) and (since is None or entry.written_at >= since)
    ]  # fmt: skip
    return chosen[-last:] if last is not None else chosen


def replay_for(entry: DlqEntry) -> Replay:
    """The replay of ``entry``, if its value is now a valid ``Headline``; else :class:`DecodeError` says why not."""
    if entry.letter.value is None:
        raise DecodeError(f"the entry has no value (a tombstone, or left out for its size: the original is at "
                          f"{entry.origin})")  # fmt: skip
    return Replay(entry, decode(entry.letter.value, Headline))


def printable(text: str, limit: int | None = None) -> str:
    """``text`` safe for a terminal, on one line: every character of the :data:`_HAZARDS` categories as an
    escape (``\\n``, ``\\x1b``, ``\\u202e``, ``\\U000e0020``); longer than ``limit`` characters, cut to
    ``limit`` with ``…`` (never inside an escape).
    """
    pieces = [_escape(char) for char in (text if limit is None else text[: limit + 1])]
    if limit is None or sum(map(len, pieces)) <= limit:
        return "".join(pieces)
    kept: list[str] = []
    room = limit - 1
    for piece in pieces:
        if len(piece) > room:
            break
        kept.append(piece)
        room -= len(piece)
    return "".join(kept) + "…"


def preview(value: bytes | None, limit: int = PREVIEW_CHARS) -> str:
    """The start of a value as safe text: bytes that are not UTF-8 as ``\\xNN``, at most ``limit`` characters."""
    if value is None:
        return "(no value)"
    return printable(value[: 4 * (limit + 1)].decode("utf-8", "backslashreplace"), limit)


def size_text(size: int) -> str:
    """``512 B``, ``3.4 KiB``, ``1.0 MiB``."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


def list_line(entry: DlqEntry) -> str:
    """``OFFSET  TIME  STAGE  ORIGIN  SIZE  REASON  VALUE-PREVIEW``, one line, safe for a terminal."""
    letter = entry.letter
    when = entry.written_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    stage = printable(letter.stage, 24) or "?"
    reason = printable(letter.reason, REASON_CHARS) or "(no reason given)"
    return (
        f"{entry.offset:>6}  {when}  {stage:<13}  {printable(entry.origin, 80)}  {size_text(entry.size):>9}  "
        f"{reason}  {preview(letter.value)}"
    )


def entry_record(entry: DlqEntry) -> dict[str, Any]:
    """Everything about an entry as a JSON-ready dict; key and value as text, or as ``key_base64`` /
    ``value_base64`` (with ``key`` / ``value`` null) when they are not UTF-8."""
    letter = entry.letter
    record: dict[str, Any] = {
        "topic": entry.topic,
        "partition": entry.partition,
        "offset": entry.offset,
        "timestamp": _iso(entry.written_at),
        "timestamp_ms": entry.timestamp_ms,
        "stage": letter.stage,
        "reason": letter.reason,
        "origin": {"topic": letter.topic, "partition": letter.partition, "offset": letter.offset},
        "size": entry.size,
    }
    for name, data in (("key", letter.key), ("value", letter.value)):
        record[name] = None
        if data is not None:
            try:
                record[name] = data.decode()
            except UnicodeDecodeError:
                record[f"{name}_base64"] = base64.b64encode(data).decode()
    record["headers"] = {name: data.decode(errors="replace") for name, data in entry.headers}
    return record


def json_line(data: Any) -> str:
    """Compact JSON on one line, safe for a terminal: what JSON leaves raw (DEL, C1, format marks) as ``\\uXXXX``."""
    return _json_safe(orjson.dumps(data).decode())


def show_lines(entry: DlqEntry) -> list[str]:
    """The whole entry, one field per line, then the value (pretty-printed when it is JSON), safe for a terminal."""
    letter = entry.letter
    key = "(none)" if letter.key is None else printable(letter.key.decode("utf-8", "backslashreplace"))
    lines = [
        f"entry    {printable(entry.address)}",
        f"parked   {_iso(entry.written_at)}",
        f"stage    {printable(letter.stage) or '?'}",
        f"origin   {printable(entry.origin)}",
        f"reason   {printable(letter.reason) or '(no reason given)'}",
        f"key      {key}",
    ]
    lines += [
        f"header   {printable(name)}: {printable(data.decode('utf-8', 'backslashreplace'))}"
        for name, data in entry.headers
        if name not in _SHOWN_AS_FIELDS
    ]
    if letter.value is None:
        return [*lines, "value    (none: a tombstone, or left out for its size, see the reason)"]
    try:
        parsed = orjson.loads(letter.value)
    except orjson.JSONDecodeError:
        text = printable(letter.value.decode("utf-8", "backslashreplace"))
        return [*lines, f"value    {size_text(entry.size)}, not JSON:", text]
    pretty = orjson.dumps(parsed, option=orjson.OPT_INDENT_2).decode()
    return [*lines, f"value    {size_text(entry.size)}, JSON:", *map(_json_safe, pretty.splitlines())]


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _unsafe(char: str) -> bool:
    return unicodedata.category(char) in _HAZARDS


def _escape(char: str) -> str:
    if " " <= char <= "~" or not _unsafe(char):
        return char
    code = ord(char)
    if code > 0xFFFF:
        return f"\\U{code:08x}"
    return _NAMED_ESCAPES.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def _json_safe(text: str) -> str:
    # Outside strings JSON is printable ASCII, so every hazard is inside a string, where \uXXXX (a surrogate
    # pair past U+FFFF) means the same.
    return _NOT_PLAIN.sub(lambda match: _json_escape(match.group()) if _unsafe(match.group()) else match.group(), text)


def _json_escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
