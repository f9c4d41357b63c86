"""``stoppress eval clustering --feedback-from-kafka`` as a person runs it: a real process against the real broker.

The test writes outcomes to its own copy of ``desk.outcomes`` the way the
ticker does (keyed by command id), including a retried command's repeat and a
record that is not an outcome, and checks that the broker gives the same
figures as the audit log file of the same outcomes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import subprocess
import sys
import uuid
from pathlib import Path

from stoppress.cli.localkafka import LocalKafka
from stoppress.cli.processes import free_port
from stoppress.shared.codec import encode
from stoppress.shared.topics import DESK_OUTCOMES, TOPICS
from tests.support.corrections import MERGE, SAMPLE, audit_log
from tests.support.kafka import produce


async def stoppress_eval(*argv: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "stoppress.cli.main", "eval", "clustering", *argv]
    return await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=120, check=False)


async def private_outcomes_topic(bootstrap: str) -> str:
    """A fresh topic with the spec of ``desk.outcomes``, so no other test's outcomes are read."""
    name = f"evalfb-{uuid.uuid4().hex[:8]}.{DESK_OUTCOMES}"
    (spec,) = [spec for spec in TOPICS if spec.name == DESK_OUTCOMES]
    await asyncio.to_thread(LocalKafka.create_topics_on, bootstrap, [dataclasses.replace(spec, name=name)])
    return name


async def test_the_broker_and_the_audit_log_give_the_same_figures(kafka: LocalKafka, tmp_path: Path) -> None:
    topic = await private_outcomes_topic(kafka.bootstrap)
    repeat = MERGE.model_copy(update={"repeat": True})
    records = [(o.command_id.encode(), encode(o)) for o in [*SAMPLE, repeat]] + [(b"junk", b"not an outcome")]
    await produce(kafka.bootstrap, topic, records)
    from_kafka, from_file = tmp_path / "kafka.json", tmp_path / "file.json"
    log = tmp_path / "desk-log.jsonl"
    log.write_text(audit_log(SAMPLE), encoding="utf-8")

    ran = await stoppress_eval("--feedback-from-kafka", "--bootstrap", kafka.bootstrap, "--outcomes-topic", topic,
                               "--json", str(from_kafka))  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert f"editors' corrections from kafka://{kafka.bootstrap}/{topic}" in ran.stdout
    assert "skipped 1 record(s)" in ran.stderr
    assert (await stoppress_eval("--feedback", str(log), "--json", str(from_file))).returncode == 0

    broker = json.loads(from_kafka.read_text(encoding="utf-8"))["feedback"]
    audit = json.loads(from_file.read_text(encoding="utf-8"))["feedback"]
    assert broker["outcomes_read"] == len(SAMPLE) + 1
    assert broker["corrections"] == 2
    same = {key: value for key, value in broker.items() if key not in ("source", "outcomes_read")}
    assert same == {key: value for key, value in audit.items() if key not in ("source", "outcomes_read")}


async def test_a_missing_topic_or_broker_exits_2_saying_so(kafka: LocalKafka) -> None:
    missing = await stoppress_eval("--feedback-from-kafka", "--bootstrap", kafka.bootstrap,
                                   "--outcomes-topic", f"nowhere-{uuid.uuid4().hex[:8]}")  # fmt: skip
    assert missing.returncode == 2
    assert "does not exist" in missing.stderr
    nobody = f"127.0.0.1:{free_port()}"
    unreachable = await stoppress_eval("--feedback-from-kafka", "--bootstrap", nobody)
    assert unreachable.returncode == 2
    assert f"cannot read {DESK_OUTCOMES} from the Kafka broker at {nobody}" in unreachable.stderr
