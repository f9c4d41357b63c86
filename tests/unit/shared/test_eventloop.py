"""Which event loop the services run on."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
import uvloop

from stoppress.shared import eventloop
from stoppress.shared.settings import ServiceSettings


@pytest.fixture
def restored_policy() -> Iterator[None]:
    policy = asyncio.get_event_loop_policy()
    yield
    asyncio.set_event_loop_policy(policy)


@pytest.mark.usefixtures("restored_policy")
def test_uvloop_makes_every_new_loop_a_uvloop_one_in_other_threads_too() -> None:
    eventloop.install("uvloop")
    kinds: list[type] = []

    def in_a_thread() -> None:  # as faust's consumer thread makes its loop
        loop = asyncio.new_event_loop()
        kinds.append(type(loop))
        loop.close()

    thread = threading.Thread(target=in_a_thread)
    thread.start()
    thread.join()
    assert kinds == [uvloop.Loop]
    assert asyncio.run(_running_loop_type()) is uvloop.Loop


@pytest.mark.usefixtures("restored_policy")
def test_asyncio_gives_the_standard_loop_back() -> None:
    eventloop.install("uvloop")
    eventloop.install("asyncio")
    assert not issubclass(asyncio.run(_running_loop_type()), uvloop.Loop)


def test_services_default_to_uvloop_and_take_asyncio_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ServiceSettings().event_loop == "uvloop"
    monkeypatch.setenv("STOPPRESS_EVENT_LOOP", "asyncio")
    assert ServiceSettings().event_loop == "asyncio"


async def _running_loop_type() -> type:
    return type(asyncio.get_running_loop())
