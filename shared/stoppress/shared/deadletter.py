"""How a refused record is written to ``headlines.dlq``: nothing is dropped silently.

The DLQ value is the original bytes, unchanged, under the original key, so a
fixed record can be replayed as it was. Why it was refused and where it came
from travel in headers.
"""

from __future__ import annotations

from dataclasses import dataclass

REASON_HEADER = "stoppress-reason"
ORIGIN_HEADER = "stoppress-origin"
STAGE_HEADER = "stoppress-stage"
MAX_REASON_BYTES = 2000


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

    def headers(self) -> list[tuple[str, bytes]]:
        """Kafka headers carrying the reason, the origin (``topic/partition/offset``) and the stage."""
        return [
            (REASON_HEADER, self.reason.encode()[:MAX_REASON_BYTES]),
            (ORIGIN_HEADER, f"{self.topic}/{self.partition}/{self.offset}".encode()),
            (STAGE_HEADER, self.stage.encode()),
        ]
