"""How a refused record is written to ``headlines.dlq``: nothing is dropped silently.

The DLQ value is the original bytes, unchanged, under the original key, so a
fixed record can be replayed as it was. Why it was refused and where it came
from travel in headers; :meth:`DeadLetter.from_record` reads them back.
A record replayed from the DLQ carries ``stoppress-replayed-from``
(``topic/partition/offset`` of its DLQ entry), so it can be traced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

REASON_HEADER = "stoppress-reason"
ORIGIN_HEADER = "stoppress-origin"
STAGE_HEADER = "stoppress-stage"
REPLAYED_FROM_HEADER = "stoppress-replayed-from"
MAX_REASON_BYTES = 2000
MAX_COPY_BYTES = 900_000
"""Largest key + value a DLQ entry copies (bytes). Producers refuse requests over 1,000,000 bytes and the broker
record batches over 1 MiB, so a record near those limits cannot be copied with headers added; its entry leaves the
value out and says so (:meth:`DeadLetter.copyable`), and the origin header points at the original."""


@dataclass(frozen=True)
class DeadLetter:
    """A refused record: its key and value as received, and why and where it was refused."""

    key: bytes | None
    value: bytes | None
    reason: str
    topic: str
    partition: int
    offset: int
    stage: str

    def copyable(self) -> DeadLetter:
        """This entry, or if the record is over :data:`MAX_COPY_BYTES`, the entry without its value, saying why."""
        size = len(self.key or b"") + len(self.value or b"")
        if size <= MAX_COPY_BYTES:
            return self
        left_out = (
            f"; value of {size} bytes left out (over the DLQ's {MAX_COPY_BYTES}-byte copy limit), "
            f"the original is at {self.topic}/{self.partition}/{self.offset}"
        )
        room = MAX_REASON_BYTES - len(left_out.encode())
        return replace(self, value=None, reason=self.reason.encode()[:room].decode(errors="ignore") + left_out)

    def headers(self) -> list[tuple[str, bytes]]:
        """Kafka headers carrying the reason, the origin (``topic/partition/offset``) and the stage."""
        return [
            (REASON_HEADER, self.reason.encode()[:MAX_REASON_BYTES]),
            (ORIGIN_HEADER, f"{self.topic}/{self.partition}/{self.offset}".encode()),
            (STAGE_HEADER, self.stage.encode()),
        ]

    @classmethod
    def from_record(
        cls, key: bytes | None, value: bytes | None, headers: Sequence[tuple[str, bytes]]
    ) -> DeadLetter:
        """The entry a DLQ record holds, read back from its key, value and :meth:`headers`.

        Never raises: a header that is missing reads as ``""`` (stage, reason,
        topic) or ``-1`` (partition, offset), an origin that is not
        ``topic/partition/offset`` reads as that text in ``topic``, and bytes
        that are not UTF-8 (a reason cut at :data:`MAX_REASON_BYTES` mid-character)
        are replaced, not refused: whoever inspects the DLQ must see every entry.
        """
        found = {name: data.decode(errors="replace") for name, data in headers}
        origin = found.get(ORIGIN_HEADER, "")
        topic, partition, offset = origin.rsplit("/", 2) if origin.count("/") >= 2 else (origin, "", "")
        if not (_is_number(partition) and _is_number(offset)):
            topic, partition, offset = origin, "-1", "-1"
        return cls(
            key=key,
            value=value,
            reason=found.get(REASON_HEADER, ""),
            topic=topic,
            partition=int(partition),
            offset=int(offset),
            stage=found.get(STAGE_HEADER, ""),
        )


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdigit()
