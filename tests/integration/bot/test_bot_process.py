"""``python -m stoppress.bot`` as deployed: configured by environment, posting (and taking back) on stdout,
stopped by SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from stoppress.bot.state import load_state
from tests.integration.push.harness import GatewayProcess, TickerStandIn, Topics, story


async def test_the_bot_process_posts_to_stdout_takes_back_a_kill_saves_its_state_and_stops_on_sigterm(
    kafka: Any, topics: Topics, gateway: GatewayProcess, tmp_path: Path
) -> None:
    state_file = tmp_path / "state" / "bot.json"
    env = {
        **os.environ,
        "STOPPRESS_BOT_URL": gateway.ws_url,
        "STOPPRESS_BOT_SINK": "stdout",
        "STOPPRESS_BOT_MIN_LEVEL": "flash",
        "STOPPRESS_BOT_STATE_FILE": str(state_file),
    }
    async with TickerStandIn(kafka.bootstrap, topics) as ticker:
        await ticker.publish(story("quake", level="flash", headline="Earthquake hits Tokyo"))
        await ticker.publish(story("fire", level="breaking", headline="Fire in Leeds"))
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "stoppress.bot",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            assert process.stdout is not None
            async with asyncio.timeout(15):
                first = await process.stdout.readline()
                link_and_blank = [await process.stdout.readline() for _ in range(2)]
            await ticker.publish(story("quake", 2, level="flash"), kind="story.retract", reason="killed")
            async with asyncio.timeout(15):
                takeback = [await process.stdout.readline() for _ in range(3)]
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(15):
                rest, stderr = await process.communicate()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert process.returncode == 0, stderr.decode()
    assert first.decode() == "FLASH: Earthquake hits Tokyo\n"
    assert b"".join(link_and_blank).decode() == "https://news.example/quake\n\n"
    assert b"".join(takeback).decode() == (
        "✗ take back stoppress:quake:new:1\n"
        "WITHDRAWN: Earthquake hits Tokyo — the editors have taken this story down\n\n"
    )
    assert rest == b""
    state = load_state(state_file)
    assert state.ledger == {} and state.outbox == [], "the killed story is taken back and forgotten"
    assert "bot stopped" in stderr.decode()
