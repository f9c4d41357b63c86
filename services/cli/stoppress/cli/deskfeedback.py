"""Where ``stoppress eval clustering`` reads editors' corrections from: an audit log file, or the broker.

- **A file** of what ``stoppress desk log --json`` prints: one audit log
  entry per line, ``{"command": …, "outcome": …}``. Entries still pending
  (``outcome`` null) are skipped; which outcomes are corrections is the
  core's rule (:func:`stoppress.ticker.clustering_feedback.corrections`).
  The desk service keeps only its most recent entries (``log_entries``), so
  a file holds at most that many.
- **The broker**: every record of ``desk.outcomes`` from the beginning (the
  topic is kept for good), read by a group-free consumer up to the ends found
  at start, so nothing is committed and no running service is disturbed.
  A record that is not a valid outcome is counted and skipped, as the desk
  service does.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from pydantic import ValidationError

from stoppress.shared.codec import DecodeError, decode, describe_validation_error
from stoppress.shared.kafka import group_free_consumer
from stoppress.shared.models import DeskOutcome

__all__ = ["FeedbackInputError", "TopicOutcomes", "outcomes_from_log", "read_log_file", "read_outcomes_topic"]

READ_STALL_S = 30.0
"""A read that gets no record for this long (s) while records are due has lost the broker."""


class FeedbackInputError(Exception):
    """The corrections cannot be read (bad file, broker unreachable, topic missing); the message says why."""


@dataclass(frozen=True)
class TopicOutcomes:
    """The outcomes read from a topic, and how many records were not valid outcomes."""

    outcomes: list[DeskOutcome]
    unreadable: int


def outcomes_from_log(lines: Iterable[str]) -> list[DeskOutcome]:
    """The decided outcomes in audit log lines (blank lines and pending entries skipped).

    Raises :class:`FeedbackInputError` naming the first line that is not an
    audit log entry with a valid outcome.
    """
    found: list[DeskOutcome] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            entry = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise FeedbackInputError(f"line {number}: not JSON ({exc})") from None
        if not isinstance(entry, dict) or "outcome" not in entry:
            raise FeedbackInputError(f"line {number}: not an audit log entry (stoppress desk log --json)")
        if entry["outcome"] is None:
            continue
        try:
            found.append(DeskOutcome.model_validate(entry["outcome"]))
        except ValidationError as exc:
            raise FeedbackInputError(f"line {number}: invalid outcome: {describe_validation_error(exc)}") from None
    return found


def read_log_file(path: Path) -> list[DeskOutcome]:
    """:func:`outcomes_from_log` of a UTF-8 file; an unreadable file is a :class:`FeedbackInputError`."""
    try:
        with path.open(encoding="utf-8") as handle:
            return outcomes_from_log(handle)
    except (OSError, UnicodeDecodeError) as exc:
        raise FeedbackInputError(f"{path}: {exc}") from None
    except FeedbackInputError as exc:
        raise FeedbackInputError(f"{path}: {exc}") from None


async def read_outcomes_topic(bootstrap: str, topic: str) -> TopicOutcomes:
    """Every outcome on ``topic`` (all partitions), from the beginning to the ends found at start."""
    consumer = group_free_consumer(bootstrap, "stoppress-eval")
    try:
        partitions = [TopicPartition(topic, p) for p in await _partitions(bootstrap, topic)]
        await consumer.start()
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        outcomes: list[DeskOutcome] = []
        unreadable = 0
        last_progress = time.monotonic()
        while await _short_of(consumer, ends):
            batches = await consumer.getmany(*partitions, timeout_ms=1000)
            if batches:
                last_progress = time.monotonic()
            elif time.monotonic() - last_progress > READ_STALL_S:
                raise FeedbackInputError(f"no records from {topic} on {bootstrap} for {READ_STALL_S:.0f} s")
            for tp, records in batches.items():
                for record in records:
                    if record.offset >= ends[tp]:
                        continue
                    try:
                        outcomes.append(decode(record.value, DeskOutcome))
                    except DecodeError:
                        unreadable += 1
        return TopicOutcomes(outcomes, unreadable)
    except KafkaError as exc:
        raise FeedbackInputError(f"cannot read {topic} from the Kafka broker at {bootstrap}: {exc}") from None
    finally:
        await consumer.stop()


async def _partitions(bootstrap: str, topic: str) -> list[int]:
    """The partition numbers of ``topic``; a missing topic is a :class:`FeedbackInputError`."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="stoppress-eval")
    try:
        await admin.start()
        if topic not in await admin.list_topics():
            raise FeedbackInputError(f"topic {topic} does not exist on {bootstrap}")
        (described,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return sorted(partition["partition"] for partition in described["partitions"])


async def _short_of(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    """Whether the consumer has yet to reach the end offset of any partition."""
    for partition, end in ends.items():
        if await consumer.position(partition) < end:
            return True
    return False
