"""Running one service in the foreground until SIGTERM or SIGINT, then stopping it cleanly."""

from __future__ import annotations

import asyncio
import signal
from typing import Protocol

from stoppress.shared import collector

__all__ = ["Servable", "serve_until_signalled"]


class Servable(Protocol):
    """A service that starts (returning once it serves) and stops cleanly."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


async def serve_until_signalled(service: Servable) -> None:
    """Start ``service``, keep start-up objects out of the collector's way, serve until a stop signal, stop it."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await service.start()
    collector.freeze_startup()
    try:
        await stopping.wait()
    finally:
        await service.stop()
