"""``stoppress desk`` as an editor types it, against the real stack: exit status, what it prints, the log."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid

from stoppress.cli.stack import Stack
from tests.conftest import EDITOR_KEY
from tests.integration.desk.conftest import new_story


async def desk(stack: Stack, *args: str, key: str | None = EDITOR_KEY) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STOPPRESS_DESK_URL": stack.config.desk_url}
    env.pop("STOPPRESS_EDITOR_KEY", None)
    if key is not None:
        env["STOPPRESS_EDITOR_KEY"] = key
    return await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "stoppress.cli.main", "desk", *args], env=env, capture_output=True,
        text=True, timeout=60, check=False,
    )  # fmt: skip


async def test_kill_list_and_log_from_the_command_line(stack: Stack) -> None:
    headline = f"Power cut leaves 40,000 homes dark in Cornwall {uuid.uuid4().hex[:6]}"
    story_id = await new_story(stack, headline)

    killed = await desk(stack, "kill", story_id, "--reason", "duplicate of the Western Power story")
    assert killed.returncode == 0, killed.stderr
    assert f"kill {story_id}: killed: off every ticker" in killed.stdout
    assert "readers holding cursor 1-" in killed.stdout

    again = await desk(stack, "kill", story_id, "--reason", "twice")
    assert again.returncode == 1
    assert "already killed by demo-editor" in again.stderr

    listed = await desk(stack, "list", "--state", "killed", "--limit", "5000")
    assert listed.returncode == 0, listed.stderr
    [line] = [line for line in listed.stdout.splitlines() if story_id in line]
    assert "killed" in line and "[killed]" in line

    log = await desk(stack, "log", story_id)
    assert log.returncode == 0, log.stderr
    [entry] = log.stdout.splitlines()[-1:]
    assert "demo-editor  kill on" in entry and "'duplicate of the Western Power story'" in entry and "-> 200" in entry


async def test_level_for_a_while_and_clear(stack: Stack) -> None:
    story_id = await new_story(stack, f"Heathrow runway closed by fuel leak {uuid.uuid4().hex[:6]}", urgency=5)
    flashed = await desk(stack, "level", story_id, "flash", "--for", "30m", "--reason", "airport confirmed")
    assert flashed.returncode == 0, flashed.stderr
    cleared = await desk(stack, "clear", story_id, "--reason", "back to the machine")
    assert cleared.returncode == 0, cleared.stderr
    nothing = await desk(stack, "clear", story_id, "edit", "--reason", "nothing to clear")
    assert nothing.returncode == 1 and "nothing to clear" in nothing.stderr


async def test_bad_arguments_and_no_key_exit_2_with_a_message(stack: Stack) -> None:
    no_key = await desk(stack, "kill", "st-x", "--reason", "x", key=None)
    assert (no_key.returncode, "no editor's key" in no_key.stderr) == (2, True)
    bad_duration = await desk(stack, "level", "st-x", "flash", "--for", "soon", "--reason", "x")
    assert (bad_duration.returncode, "not a duration" in bad_duration.stderr) == (2, True)
    source_key = await desk(stack, "kill", "st-x", "--reason", "x", key="test-demo-key-0123456789")
    assert source_key.returncode == 1 and "not an editor's key" in source_key.stderr
