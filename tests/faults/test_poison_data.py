"""Poison data: malformed and oversized records written straight into ``headlines.raw`` (past ingest's checks)
end in ``headlines.dlq``, unchanged and with a reason, and the pipeline keeps flowing.

A real ticker worker reads a private one-partition copy of ``headlines.raw``:
good headlines, then every kind of poison, then good headlines again. Every
poison record must come out on the DLQ byte for byte, with a readable reason
and its origin (topic/partition/offset), and every good headline, before and
after, must still become a story. A record at the broker's size limit cannot
be copied with headers added; its DLQ entry may leave the value out, if the
reason says so (the origin still points at the original).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import orjson
import pytest

from stoppress.shared.deadletter import ORIGIN_HEADER, REASON_HEADER
from stoppress.shared.models import Headline
from tests.faults.fleet import Fleet
from tests.faults.newswire import raw_record
from tests.support.kafka import PrivateTopics, Record, create_topics, headers, produce, read_topic, ticker_events

OVERSIZED_BYTES = 1_040_000
"""Just under the broker's default limit of a record batch (1 MiB + 12 bytes), so it can be written at all;
its DLQ copy, with the reason headers added, is at that limit too."""


def good(guid: str, text: str) -> tuple[bytes, bytes]:
    now = datetime.now(UTC)
    return raw_record(Headline(id=f"wire:{guid}", source="wire", headline=text, urgency=3,
                               first_created=now, version_created=now, received_at=now))  # fmt: skip


def valid_fields() -> dict[str, object]:
    now = datetime.now(UTC).isoformat()
    return {"id": "wire:poison", "source": "wire", "headline": "Poison", "first_created": now,
            "version_created": now, "received_at": now}  # fmt: skip


def poison() -> dict[str, tuple[bytes | None, bytes | None]]:
    """Each kind of bad record, by what is wrong with it: (key, value) as written to the topic."""
    fields = valid_fields()
    return {
        "not JSON": (b"wire:p1", b'{"headline": "cut off in the midd'),
        "not UTF-8": (b"wire:p2", b"\xff\xfe\x00\x81 headline"),
        "JSON array": (b"wire:p3", b'["wire:p3", "Headline"]'),
        "missing fields": (b"wire:p4", b'{"headline": "No id, no source, no times"}'),
        "unknown major schema": (b"wire:p5", orjson.dumps({**fields, "schema_version": "2.0"})),
        "control characters": (b"wire:p6", orjson.dumps({**fields, "headline": "Bell \x07 in the text"})),
        "javascript URL": (b"wire:p7", orjson.dumps({**fields, "url": "javascript:alert(1)"})),
        "urgency out of range": (b"wire:p8", orjson.dumps({**fields, "urgency": 0})),
        "oversized": (b"wire:p9", orjson.dumps({**fields, "headline": "Huge " * (OVERSIZED_BYTES // 5)})),
        "tombstone": (b"wire:p10", None),
        "no key, binary": (None, bytes(range(256)) * 4),
    }


@pytest.mark.slow
async def test_poison_goes_to_the_dlq_with_reasons_and_the_pipeline_keeps_flowing(
    fleet: Fleet, topics: PrivateTopics
) -> None:
    bootstrap = fleet.bootstrap
    await create_topics(bootstrap, topics, raw_partitions=1)
    worker = fleet.ticker("poisoned", f"{topics.tag}-ticker", topics.ticker_env())
    bad = poison()
    before = [good("before-1", "Ferry grounded off Oban, all passengers safe"),
              good("before-2", "Glacier collapse blocks valley road in the Alps")]  # fmt: skip
    after = [good("after-1", "Volcanic ash cloud closes airports across Iceland"),
             good("after-2", "Record heat forces schools to close early in Seville")]  # fmt: skip
    await produce(bootstrap, topics.raw, before)
    poison_offsets = dict(zip(bad, await produce(bootstrap, topics.raw, bad.values()), strict=True))
    await produce(bootstrap, topics.raw, after)

    def all_dead_lettered(records: Sequence[Record]) -> bool:
        return len(records) >= len(bad)

    def all_good_announced(records: Sequence[Record]) -> bool:
        return sum(b'"story.new"' in (r.value or b"") for r in records) >= len(before) + len(after)

    events = await read_topic(bootstrap, topics.events, until=all_good_announced, timeout_s=60.0)
    dead = await read_topic(bootstrap, topics.dlq, until=all_dead_lettered, quiet_s=3.0, timeout_s=30.0,
                            strict=False)  # fmt: skip

    by_origin = {headers(record)[ORIGIN_HEADER]: record for record in dead}
    assert len(by_origin) == len(dead), "one DLQ record per poison record"
    not_there = []
    for kind, (key, value) in bad.items():
        record = by_origin.get(f"{topics.raw}/0/{poison_offsets[kind]}")
        if record is None:
            not_there.append(kind)
            continue
        reason = headers(record)[REASON_HEADER]
        assert len(reason) > 10, f"{kind}: the reason must say what is wrong, got {reason!r}"
        assert record.key == key, f"{kind}: the DLQ must keep the original key"
        too_big_to_copy = kind == "oversized" and record.value is None and "left out" in reason
        assert record.value == value or too_big_to_copy, f"{kind}: the DLQ must keep the original value"
        print(f"{kind:22} → {reason[:110]}")

    headlines = {event.story.headline for event in ticker_events(events) if event.type == "story.new"}
    expected = {orjson.loads(value)["headline"] for _, value in before + after}
    assert expected <= headlines, f"good headlines lost around the poison: {expected - headlines}"
    assert worker.process.returncode is None, f"the ticker died:\n{worker.process.log_tail()}"
    assert not not_there, f"not on the DLQ: {not_there}"
