"""``stoppress post`` and ``stoppress replay`` as real commands against a real ingest and broker."""

from __future__ import annotations

import asyncio
import csv
import os
import subprocess
import sys
from pathlib import Path

from stoppress.cli.localkafka import LocalKafka
from tests.integration.ingest.conftest import RELAY_KEY, WIRE_KEY, RunningIngest, end_offsets, records_since

DEMO_CSV = Path(__file__).parents[3] / "deploy" / "demo" / "uci-news-dev.csv"


def stoppress(*argv: str, key: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("STOPPRESS_KEY", "STOPPRESS_DEMO_KEY")}
    if key is not None:
        env["STOPPRESS_KEY"] = key
    return subprocess.run([sys.executable, "-m", "stoppress.cli.main", *argv], env=env, capture_output=True,
                          text=True, timeout=120, check=False)


async def test_post_publishes_and_reports(kafka: LocalKafka, ingest: RunningIngest, guid_prefix: str) -> None:
    start = await end_offsets(kafka.bootstrap)
    done = await asyncio.to_thread(stoppress, "post", "Hello from <b>Stop Press</b>", "--urgency", "2", "--guid",
                                   f"{guid_prefix}hello", "--ingest", ingest.url, key=WIRE_KEY)
    assert done.returncode == 0, done.stderr
    assert f"accepted wire:{guid_prefix}hello version 1" in done.stdout
    [(_, headline)] = await records_since(kafka.bootstrap, start, guid_prefix)
    assert (headline.headline, headline.urgency) == ("Hello from Stop Press", 2)

    refused = await asyncio.to_thread(stoppress, "post", "Too urgent", "--urgency", "12", "--ingest", ingest.url,
                                      key=WIRE_KEY)
    assert refused.returncode == 1
    assert "urgency" in refused.stderr
    keyless = await asyncio.to_thread(stoppress, "post", "No key", "--ingest", ingest.url)
    assert keyless.returncode == 2
    assert "API key" in keyless.stderr


async def test_replay_relays_each_publisher_in_timestamp_order(
    kafka: LocalKafka, ingest: RunningIngest, tmp_path: Path, guid_prefix: str
) -> None:
    with DEMO_CSV.open(newline="") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda row: int(row["TIMESTAMP"]))[:30]
    sample = tmp_path / "sample.csv"
    with sample.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "ID": f"{guid_prefix}{row['ID']}"})
    start = await end_offsets(kafka.bootstrap)
    done = await asyncio.to_thread(stoppress, "replay", str(sample), "--speed", "100000", "--url", ingest.url,
                                   "--quiet", key=RELAY_KEY)
    assert done.returncode == 0, done.stderr
    assert "30 accepted, 0 refused" in done.stderr
    landed = await records_since(kafka.bootstrap, start, f"uci-{guid_prefix}")
    assert len(landed) == 30
    by_guid = {headline.guid: headline for _, headline in landed}
    first = by_guid[f"uci-{guid_prefix}{rows[0]['ID']}"]
    assert first.source_name == rows[0]["PUBLISHER"].replace("\\", "")
    assert first.source_authority == 0.4
    assert len({headline.source for headline in by_guid.values()}) > 5

    not_a_relay = await asyncio.to_thread(stoppress, "replay", str(sample), "--speed", "100000", "--url", ingest.url,
                                          "--limit", "2", key=WIRE_KEY)
    assert not_a_relay.returncode == 2
    assert "relay" in not_a_relay.stderr
