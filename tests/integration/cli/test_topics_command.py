"""``stoppress topics`` as an operator runs it: a real process against the session's single broker."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from stoppress.cli.localkafka import LocalKafka
from stoppress.shared.topics import TOPICS


async def topics_command(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "stoppress.cli.main", "topics", *arguments]
    return await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=60, check=False)


async def test_it_says_which_replication_the_cluster_called_for(kafka: LocalKafka) -> None:
    result = await topics_command("--bootstrap", kafka.bootstrap)

    assert result.returncode == 0, result.stderr
    assert f"topics ready on {kafka.bootstrap} (replication factor 1, min.insync.replicas 1)" in result.stdout
    assert all(spec.name in result.stdout for spec in TOPICS)


async def test_a_min_insync_above_the_factor_is_refused_with_the_reason(kafka: LocalKafka) -> None:
    result = await topics_command("--bootstrap", kafka.bootstrap, "--min-insync-replicas", "2")

    assert result.returncode == 2
    assert "stoppress topics: min.insync.replicas must be between 1 and the replication factor (1)" in result.stderr
