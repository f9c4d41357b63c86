"""Centrifugo, the named peer of ``bench.push.peers``: built on first use, configured, run, published to.

The binary is built from the Go module proxy with ``go install
github.com/centrifugal/centrifugo/v6@v6.9.1`` into a cache folder beside the C
swarm's (``~/.cache/stoppress-bench/centrifugo-v6.9.1/``; a few minutes, once),
and never enters the repository. Without ``go`` the command stops with a
message saying so.

The configuration is the one issue 15 names: memory engine, anonymous
clients (no token) allowed to subscribe to one channel, whose history keeps
1,000 publications (10 min) with ``force_recovery`` (so every subscription
is recoverable, as every Stop Press client is resumable); everything else is
Centrifugo's default (25 s pings, 1 MiB client queue). Events are published
through its HTTP server API, one ``POST /api/publish`` each.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import aiohttp

from bench.push.native import CACHE
from bench.push.run import Server

VERSION = "v6.9.1"
MODULE = "github.com/centrifugal/centrifugo/v6"
CHANNEL = "news"
WEBSOCKET_PATH = "/connection/websocket"
HISTORY_SIZE = 1000


class GoMissingError(SystemExit):
    """No Go toolchain: the benchmark cannot build its peer."""


def centrifugo_binary() -> Path:
    """Path of Centrifugo ``VERSION``, building it from the Go module proxy if needed."""
    folder = CACHE / f"centrifugo-{VERSION}"
    binary = folder / "centrifugo"
    if binary.exists():
        return binary
    go = shutil.which("go")
    if go is None:
        raise GoMissingError(f"bench: building the Centrifugo peer needs Go (go install {MODULE}@{VERSION})")
    partial = folder.with_name(f"{folder.name}.{os.getpid()}.tmp")
    partial.mkdir(parents=True, exist_ok=True)
    print(f"bench: building Centrifugo {VERSION} from the Go module proxy into {folder} (once; a few minutes)",
          flush=True)  # fmt: skip
    built = subprocess.run(
        [go, "install", f"{MODULE}@{VERSION}"], env={**os.environ, "GOBIN": str(partial)}, cwd=partial,
        check=False, capture_output=True, text=True,
    )  # fmt: skip
    if built.returncode != 0:
        raise SystemExit(f"bench: go install {MODULE}@{VERSION} failed:\n{built.stderr[-3000:]}")
    folder.mkdir(parents=True, exist_ok=True)
    (partial / "centrifugo").replace(binary)
    shutil.rmtree(partial, ignore_errors=True)
    return binary


def module_version(binary: Path) -> str:
    """The module version the binary was built from (``go version -m``; the binary itself says v0.0.0)."""
    shown = subprocess.run(["go", "version", "-m", str(binary)], check=False, capture_output=True, text=True)
    for line in shown.stdout.splitlines():
        fields = line.split()
        if fields[:2] == ["mod", MODULE]:
            return fields[2]
    return "unknown"


def config(port: int, api_key: str) -> dict[str, object]:
    """The peer's configuration (see the module docstring)."""
    return {
        "http_server": {"address": "127.0.0.1", "port": port},
        "log": {"level": "warn"},
        "engine": {"type": "memory"},
        "usage_stats": {"disabled": True},
        "health": {"enabled": True},
        "http_api": {"key": api_key},
        "client": {"allow_anonymous_connect_without_token": True},
        "channel": {
            "without_namespace": {
                "allow_subscribe_for_client": True,
                "allow_subscribe_for_anonymous": True,
                "history_size": HISTORY_SIZE,
                "history_ttl": "600s",
                "force_recovery": True,
            }
        },
    }


class Centrifugo(Server):
    """Centrifugo as a process under test, with a configuration file of its own in ``folder``."""

    def __init__(self, folder: Path, port: int) -> None:
        self.api_key = uuid.uuid4().hex
        self.config_path = folder / f"centrifugo-{port}.json"
        self.config_path.write_text(json.dumps(config(port, self.api_key)))
        super().__init__("centrifugo", [str(centrifugo_binary()), "--config", str(self.config_path)],
                         dict(os.environ), port)  # fmt: skip

    async def start(self) -> None:
        self.process = self.spawn()
        deadline = time.monotonic() + 30
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"centrifugo exited; see {self.log_path}")
                try:
                    async with session.get(f"http://127.0.0.1:{self.port}/health") as answer:
                        if answer.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError(f"centrifugo not healthy within 30 s; see {self.log_path}")

    def publisher(self) -> Publisher:
        """A client of this server's HTTP API."""
        return Publisher(f"http://127.0.0.1:{self.port}/api/publish", self.api_key)


class Publisher:
    """Publishes events to :data:`CHANNEL` through the HTTP server API, over one keep-alive session."""

    def __init__(self, url: str, api_key: str) -> None:
        self.url = url
        self.headers = {"X-API-Key": api_key, "Content-Type": "application/json"}
        self.session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Publisher:
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))  # the server is the queue
        return self

    async def __aexit__(self, *_: object) -> None:
        if self.session is not None:
            await self.session.close()

    async def publish(self, event_json: bytes) -> None:
        """Publish one event (its JSON becomes the publication's data); raise if the server refuses it."""
        assert self.session is not None
        body = b'{"channel":"' + CHANNEL.encode() + b'","data":' + event_json + b"}"
        async with self.session.post(self.url, data=body, headers=self.headers) as answer:
            reply = await answer.json()
        if answer.status != 200 or "error" in reply:
            raise RuntimeError(f"centrifugo refused a publication: {answer.status} {reply}")
