"""``python -m stoppress.push``: run one gateway until SIGTERM/SIGINT, then shut down gracefully (1012)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys

from stoppress.push.gateway import Gateway
from stoppress.push.settings import PushSettings
from stoppress.shared import collector, eventloop
from stoppress.shared.logs import configure_logging

log = logging.getLogger("stoppress.push")

async def run(settings: PushSettings) -> int:
    """Serve until a stop signal (exit 0) or a failed Kafka reader (exit 1); close clients with 1012 either way."""
    gateway = Gateway(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await gateway.start()
    collector.freeze_startup()
    try:
        stopping = asyncio.create_task(stop.wait())
        failing = asyncio.create_task(gateway.failed.wait())
        await asyncio.wait([stopping, failing], return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        failing.cancel()
        log.info("%s: closing clients with 1012", "stop signal received" if stop.is_set() else "gateway failed")
    finally:
        await gateway.stop()
    log.info("push gateway stopped")
    return 0 if stop.is_set() else 1


def supervise(settings: PushSettings) -> int:
    """Run ``settings.workers`` gateway processes on one port (SO_REUSEPORT) until a stop signal.

    Each worker is a complete replica (its own Kafka reads, ring and metrics,
    instance ``<instance>-w<n>``); the kernel spreads new connections over
    them, so fan-out uses every core. Cursors work on any replica, so a client
    may land on any worker when it reconnects. A stop signal is forwarded to
    every worker (they close their clients with 1012); the exit code is the
    worst of theirs.
    """
    if settings.port == 0:
        raise SystemExit("STOPPRESS_PUSH_WORKERS > 1 needs a fixed STOPPRESS_PUSH_PORT")
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "stoppress.push"],
            env={**os.environ, "STOPPRESS_PUSH_WORKERS": "1", "STOPPRESS_PUSH_REUSE_PORT": "true",
                 "STOPPRESS_PUSH_INSTANCE": f"{settings.instance}-w{number}"},
        )
        for number in range(settings.workers)
    ]

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    log.info("push gateway supervising %d workers", settings.workers, extra={"port": settings.port})
    codes = [child.wait() for child in children]
    return max(codes, key=abs)


def main() -> None:
    """Entry point of ``python -m stoppress.push`` and ``stoppress-push``."""
    settings = PushSettings()
    configure_logging(settings.log_format, settings.log_level)
    collector.tune()
    if settings.workers > 1:
        sys.exit(supervise(settings))
    eventloop.install(settings.event_loop)
    sys.exit(asyncio.run(run(settings)))


if __name__ == "__main__":
    main()
