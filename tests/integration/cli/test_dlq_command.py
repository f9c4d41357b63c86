"""``stoppress dlq`` as an operator runs it: a real process against the real broker, on private topics.

The test parks entries in its own DLQ topic the way the ticker does (value
unchanged, :class:`DeadLetter` headers), then lists, shows and replays them
into its own copy of ``headlines.raw``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import subprocess
import sys
import uuid
from datetime import UTC, datetime

import orjson
import pytest

from stoppress.cli.localkafka import LocalKafka
from stoppress.cli.processes import free_port
from stoppress.shared.codec import encode
from stoppress.shared.deadletter import REPLAYED_FROM_HEADER, DeadLetter
from stoppress.shared.kafka import durable_producer
from stoppress.shared.models import Headline
from stoppress.shared.topics import HEADLINES_DLQ, HEADLINES_RAW, TOPICS
from tests.support.kafka import headers, read_topic

NOW = datetime.now(UTC)
FIXED = Headline(id="wire:fixed-1", source="wire", headline="Quake hits the coast", urgency=2,
                 first_created=NOW, version_created=NOW, received_at=NOW)  # fmt: skip
STILL_BAD = orjson.dumps({**orjson.loads(encode(FIXED)), "id": "wire:bad-1", "urgency": 12})
LETTERS = [
    DeadLetter(b"wire:cut-1", b'{"headline": "Clear screen \x1b[2J cut off in the midd',
               "not valid JSON: unexpected end of data", "headlines.raw", 2, 40, "ticker.intake"),
    DeadLetter(b"en", encode(FIXED), "desk failed on this headline: RuntimeError('boom')",
               "stoppress-ticker-desk", 0, 7, "ticker.desk"),
    DeadLetter(b"wire:bad-1", STILL_BAD, "invalid Headline: urgency: Input should be less than or equal to 9",
               "headlines.raw", 5, 41, "ticker.intake"),
    DeadLetter(b"__tick__", b"not a time", "clock tick value is not a POSIX time: b'not a time'",
               "stoppress-ticker-desk", 1, 8, "ticker.desk"),
]  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Topics:
    dlq: str
    raw: str


@pytest.fixture
async def topics(kafka: LocalKafka) -> Topics:
    tag = f"dlqcmd-{uuid.uuid4().hex[:8]}"
    private = Topics(f"{tag}.{HEADLINES_DLQ}", f"{tag}.{HEADLINES_RAW}")
    specs = {spec.name: spec for spec in TOPICS}
    await asyncio.to_thread(LocalKafka.create_topics_on, kafka.bootstrap, [
        dataclasses.replace(specs[HEADLINES_DLQ], name=private.dlq),
        dataclasses.replace(specs[HEADLINES_RAW], name=private.raw),
    ])  # fmt: skip
    producer = durable_producer(kafka.bootstrap, "dlq-command-test", request_timeout_ms=15000)
    await producer.start()
    try:
        for letter in LETTERS:
            await producer.send_and_wait(private.dlq, letter.value, key=letter.key, headers=letter.headers())
    finally:
        await producer.stop()
    return private


async def stoppress_dlq(*argv: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "stoppress.cli.main", "dlq", *argv],
                                   capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


async def test_list_shows_every_entry_safely_and_as_json(kafka: LocalKafka, topics: Topics) -> None:
    where = ("--bootstrap", kafka.bootstrap, "--topic", topics.dlq)
    listed = await stoppress_dlq("list", *where)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["0", "1", "2", "3"]
    assert lines[0].split()[2:4] == ["ticker.intake", "headlines.raw/2/40"]
    assert '{"headline": "Clear screen \\x1b[2J cut off' in lines[0]
    assert "\x1b" not in listed.stdout

    as_json = await stoppress_dlq("list", *where, "--json")
    records = [orjson.loads(line) for line in as_json.stdout.splitlines()]
    assert [(r["offset"], r["stage"], r["key"]) for r in records] == [
        (0, "ticker.intake", "wire:cut-1"), (1, "ticker.desk", "en"), (2, "ticker.intake", "wire:bad-1"),
        (3, "ticker.desk", "__tick__"),
    ]  # fmt: skip
    assert records[1]["value"].encode() == encode(FIXED)
    assert records[1]["origin"] == {"topic": "stoppress-ticker-desk", "partition": 0, "offset": 7}

    last_desk = await stoppress_dlq("list", *where, "--stage", "ticker.desk", "--last", "1")
    assert [line.split()[0] for line in last_desk.stdout.splitlines()] == ["3"]
    none_yet = await stoppress_dlq("list", *where, "--since", "2999-01-01T00:00Z")
    assert (none_yet.returncode, none_yet.stdout) == (0, "")
    since_then = await stoppress_dlq("list", *where, "--since", "2000-01-01")
    assert len(since_then.stdout.splitlines()) == 4


async def test_show_prints_one_whole_entry_or_says_it_is_unknown(kafka: LocalKafka, topics: Topics) -> None:
    where = ("--bootstrap", kafka.bootstrap, "--topic", topics.dlq)
    shown = await stoppress_dlq("show", "1", *where)
    assert shown.returncode == 0, shown.stderr
    assert "stage    ticker.desk" in shown.stdout
    assert "reason   desk failed on this headline: RuntimeError('boom')" in shown.stdout
    assert '  "id": "wire:fixed-1",' in shown.stdout.splitlines()

    unknown = await stoppress_dlq("show", "99", *where)
    assert unknown.returncode == 1
    assert f"no entry at offset 99 in {topics.dlq} (it holds offsets 0-3)" in unknown.stderr


async def test_replay_writes_back_what_is_valid_and_reports_the_rest(kafka: LocalKafka, topics: Topics) -> None:
    where = ("--bootstrap", kafka.bootstrap, "--topic", topics.dlq, "--to", topics.raw)
    dry = await stoppress_dlq("replay", "--all", "--dry-run", *where)
    assert dry.returncode == 1, dry.stderr
    assert [line.split(maxsplit=1) for line in dry.stdout.splitlines()][1] == ["1", "would replay wire:fixed-1 v1"]
    assert await read_topic(kafka.bootstrap, topics.raw, quiet_s=0.5) == []

    replayed = await stoppress_dlq("replay", "1", "2", "3", "99", *where)
    assert replayed.returncode == 1, replayed.stderr
    report = dict(line.split(maxsplit=1) for line in replayed.stdout.splitlines())
    assert report["1"].startswith(f"replayed wire:fixed-1 v1 -> {topics.raw}/")
    assert report["2"].startswith("still invalid: invalid Headline: urgency: Input should be less than or equal to 9")
    assert report["3"].startswith("still invalid: not valid JSON")
    assert report["99"].startswith("unknown:")
    assert "replayed 1, 2 still invalid, 1 unknown" in replayed.stderr

    [record] = await read_topic(kafka.bootstrap, topics.raw, until=lambda records: len(records) >= 1, quiet_s=0.5)
    assert (record.key, record.value) == (b"wire:fixed-1", encode(FIXED))
    assert headers(record)[REPLAYED_FROM_HEADER] == f"{topics.dlq}/0/1"

    again = await stoppress_dlq("replay", "1", *where)
    assert again.returncode == 0, again.stderr
    assert len(await read_topic(kafka.bootstrap, topics.raw, until=lambda records: len(records) >= 2)) == 2


async def test_an_unreachable_broker_or_a_missing_topic_is_one_clear_message(
    kafka: LocalKafka, topics: Topics
) -> None:
    nowhere = f"127.0.0.1:{free_port()}"
    unreachable = await stoppress_dlq("list", "--bootstrap", nowhere)
    assert unreachable.returncode == 2
    assert unreachable.stderr.strip().splitlines() == [
        f"stoppress dlq: cannot reach the Kafka broker at {nowhere}: "
        + unreachable.stderr.split(f"{nowhere}: ", 1)[1].strip()
    ]
    missing = await stoppress_dlq("show", "0", "--bootstrap", kafka.bootstrap, "--topic", "no.such.dlq")
    assert missing.returncode == 2
    assert f"topic no.such.dlq does not exist on {kafka.bootstrap}" in missing.stderr
    no_target = await stoppress_dlq("replay", "1", "--bootstrap", kafka.bootstrap, "--topic", topics.dlq,
                                    "--to", "no.such.raw")  # fmt: skip
    assert no_target.returncode == 2
    assert "topic no.such.raw does not exist" in no_target.stderr
