"""``stoppress tail`` as a user runs it: a real process on the real gateway, stopped with Ctrl-C."""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any

import orjson

from tests.integration.push.harness import GatewayProcess, TickerStandIn, Topics, story


async def read_line_containing(process: asyncio.subprocess.Process, text: str, timeout_s: float = 15.0) -> str:
    assert process.stdout is not None
    async with asyncio.timeout(timeout_s):
        while True:
            line = (await process.stdout.readline()).decode()
            if not line:
                raise AssertionError(f"tail ended before printing {text!r}")
            if text in line:
                return line


async def tail(*arguments: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "stoppress.cli.main",
        "tail",
        *arguments,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_tail_prints_the_snapshot_and_live_events_and_exits_0_on_ctrl_c(
    kafka: Any, topics: Topics, gateway: GatewayProcess
) -> None:
    async with TickerStandIn(kafka.bootstrap, topics) as ticker:
        await ticker.publish(story("quake", level="flash", headline="Earthquake hits Tokyo"))
        process = await tail("--url", gateway.ws_url, "--levels", "breaking,flash")
        try:
            assert "snapshot" in await read_line_containing(process, "snapshot")
            quake = await read_line_containing(process, "Earthquake hits Tokyo")
            await ticker.publish(story("fire", level="breaking", headline="Fire in Leeds"))
            await ticker.publish(story("bus", level="normal", headline="Bus lanes approved"))
            await ticker.publish(story("flood", level="breaking", headline="Flood in York"))
            fire = await read_line_containing(process, "Fire in Leeds")
            flood = await read_line_containing(process, "Flood in York")
            process.send_signal(signal.SIGINT)
            async with asyncio.timeout(10):
                _, stderr = await process.communicate()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert process.returncode == 0, stderr.decode()
    assert "FLASH" in quake and "(1 source: wire)" in quake
    assert " new " in fire and "BREAKING" in fire
    assert "Bus lanes" not in fire + flood


async def test_tail_json_prints_one_protocol_message_per_line(
    kafka: Any, topics: Topics, gateway: GatewayProcess
) -> None:
    async with TickerStandIn(kafka.bootstrap, topics) as ticker:
        process = await tail("--url", gateway.ws_url, "--json")
        try:
            snapshot = orjson.loads(await read_line_containing(process, '"type":"snapshot"'))
            await ticker.publish(story("fire", headline="Fire in Leeds"))
            event = orjson.loads(await read_line_containing(process, "Fire in Leeds"))
            process.send_signal(signal.SIGINT)
            async with asyncio.timeout(10):
                await process.wait()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert process.returncode == 0
    assert snapshot["stories"] == [] and snapshot["cursor"]
    assert (event["type"], event["event"]["story"]["story_id"], event["matches"]) == ("event", "fire", True)
