"""Which asyncio event loop a service runs on: uvloop unless told otherwise.

Every Kafka hop and every fan-out is a handful of event-loop turns (a
socket read, a callback, a future set across threads in the ticker's
consumer), and the end-to-end latency is a sum of such turns in three
processes. uvloop runs the same asyncio code on libuv; the choice is a
setting (``STOPPRESS_EVENT_LOOP=asyncio`` gives the standard loop) so that
its effect can be measured and undone (``python -m bench.e2e --event-loop``).

:func:`install` sets the loop *policy*, not one loop: threads that make
their own loop (faust's consumer thread) get the same kind.
"""

from __future__ import annotations

import asyncio
from typing import Literal

import uvloop

EventLoopKind = Literal["uvloop", "asyncio"]
DEFAULT_EVENT_LOOP: EventLoopKind = "uvloop"


def install(kind: EventLoopKind) -> None:
    """Make every event loop created from now on in this process of ``kind`` (call before the first one)."""
    if kind == "uvloop":
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    else:
        asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())
